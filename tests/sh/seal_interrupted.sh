#!/usr/bin/env bash
# A seal or add interrupted while it writes its bundle (SIGINT, SIGTERM,
# SIGKILL) leaves no file behind where the filesystem offers O_TMPFILE: the
# bundle has no name until it is complete. Elsewhere a PATH.tmp.XXXXXX may
# stay (documented); the test then only checks that no partial bundle is
# left under the final name.
. "$(dirname "$0")/lib/common.sh"
"$DOCSEAL" keygen --no-passphrase -o "$WORK/k.key" >/dev/null
mkdir "$WORK/in" "$WORK/out"
# 8 MB of incompressible text: level 19 on one thread takes several seconds
head -c 6000000 /dev/urandom | base64 >"$WORK/in/big.txt"
tmpfile_ok=$(python3 -c 'import os, sys
try:
    os.close(os.open(sys.argv[1], os.O_TMPFILE | os.O_WRONLY)); print(1)
except OSError:
    print(0)' "$WORK/out")

# wait (up to 60 s) until PID holds an unnamed or temporary file in DIR open
wait_writing() {
    local pid=$1 dir=$2 i
    for ((i = 0; i < 600; i++)); do
        if ls -l "/proc/$pid/fd" 2>/dev/null | grep -q -e "$dir/#[0-9]* (deleted)" -e "$dir/.*\.tmp\."; then
            return 0
        fi
        kill -0 "$pid" 2>/dev/null || return 1
        sleep 0.1
    done
    return 1
}

for sig in INT TERM KILL; do
    rm -rf "${WORK:?}/out/"*
    # (a background job ignores SIGINT unless told otherwise)
    env --default-signal=INT "$DOCSEAL" seal -k "$WORK/k.key" --level 19 --threads 1 -o "$WORK/out/b.tar.zst" \
        "$WORK/in/big.txt" >/dev/null 2>&1 &
    pid=$!
    wait_writing "$pid" "$WORK/out" || fail "seal ($sig): never started writing its bundle"
    kill -s "$sig" "$pid"
    wait "$pid" 2>/dev/null && fail "seal ($sig) finished before the signal"
    [ ! -e "$WORK/out/b.tar.zst" ] || fail "seal ($sig): a partial bundle under the final name"
    if [ "$tmpfile_ok" = 1 ]; then
        left=$(ls -A "$WORK/out")
        [ -z "$left" ] || fail "seal ($sig) left: $left"
    fi
done
echo "seal interrupted by SIGINT, SIGTERM and SIGKILL while writing: nothing left (O_TMPFILE: $tmpfile_ok)"

# add: the vault verifies afterwards without repair
"$DOCSEAL" -C "$WORK/v" init --key "$WORK/k.key" --level 19 >/dev/null
"$DOCSEAL" -C "$WORK/v" add --threads 1 "$WORK/in/big.txt" >/dev/null 2>&1 &
pid=$!
wait_writing "$pid" "$WORK/v/bundles" || fail "add: never started writing its bundle"
kill -s TERM "$pid"
wait "$pid" 2>/dev/null && fail "add finished before the signal"
if [ "$tmpfile_ok" = 1 ]; then
    ds -C "$WORK/v" verify >"$WORK/verify.out" 2>&1
    [ $rc -eq 0 ] || { cat "$WORK/verify.out" >&2; fail "vault after an interrupted add: exit $rc"; }
fi
echo "add interrupted while writing: the vault verifies as it was"
