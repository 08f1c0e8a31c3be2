#!/usr/bin/env bash
# repair never destroys a signed snapshot: a complete final record whose
# signature fails (tampered, then its LF removed) is refused, not truncated;
# a genuine final record lacking only its LF gets the LF and keeps its
# bundle; verify does not advise repair when repair would refuse.
. "$(dirname "$0")/lib/common.sh"
a=$FIX/articles/000_b02582cd44c05fde.txt
c=$FIX/articles/002_front_matter.txt
"$DOCSEAL" -C "$WORK/v" init >/dev/null
"$DOCSEAL" -q -C "$WORK/v" add --id doc --time 2026-01-01T12:00:00Z "$a" >/dev/null
"$DOCSEAL" -q -C "$WORK/v" add --id doc --time 2026-01-05T12:00:00Z "$c" >/dev/null
nb=$(ls "$WORK/v/bundles" | wc -l)

# tampered last record, LF removed: refused, nothing changed
cp -a "$WORK/v" "$WORK/t"
sed -i '2s/"time":"2026-01-05T12/"time":"2026-01-05T13/' "$WORK/t/manifest.jsonl"
truncate -s -1 "$WORK/t/manifest.jsonl"
cp "$WORK/t/manifest.jsonl" "$WORK/before"
ds -C "$WORK/t" repair >"$WORK/out" 2>"$WORK/err"
[ $rc -eq 1 ] || { cat "$WORK/out" "$WORK/err" >&2; fail "repair of a tampered tail: exit $rc"; }
grep -qxF "docseal: manifest.jsonl: record 2 is complete but its signature does not verify: that is tampering, not a crash; not repairing (run 'docseal verify')" "$WORK/err" ||
    fail "message: $(cat "$WORK/err")"
cmp -s "$WORK/before" "$WORK/t/manifest.jsonl" || fail "repair changed the manifest"
[ "$(ls "$WORK/t/bundles" | wc -l)" = "$nb" ] || fail "repair deleted a bundle"

# genuine last record without its LF: the LF is appended, the bundle kept
rm -rf "$WORK/t" && cp -a "$WORK/v" "$WORK/t"
truncate -s -1 "$WORK/t/manifest.jsonl"
"$DOCSEAL" -C "$WORK/t" repair >"$WORK/out"
grep -qF "manifest.jsonl: complete the final record" "$WORK/out" || fail "repair: $(cat "$WORK/out")"
cmp -s "$WORK/v/manifest.jsonl" "$WORK/t/manifest.jsonl" || fail "LF not restored"
[ "$(ls "$WORK/t/bundles" | wc -l)" = "$nb" ] || fail "repair deleted a bundle"
ds -C "$WORK/t" verify >/dev/null 2>&1
[ $rc -eq 0 ] || fail "verify after completing the tail: exit $rc"

# a damaged middle record and an orphaned bundle: no advice to run repair
rm -rf "$WORK/t" && cp -a "$WORK/v" "$WORK/t"
"$DOCSEAL" -q -C "$WORK/t" add --id doc --time 2026-01-09T12:00:00Z "$FIX/articles/001_noisy_variant.txt" >/dev/null
sed -i '3d' "$WORK/t/manifest.jsonl"
sed -i '1s/"seq":1,/"seq":1 ,/' "$WORK/t/manifest.jsonl"
ds -C "$WORK/t" verify >"$WORK/out" 2>&1
[ $rc -eq 1 ] || fail "verify: exit $rc"
grep -q "FAIL stray-files .*orphaned bundle" "$WORK/out" || { cat "$WORK/out" >&2; fail "orphan not named"; }
grep "orphaned bundle" "$WORK/out" | grep -q "run 'docseal repair'" && { cat "$WORK/out" >&2; fail "verify advises repair"; }
ds -C "$WORK/t" repair >/dev/null 2>&1
[ $rc -eq 1 ] || fail "repair over a damaged middle record: exit $rc"
# a rollback (the last record cut in the middle, and the one before it
# removed): two bundles without a record, which one crash cannot leave
rm -rf "$WORK/t" && cp -a "$WORK/v" "$WORK/t"
"$DOCSEAL" -q -C "$WORK/t" add --id doc --time 2026-01-09T12:00:00Z "$FIX/articles/001_noisy_variant.txt" >/dev/null
head -c $(( $(head -n 1 "$WORK/v/manifest.jsonl" | wc -c) + 100 )) "$WORK/t/manifest.jsonl" >"$WORK/cut"
cp "$WORK/cut" "$WORK/t/manifest.jsonl"
ds -C "$WORK/t" repair --dry-run >"$WORK/out" 2>&1
[ $rc -eq 0 ] || fail "repair --dry-run of a rollback: exit $rc"
[ "$(grep -c "move orphaned bundle to orphans/: no record references it (2 bundles have no record: more than one crash leaves; were records removed from the manifest? 'docseal verify --expect-head HASH' with a head noted earlier tells)" "$WORK/out")" = 2 ] ||
    fail "rollback not flagged: $(cat "$WORK/out")"
echo "repair tamper passed"
