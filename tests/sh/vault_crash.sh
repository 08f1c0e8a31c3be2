#!/bin/bash
# Crash smoke test: SIGKILL `docseal add` at random moments. Afterwards verify
# passes or names only crash artefacts (a torn final record, an orphaned
# bundle, a temporary file), `docseal repair` removes them, verify then
# passes, and no record that existed before the crash is lost or changed.
# (The long version, with write faults, belongs to the hardening tests.)
set -euo pipefail
: "${DOCSEAL:?path of the docseal binary}" "${DS_SOURCE_DIR:?source directory}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cp "$DS_SOURCE_DIR/fixtures/keys/vault-test.key" "$tmp/test.key"
chmod 600 "$tmp/test.key"
unset SOURCE_DATE_EPOCH DOCSEAL_PASSPHRASE
export DOCSEAL_VAULT=$tmp/vault NO_COLOR=1
fail() { echo "vault_crash: $*" >&2; exit 1; }
rounds=${VAULT_CRASH_ROUNDS:-200}

"$DOCSEAL" -q init --key "$tmp/test.key" "$tmp/vault" >/dev/null
# a few largish inputs so that an add takes long enough to be interrupted
for i in $(seq 10 39); do
    cp "$DS_SOURCE_DIR/fixtures/articles/000_b02582cd44c05fde.txt" "$tmp/a$i.txt"
done
RANDOM=7
for r in $(seq 1 "$rounds"); do
    for i in $(seq 10 39); do printf '\n\nRound %s, paragraph %s.\n' "$r" "$i" >>"$tmp/a$i.txt"; done
    cp "$tmp/vault/manifest.jsonl" "$tmp/before"
    "$DOCSEAL" -q add "$tmp"/a??.txt >/dev/null 2>&1 &
    pid=$!
    sleep "$(printf '0.%03d' $((RANDOM % 40)))"
    kill -9 "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    set +e
    "$DOCSEAL" verify >"$tmp/v.out" 2>&1
    rc=$?
    set -e
    if [ "$rc" -ne 0 ]; then
        [ "$rc" -eq 1 ] || fail "round $r: verify exit $rc: $(cat "$tmp/v.out")"
        if grep '^FAIL' "$tmp/v.out" | grep -v -e '^FAIL torn-tail ' \
            -e '^FAIL stray-files .*orphaned bundle' -e '^FAIL stray-files .*temporary file'; then
            fail "round $r: not a crash artefact: $(cat "$tmp/v.out")"
        fi
        "$DOCSEAL" repair >"$tmp/r.out" 2>&1 || fail "round $r: repair failed: $(cat "$tmp/r.out")"
        "$DOCSEAL" verify >"$tmp/v.out" 2>&1 || fail "round $r: verify after repair: $(cat "$tmp/v.out")"
    fi
    # every record from before the crash is still there, byte for byte
    cmp -n "$(stat -c %s "$tmp/before")" "$tmp/before" "$tmp/vault/manifest.jsonl" >/dev/null ||
        fail "round $r: earlier records changed"
done
echo "vault_crash: ok ($rounds rounds, $(wc -l <"$tmp/vault/manifest.jsonl") snapshots completed)"
