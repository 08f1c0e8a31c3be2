#!/bin/bash
# Concurrent adds: an add waits for the lock instead of failing, and four
# processes adding at once all get recorded with a valid chain and
# consecutive revision numbers.
set -euo pipefail
: "${DOCSEAL:?path of the docseal binary}" "${DS_SOURCE_DIR:?source directory}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cp "$DS_SOURCE_DIR/fixtures/keys/vault-test.key" "$tmp/test.key"
chmod 600 "$tmp/test.key"
unset SOURCE_DATE_EPOCH DOCSEAL_PASSPHRASE
export DOCSEAL_VAULT=$tmp/vault NO_COLOR=1
fail() { echo "vault_concurrency: $*" >&2; exit 1; }

"$DOCSEAL" -q init --key "$tmp/test.key" "$tmp/vault" >/dev/null

# 1. an add waits while another process holds the lock
printf '# Waiting\n\nIt waits for the lock.\n' >"$tmp/w.txt"
flock "$tmp/vault/.lock" sleep 2 &
locker=$!
sleep 0.3
"$DOCSEAL" -q add "$tmp/w.txt" >"$tmp/w.out" 2>&1 &
adder=$!
sleep 1
kill -0 "$adder" 2>/dev/null || fail "add did not wait for the lock: $(cat "$tmp/w.out")"
[ "$(wc -l <"$tmp/vault/manifest.jsonl")" -eq 0 ] || fail "add wrote while the lock was held"
wait "$locker"
wait "$adder" || fail "the waiting add failed: $(cat "$tmp/w.out")"
grep -q '^w  rev 1  new  ' "$tmp/w.out" || fail "unexpected output: $(cat "$tmp/w.out")"

# 2. four writers, $adds snapshots each (50 by default), at the same time
adds=${VAULT_CONC_ADDS:-50}
writer() {
    local p=$1 i
    for i in $(seq 1 "$adds"); do
        printf '# Document %s\n\nVersion %s of document %s.\n' "$p" "$i" "$p" >"$tmp/doc-$p.txt"
        "$DOCSEAL" -q add --id "doc-$p" "$tmp/doc-$p.txt" >>"$tmp/out-$p" 2>&1 || return 1
    done
}
pids=()
for p in 1 2 3 4; do
    writer "$p" &
    pids+=($!)
done
for pid in "${pids[@]}"; do
    wait "$pid" || fail "a writer failed: $(cat "$tmp"/out-*)"
done

[ "$(wc -l <"$tmp/vault/manifest.jsonl")" -eq $((4 * adds + 1)) ] || fail "expected $((4 * adds + 1)) records"
for p in 1 2 3 4; do
    for i in $(seq 1 "$adds"); do
        grep -q "^doc-$p  rev $i  $( [ "$i" = 1 ] && echo new || echo changed )  " "$tmp/out-$p" ||
            fail "doc-$p: no rev $i in $(cat "$tmp/out-$p")"
    done
    revs=$("$DOCSEAL" log --no-summary "doc-$p" | awk '{print $2}' | tr '\n' ' ')
    [ "$revs" = "$(seq -s ' ' 1 "$adds") " ] || fail "doc-$p revisions: $revs"
done
seqs=$(sed 's/^{"seq":\([0-9]*\),.*/\1/' "$tmp/vault/manifest.jsonl" | tr '\n' ' ')
[ "$seqs" = "$(seq -s ' ' 1 $((4 * adds + 1))) " ] || fail "seq numbers: $seqs"
"$DOCSEAL" verify >"$tmp/verify.out" || fail "verify failed: $(cat "$tmp/verify.out")"
echo "vault_concurrency: ok"
