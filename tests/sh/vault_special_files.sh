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
# symbolic links planted as the vault's own directories: nothing is written
# through them; verify names index/, repair replaces the link (never its
# target) or refuses (orphans/, bundles/)
rm -rf "$WORK/t" "$WORK/victim" && cp -a "$WORK/v" "$WORK/t" && mkdir "$WORK/victim"
rm -rf "$WORK/t/index" && ln -s "$WORK/victim" "$WORK/t/index"
t -C "$WORK/t" log doc
[ $rc -eq 0 ] || fail "index link: log exit $rc"
[ -z "$(ls "$WORK/victim")" ] || fail "index link: log wrote $(ls "$WORK/victim")"
t -C "$WORK/t" verify
[ $rc -eq 1 ] || fail "index link: verify exit $rc"
grep -qxF "FAIL index index/: index/: is a symbolic link; docseal does not write through it: the derived index is stale or was altered; run 'docseal repair' (or delete index/)" "$WORK/out" ||
    fail "index link: verify says $(cat "$WORK/out")"
t -C "$WORK/t" repair
[ $rc -eq 0 ] || fail "index link: repair exit $rc: $(cat "$WORK/err")"
[ -d "$WORK/t/index" ] && [ ! -L "$WORK/t/index" ] || fail "index link: still a link after repair"
[ -d "$WORK/victim" ] && [ -z "$(ls "$WORK/victim")" ] || fail "index link: repair touched the target"
t -C "$WORK/t" verify
[ $rc -eq 0 ] || fail "index link: verify after repair exit $rc: $(cat "$WORK/out")"
touch "$WORK/t/bundles/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.tar.zst"
ln -s "$WORK/victim" "$WORK/t/orphans"
t -C "$WORK/t" repair
[ $rc -eq 2 ] || fail "orphans link: repair exit $rc"
grep -qxF "docseal: orphans/: is a symbolic link; docseal does not write through it" "$WORK/err" ||
    fail "orphans link: repair says $(cat "$WORK/err")"
[ -z "$(ls "$WORK/victim")" ] || fail "orphans link: repair moved $(ls "$WORK/victim")"
rm -rf "$WORK/t" && cp -a "$WORK/v" "$WORK/t"
mv "$WORK/t/bundles" "$WORK/victim/b" && ln -s "$WORK/victim/b" "$WORK/t/bundles"
t -C "$WORK/t" add --id other --time 2026-01-02T12:00:00Z "$a"
[ $rc -eq 2 ] || fail "bundles link: add exit $rc"
grep -qxF "docseal: bundles/: is a symbolic link; docseal does not write through it" "$WORK/err" ||
    fail "bundles link: add says $(cat "$WORK/err")"
echo "special files passed"
