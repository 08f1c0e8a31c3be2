#!/usr/bin/env bash
# I/O faults: make the Nth write, fsync or rename under the vault fail with
# ENOSPC or EIO (LD_PRELOAD shim), for N = 1, 2, ... until add succeeds; after
# every fault the vault must verify (or need only a repair of a torn tail) and
# keep every earlier snapshot.
. "$(dirname "$0")/lib/common.sh"
: "${DS_FAULTSHIM:?path of the fault shim}"
make_vault "$WORK/base"
head0=$("$DOCSEAL" -C "$WORK/base" log --head)
total=0
for op in write fsync rename; do
    for err in ENOSPC EIO; do
        n=1
        while :; do
            rm -rf "$WORK/v" && cp -a "$WORK/base" "$WORK/v"
            real=$(cd "$WORK/v" && pwd -P)
            set +e
            DS_FAULT_DIR=$real DS_FAULT_OP=$op DS_FAULT_AT=$n DS_FAULT_ERRNO=$err \
                DS_FAULT_COUNT_FILE=$WORK/count ASAN_OPTIONS=verify_asan_link_order=0 \
                LD_PRELOAD=$DS_FAULTSHIM "$DOCSEAL" -C "$WORK/v" add --id fault \
                --time 2026-04-01T00:00:00Z "$FIX/articles/000_b02582cd44c05fde.txt" \
                >"$WORK/add" 2>&1
            arc=$?
            set -e
            calls=$(cat "$WORK/count" 2>/dev/null || echo 0)
            ds -C "$WORK/v" verify >"$WORK/out" 2>&1
            if [ $rc -ne 0 ]; then
                ds -C "$WORK/v" repair >"$WORK/rep" 2>&1
                ds -C "$WORK/v" verify >"$WORK/out" 2>&1
                [ $rc -eq 0 ] || { cat "$WORK/add" "$WORK/out" >&2; fail "$op #$n ($err): vault broken"; }
            fi
            ds -q -C "$WORK/v" verify --expect-head "$head0" >/dev/null 2>&1
            [ $rc -eq 0 ] || fail "$op #$n ($err): earlier snapshots lost"
            if [ $arc -ne 0 ]; then
                grep -q '^docseal: ' "$WORK/add" || { cat "$WORK/add" >&2; fail "$op #$n: no error message"; }
            fi
            total=$((total + 1))
            [ "$n" -gt "$calls" ] && break
            n=$((n + 1))
        done
        echo "$op/$err: faulted each of $calls calls"
    done
done
echo "fault injection: $total runs, vault intact after each"

# A spool that comes back from the disk other than it was written (one byte
# flipped in the first read of it) is caught before anything is sealed.
mkdir -p "$WORK/sd"
"$DOCSEAL" keygen --no-passphrase -o "$WORK/sd.key" >/dev/null
set +e
(cd "$WORK/sd" && DS_FAULT_DIR=$(pwd -P) DS_FAULT_OP=pread-flip DS_FAULT_AT=1 \
    ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0 LD_PRELOAD=$DS_FAULTSHIM "$DOCSEAL" seal -k "$WORK/sd.key" -o b.tar.zst \
    "$FIX/articles/000_b02582cd44c05fde.txt" >"$WORK/sd.out" 2>"$WORK/sd.err")
rc=$?
set -e
[ $rc -eq 2 ] || fail "damaged spool: exit $rc ($(cat "$WORK/sd.err"))"
grep -q 'spool file damaged (checksum mismatch)' "$WORK/sd.err" || fail "damaged spool: $(cat "$WORK/sd.err")"
[ -z "$(ls -A "$WORK/sd")" ] || fail "damaged spool: left $(ls -A "$WORK/sd")"
echo "damaged spool: caught"
