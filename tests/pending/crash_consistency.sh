#!/usr/bin/env bash
# Crash consistency: kill `docseal add` with SIGKILL at random moments; then
# verify either passes or reports only a torn tail that repair fixes, and
# every snapshot completed before is intact (the old head is still there).
. "$(dirname "$0")/lib.sh"
runs=${DS_CRASH_RUNS:-200}
RANDOM=4242
make_vault "$WORK/base"
big=$WORK/big.txt
# a larger input so that the kill lands inside the work, not after it
for i in $(seq 1 40); do cat "$FIX/articles/000_b02582cd44c05fde.txt"; printf '\n\nParagraph %d.\n\n' "$i"; done >"$big"
head0=$("$DOCSEAL" -C "$WORK/base" log --head)
torn=0 clean=0 completed=0
for ((i = 0; i < runs; i++)); do
    rm -rf "$WORK/v" && cp -a "$WORK/base" "$WORK/v"
    printf '\n\nRun %d.\n' "$i" >>"$big"
    "$DOCSEAL" -C "$WORK/v" add --time 2026-03-01T00:00:00Z --id crash "$big" >/dev/null 2>&1 &
    pid=$!
    sleep "0.0$((RANDOM % 60))"
    kill -KILL $pid 2>/dev/null || true
    wait $pid 2>/dev/null || true
    ds -C "$WORK/v" verify >"$WORK/out" 2>&1
    if [ $rc -eq 1 ]; then
        torn=$((torn + 1))
        ds -C "$WORK/v" repair >"$WORK/rep" 2>&1
        [ $rc -eq 0 ] || { cat "$WORK/out" "$WORK/rep" >&2; fail "run $i: repair failed (exit $rc)"; }
        ds -C "$WORK/v" verify >"$WORK/out" 2>&1
        [ $rc -eq 0 ] || { cat "$WORK/out" >&2; fail "run $i: vault does not verify after repair"; }
    elif [ $rc -eq 0 ]; then
        clean=$((clean + 1))
    else
        cat "$WORK/out" >&2
        fail "run $i: verify exit $rc after a crash"
    fi
    ds -C "$WORK/v" verify -q --expect-head "$head0" >"$WORK/out" 2>&1
    [ $rc -eq 0 ] || { cat "$WORK/out" >&2; fail "run $i: earlier snapshots lost"; }
    [ "$("$DOCSEAL" -C "$WORK/v" log --head)" != "$head0" ] && completed=$((completed + 1))
done
echo "crash runs: $runs (needed repair: $torn, clean: $clean, add completed: $completed)"
