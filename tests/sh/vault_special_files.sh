#!/usr/bin/env bash
# A bundle or the manifest replaced by a FIFO or a symbolic link to
# /dev/zero: verify, show and log end promptly (never hang) and say "not a
# regular file"; a missing bundle is named once.
. "$(dirname "$0")/lib/common.sh"
a=$FIX/articles/000_b02582cd44c05fde.txt
"$DOCSEAL" -C "$WORK/v" init >/dev/null
"$DOCSEAL" -q -C "$WORK/v" add --id doc --time 2026-01-01T12:00:00Z "$a" >/dev/null
b=$(ls "$WORK/v/bundles")
t() { set +e; timeout 20 "$DOCSEAL" "$@" >"$WORK/out" 2>"$WORK/err"; rc=$?; set -e; [ $rc -ne 124 ] || fail "hangs: docseal $*"; }
for kind in fifo zero; do
    rm -rf "$WORK/t" && cp -a "$WORK/v" "$WORK/t"
    rm "$WORK/t/bundles/$b"
    if [ $kind = fifo ]; then mkfifo "$WORK/t/bundles/$b"; else ln -s /dev/zero "$WORK/t/bundles/$b"; fi
    t -C "$WORK/t" verify
    [ $rc -eq 1 ] || fail "$kind bundle: verify exit $rc"
    grep -qF "FAIL bundle-present bundles/$b: not a regular file" "$WORK/out" || fail "$kind bundle: $(cat "$WORK/out")"
    t -C "$WORK/t" show doc
    [ $rc -eq 2 ] || fail "$kind bundle: show exit $rc"
    grep -qF "docseal: bundles/$b: not a regular file" "$WORK/err" || fail "$kind bundle: show says $(cat "$WORK/err")"
    rm -rf "$WORK/t" && cp -a "$WORK/v" "$WORK/t"
    rm "$WORK/t/manifest.jsonl" "$WORK/t/index/docs"
    if [ $kind = fifo ]; then mkfifo "$WORK/t/manifest.jsonl"; else ln -s /dev/zero "$WORK/t/manifest.jsonl"; fi
    for cmd in verify "log doc" "show doc" log; do
        # shellcheck disable=SC2086
        t -C "$WORK/t" $cmd
        [ $rc -eq 2 ] || fail "$kind manifest: $cmd exit $rc"
        grep -qF "manifest.jsonl: not a regular file" "$WORK/err" || fail "$kind manifest: $cmd says $(cat "$WORK/err")"
    done
done
# a missing bundle: the path once
rm -rf "$WORK/t" && cp -a "$WORK/v" "$WORK/t"
rm "$WORK/t/bundles/$b"
t -C "$WORK/t" show doc
[ $rc -eq 2 ] || fail "missing bundle: show exit $rc"
grep -qxF "docseal: bundles/$b: No such file or directory" "$WORK/err" || fail "missing bundle: $(cat "$WORK/err")"
echo "special files passed"
