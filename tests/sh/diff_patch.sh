#!/usr/bin/env bash
# docseal diff --format unified is applied by the real patch(1): for the seed
# article against every revision (normalized fixtures, several context sizes,
# and the raw Markdown revisions through the normalizer), and for texts
# without a final newline or empty. Also: the man page documents every
# option of the command.
set -euo pipefail
ds=${DOCSEAL:?}
src=${DS_SOURCE_DIR:?}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
command -v patch >/dev/null || { echo "patch(1) is needed"; exit 1; }

check() { # A B [diff options...]: patch A with diff(A, B) and compare with B
    local a=$1 b=$2
    shift 2
    local st=0
    "$ds" diff --no-normalize --format unified "$@" "$a" "$b" >"$tmp/p.diff" || st=$?
    if [ $st -gt 1 ]; then
        echo "FAIL: docseal diff $* $a $b exited $st"
        fail=1
        return
    fi
    cp "$a" "$tmp/a"
    if [ -s "$tmp/p.diff" ] && ! patch -s -f "$tmp/a" "$tmp/p.diff" >/dev/null 2>&1; then
        echo "FAIL: patch rejected the diff of $a $b $*"
        fail=1
        return
    fi
    if ! cmp -s "$tmp/a" "$b"; then
        echo "FAIL: patched $a differs from $b ($*)"
        fail=1
    fi
}

n=0
for rev in "$src"/fixtures/diff/*.txt; do
    for ctx in 3 0 1 7; do
        check "$src/fixtures/diff/seed.txt" "$rev" -U "$ctx"
        check "$rev" "$src/fixtures/diff/seed.txt" -U "$ctx"
        n=$((n + 2))
    done
done

# edge cases: no final newline, empty texts, blank lines, CRLF
printf 'one\ntwo\nthree' >"$tmp/x1"
printf 'one\nTWO\nthree\n' >"$tmp/x2"
printf '' >"$tmp/x3"
printf '\n\n\nlast line' >"$tmp/x4"
printf 'a\r\nb\r\n' >"$tmp/x5"
printf 'a\r\nB\r\n\r\n' >"$tmp/x6"
for x in 1 2 3 4 5 6; do
    for y in 1 2 3 4 5 6; do
        cp "$tmp/x$x" "$tmp/ea"
        cp "$tmp/x$y" "$tmp/eb"
        check "$tmp/ea" "$tmp/eb"
        n=$((n + 1))
    done
done

# the raw revisions: normalize A, apply the diff of the raw files
"$ds" normalize "$src/fixtures/articles/000_b02582cd44c05fde.txt" >"$tmp/seed.norm"
for rev in "$src"/fixtures/revisions/rev-*.txt; do
    "$ds" normalize "$rev" >"$tmp/rev.norm"
    st=0
    "$ds" diff --format unified "$src/fixtures/articles/000_b02582cd44c05fde.txt" "$rev" \
        >"$tmp/raw.diff" || st=$?
    [ $st -le 1 ] || { echo "FAIL: docseal diff on $rev exited $st"; fail=1; continue; }
    cp "$tmp/seed.norm" "$tmp/a"
    if [ -s "$tmp/raw.diff" ] && ! patch -s -f "$tmp/a" "$tmp/raw.diff" >/dev/null 2>&1; then
        echo "FAIL: patch rejected the diff of the raw $rev"
        fail=1
    elif ! cmp -s "$tmp/a" "$tmp/rev.norm"; then
        echo "FAIL: patched normalized seed differs from normalized $rev"
        fail=1
    fi
    n=$((n + 1))
done

# every option of the command is in its man page
for opt in $("$ds" diff --help | grep -o -- '--[a-z][a-z-]*' | sort -u); do
    if ! grep -q -- "$(printf '%s' "$opt" | sed 's/-/\\\\-/g')" "$src/man/docseal-diff.1"; then
        echo "FAIL: $opt is not documented in man/docseal-diff.1"
        fail=1
    fi
done

[ $fail -eq 0 ] && echo "patch applied $n unified diffs exactly; man page lists every option"
exit $fail
