#!/usr/bin/env bash
# A large bundle is written as three zstd frames (head, documents and
# originals, end of archive; the second made while the head is), a small one
# as one: either way the same tar stream, which these digests were taken of
# from the one-frame writer of earlier versions. Faults in the spools are
# caught, and nothing is left behind. (Whether the second frame's spool holds
# anything when the head is done depends on timing: test_bundle.c holds the
# head back to test that spool.)
. "$(dirname "$0")/lib/common.sh"
mkdir -p "$WORK/sd"
cd "$WORK/sd"
# about 4.6 MB of text: with its original, over the 8 MiB from which the
# writer splits
awk 'BEGIN { print "# A long report\n"; for (i = 1; i <= 45000; i++)
    printf "Paragraph %d of the report: the ministry counted %d cases in %d districts, up %d.%d%% on the year.\n\n",
        i, i * 37 % 100003, i % 97 + 1, i % 13, i % 10 }' >big.txt
printf '# A short note\n\nThe council met on Tuesday and voted 7 to 2.\n' >small.txt
# (git checks the key out world-readable; docseal refuses such a key)
cp "$FIX/keys/vault-test.key" "$WORK/test.key"
cp "$FIX/keys/vault-test.key.pub" "$WORK/test.key.pub"
chmod 600 "$WORK/test.key"
key=$WORK/test.key
frames() { zstd -lv "$1" 2>/dev/null | sed -n 's/^# Zstandard Frames: //p'; }
tar_digest() { zstd -dc "$1" | sha256sum | cut -d' ' -f1; }

ds seal -k "$key" -o "$WORK/big.tar.zst" --time 2026-01-01T00:00:00Z big.txt small.txt >/dev/null
[ $rc -eq 0 ] || fail "seal big: exit $rc"
[ "$(frames "$WORK/big.tar.zst")" = 3 ] || fail "big bundle: $(frames "$WORK/big.tar.zst") frames, expected 3"
[ "$(tar_digest "$WORK/big.tar.zst")" = e7774a4f9d3829a3e57c1a73ea81de1110f56cfc563788aac70ee4cdf6706cac ] ||
    fail "big bundle: tar stream $(tar_digest "$WORK/big.tar.zst")"
[ "$(zstd -dc "$WORK/big.tar.zst" | tar -tf - | head -n 3 | tr '\n' ' ')" = "MANIFEST MANIFEST.minisig snapshot.json " ] ||
    fail "big bundle: head entries"
ds verify --pubkey "$key.pub" "$WORK/big.tar.zst" >/dev/null
[ $rc -eq 0 ] || fail "verify big: exit $rc"

ds seal -k "$key" -o "$WORK/small.tar.zst" --time 2026-01-01T00:00:00Z small.txt >/dev/null
[ "$(frames "$WORK/small.tar.zst")" = 1 ] || fail "small bundle: $(frames "$WORK/small.tar.zst") frames"
# byte for byte what earlier versions wrote
[ "$(sha256sum <"$WORK/small.tar.zst" | cut -d' ' -f1)" = f36b8a640960c7981d575eafbdeb856777475fe8b61e4d0e64c2bc232583a16b ] ||
    fail "small bundle: file $(sha256sum <"$WORK/small.tar.zst")"
echo "frames: 3 and 1, tar streams as before"

# faults under the working directory (spools, the body's spool, the output)
: "${DS_FAULTSHIM:?path of the fault shim}"
# faulted OP N FILE...: seal FILEs into b.tar.zst with the Nth OP call on a
# file under the working directory faulted; sets rc, and calls to the number
# of such calls made
faulted() {
    local op=$1 n=$2
    shift 2
    set +e
    DS_FAULT_DIR=$(pwd -P) DS_FAULT_OP=$op DS_FAULT_AT=$n DS_FAULT_COUNT_FILE=$WORK/count \
        ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0 LD_PRELOAD=$DS_FAULTSHIM \
        "$DOCSEAL" seal -k "$key" -o b.tar.zst --time 2026-01-01T00:00:00Z "$@" \
        >"$WORK/out" 2>"$WORK/err"
    rc=$?
    set -e
    calls=$(cat "$WORK/count")
}
for op in pread-flip write; do
    n=1
    while :; do
        faulted $op $n big.txt small.txt
        [ "$n" -le "$calls" ] || { [ $rc -eq 0 ] || fail "$op: no fault, exit $rc"; break; }
        [ $rc -eq 2 ] || fail "$op #$n: exit $rc ($(cat "$WORK/err"))"
        case $op in
        pread-flip) grep 'damaged (checksum mismatch)$' "$WORK/err" >/dev/null ||
            fail "$op #$n: $(cat "$WORK/err")" ;;
        write) grep '^docseal: .*: No space left on device$' "$WORK/err" >/dev/null ||
            fail "$op #$n: $(cat "$WORK/err")" ;;
        esac
        [ "$(ls -A | tr '\n' ' ')" = "big.txt small.txt " ] || fail "$op #$n: left $(ls -A)"
        n=$((n + 1))
    done
    [ "$(tar_digest b.tar.zst)" = "$(tar_digest "$WORK/big.tar.zst")" ] || fail "$op: the bundle after the faults"
    rm b.tar.zst
    echo "$op: $((n - 1)) faults caught"
done
