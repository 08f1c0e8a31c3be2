#!/usr/bin/env bash
# Four processes each run 50 `docseal add` of different documents into one
# vault at once: all 200 snapshots recorded, the chain verifies, revision
# numbers are consecutive.
. "$(dirname "$0")/lib.sh"
procs=${DS_CONC_PROCS:-4} per=${DS_CONC_ADDS:-50}
"$DOCSEAL" -C "$WORK/v" init >/dev/null
mkdir -p "$WORK/in"
for p in $(seq 1 "$procs"); do
    (
        for i in $(seq 1 "$per"); do
            f=$WORK/in/p$p-$i.txt
            printf '# Worker %d article\n\nRevision %d of the text of worker %d.\n' "$p" "$i" "$p" >"$f"
            "$DOCSEAL" -C "$WORK/v" add -q --id "worker-$p" "$f" >/dev/null || exit 1
        done
    ) &
done
fails=0
for job in $(jobs -p); do wait "$job" || fails=$((fails + 1)); done
[ $fails -eq 0 ] || fail "$fails workers failed"
lines=$(wc -l <"$WORK/v/manifest.jsonl")
[ "$lines" -eq $((procs * per)) ] || fail "expected $((procs * per)) records, found $lines"
ds -C "$WORK/v" verify -q
[ $rc -eq 0 ] || fail "vault does not verify"
for p in $(seq 1 "$procs"); do
    revs=$("$DOCSEAL" -C "$WORK/v" log --json "worker-$p" | python3 -c '
import json,sys
d=json.load(sys.stdin)
revs=d["revisions"] if isinstance(d,dict) else d
print(" ".join(str(r["revision"]) for r in revs))')
    [ "$revs" = "$(seq -s ' ' 1 "$per")" ] || fail "worker-$p revisions: $revs"
done
echo "concurrency: $((procs * per)) snapshots from $procs processes recorded in order"
