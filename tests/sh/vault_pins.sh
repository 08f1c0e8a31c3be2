#!/usr/bin/env bash
# Pinning the signers: a key dropped into trusted-keys/ by whoever can write
# the vault, and the records it signs, must fail 'verify --pubkey' and
# 'verify --trusted-key' even when --expect-head still passes.
. "$(dirname "$0")/lib/common.sh"
art=$FIX/articles/000_b02582cd44c05fde.txt
"$DOCSEAL" -C "$WORK/v" init >/dev/null
"$DOCSEAL" -q -C "$WORK/v" add --id a --time 2026-01-01T12:00:00Z "$art" >/dev/null
kid=$(basename "$(ls "$WORK"/v/trusted-keys/*.pub)" .pub)
pub=$WORK/config/docseal/docseal.key.pub
head=$("$DOCSEAL" -C "$WORK/v" log --head)

# the pinned report names the key
ds -C "$WORK/v" verify --pubkey "$pub" --expect-head "$head" >"$WORK/out" 2>&1
[ $rc -eq 0 ] || { cat "$WORK/out" >&2; fail "pinned pristine vault: exit $rc"; }
grep -qx "ok   trusted-keys: 1 key (pinned): $kid" "$WORK/out" || { cat "$WORK/out" >&2; fail "no pinned key line"; }
ds -C "$WORK/v" verify --trusted-key "$kid" >"$WORK/out" 2>&1
[ $rc -eq 0 ] || { cat "$WORK/out" >&2; fail "--trusted-key pristine vault: exit $rc"; }
ds -C "$WORK/v" verify >"$WORK/out" 2>&1
grep -qx "ok   trusted-keys: 1 key: $kid" "$WORK/out" || { cat "$WORK/out" >&2; fail "trusted-keys line does not name the key"; }

# an intruder trusts its own key and appends a forged record
XDG_CONFIG_HOME=$WORK/intruder "$DOCSEAL" -C "$WORK/iv" init >/dev/null
ikey=$WORK/intruder/docseal/docseal.key
ikid=$(basename "$(ls "$WORK"/iv/trusted-keys/*.pub)" .pub)
[ ${#ikid} -eq 16 ] || fail "no intruder key id in $ikey.pub"
cp "$ikey.pub" "$WORK/v/trusted-keys/$ikid.pub"
"$DOCSEAL" -q -C "$WORK/v" add --key "$ikey" --id a --time 2026-02-01T12:00:00Z "$FIX"/articles/001_*.txt >/dev/null
ds -C "$WORK/v" verify --expect-head "$head" >/dev/null 2>&1
[ $rc -eq 0 ] || fail "unpinned verify should still pass (exit $rc)"
for pin in "--pubkey $pub" "--trusted-key $kid" "--trusted-key ${kid,,}"; do
    # shellcheck disable=SC2086
    ds -C "$WORK/v" verify $pin --expect-head "$head" >"$WORK/out" 2>&1
    [ $rc -eq 1 ] || { cat "$WORK/out" >&2; fail "$pin: forged record passes (exit $rc)"; }
    grep -qF "FAIL trusted-keys trusted-keys/$ikid.pub: key $ikid is not pinned" "$WORK/out" ||
        { cat "$WORK/out" >&2; fail "$pin: intruder key not named"; }
    grep -qF "FAIL record-signature manifest.jsonl line 2: signed by key $ikid, which is not among the keys pinned with --pubkey or --trusted-key" "$WORK/out" ||
        { cat "$WORK/out" >&2; fail "$pin: forged record not named"; }
    grep -q "FAIL bundle bundles/.*signature" "$WORK/out" ||
        { cat "$WORK/out" >&2; fail "$pin: forged bundle not named"; }
done
# pinning the intruder too accepts both
ds -C "$WORK/v" verify --trusted-key "$kid" --trusted-key "$ikid" >"$WORK/out" 2>&1
[ $rc -eq 0 ] || { cat "$WORK/out" >&2; fail "both pinned: exit $rc"; }
grep -qx "ok   trusted-keys: 2 keys (pinned): $ikid, $kid\|ok   trusted-keys: 2 keys (pinned): $kid, $ikid" "$WORK/out" ||
    { cat "$WORK/out" >&2; fail "both pinned: key line"; }
# usage errors
ds -C "$WORK/v" verify --trusted-key 1234 >/dev/null 2>"$WORK/err"
[ $rc -eq 2 ] || fail "bad key id: exit $rc"
grep -qF "docseal: verify: --trusted-key 1234: not a key id (16 hex digits)" "$WORK/err" || fail "bad key id message: $(cat "$WORK/err")"
echo "pins passed"
