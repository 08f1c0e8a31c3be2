#!/usr/bin/env bash
# The checked-in man/docseal-formats.5 is what man/build-formats.sh makes
# from the fragments man/formats-*.roff now: editing a fragment without
# regenerating the page fails here. Also: a fragment the script does not
# include is an error (it would silently be left out of the page).
set -euo pipefail
src=${DS_SOURCE_DIR:?}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0

if ! sh "$src/man/build-formats.sh" "$tmp/docseal-formats.5"; then
    echo "FAIL: man/build-formats.sh failed"
    exit 1
fi
if ! diff -u "$src/man/docseal-formats.5" "$tmp/docseal-formats.5" >"$tmp/diff"; then
    head -40 "$tmp/diff"
    echo "FAIL: man/docseal-formats.5 is out of date: run man/build-formats.sh"
    fail=1
fi
# Standard output mode gives the same page.
if ! sh "$src/man/build-formats.sh" - | cmp -s - "$tmp/docseal-formats.5"; then
    echo "FAIL: build-formats.sh - differs from build-formats.sh FILE"
    fail=1
fi

# Every fragment is in the page, and each is included exactly once.
for f in "$src"/man/formats-*.roff; do
    name=$(basename "$f" .roff)
    name=${name#formats-}
    n=$(grep -cE "^(sections=')?${name}[|]" "$src/man/build-formats.sh" || true)
    if [ "$n" != 1 ]; then
        echo "FAIL: $(basename "$f") is listed $n times in man/build-formats.sh (want 1)"
        fail=1
    fi
    title=$(grep -m1 '^\.SH' "$f")
    n=$(grep -cxF -- "$title" "$tmp/docseal-formats.5" || true)
    if [ "$n" != 1 ]; then
        echo "FAIL: section '$title' of $(basename "$f") occurs $n times in the page (want 1)"
        fail=1
    fi
done

# The generator refuses a broken fragment instead of writing a broken page.
mkdir "$tmp/man"
cp "$src"/man/build-formats.sh "$src"/man/formats-*.roff "$tmp/man/"
printf '.TH X 5\n' >>"$tmp/man/formats-keys.roff"
if sh "$tmp/man/build-formats.sh" "$tmp/man/out.5" 2>"$tmp/err"; then
    echo "FAIL: build-formats.sh accepted a fragment with .TH"
    fail=1
elif ! grep -q 'formats-keys.roff: a fragment must not contain .TH' "$tmp/err" ||
    [ -e "$tmp/man/out.5" ]; then
    echo "FAIL: wrong message or output left behind for a fragment with .TH:"
    cat "$tmp/err"
    fail=1
fi
rm "$tmp/man/formats-keys.roff"
if sh "$tmp/man/build-formats.sh" "$tmp/man/out.5" 2>"$tmp/err" ||
    ! grep -q 'formats-keys.roff: missing fragment' "$tmp/err" || [ -e "$tmp/man/out.5" ]; then
    echo "FAIL: a missing fragment must fail with 'missing fragment' and write nothing:"
    cat "$tmp/err"
    fail=1
fi

[ $fail -eq 0 ] && echo "man/docseal-formats.5 is up to date"
exit $fail
