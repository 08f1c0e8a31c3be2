#!/usr/bin/env bash
# install_example.sh - `cmake --install` the build tree into a temporary
# prefix; check the installed tree (binary, shared library with its SONAME,
# static library, headers, pkg-config file, CMake package, man pages, bash
# completion); build examples/archive_verify.c against that prefix with
# pkg-config and with CMake find_package(docseal), and run the programs on the
# corpus article, checking exact output.
#
# Env: DOCSEAL = the built docseal (its directory is the build tree),
#      DS_SOURCE_DIR = the source tree.
set -euo pipefail
docseal=${DOCSEAL:?}
src=${DS_SOURCE_DIR:?}
build=$(cd "$(dirname "$docseal")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
prefix=$tmp/prefix
article=$src/fixtures/articles/000_b02582cd44c05fde.txt
fail=0

bad() {
    echo "FAIL: $*"
    fail=1
}

same_file() { # installed source what
    if [ ! -f "$1" ]; then
        bad "$3: $1 not installed"
    elif ! cmp -s "$1" "$2"; then
        bad "$3: $1 differs from $2"
    fi
}

if [ ! -f "$build/CMakeCache.txt" ]; then
    echo "FAIL: $build (the directory of DOCSEAL=$docseal) is not a CMake build tree"
    exit 1
fi

# Build the example with the build tree's compiler, and in a sanitizer build
# with the sanitizers too (an instrumented libdocseal needs their runtime
# linked into the program, first).
cc=$(sed -n 's/^CMAKE_C_COMPILER:[A-Z]*=//p' "$build/CMakeCache.txt")
cc=${cc:-${CC:-cc}}
san=
if grep -Eq '^DS_(SANITIZE|BUILD_FUZZ):BOOL=(ON|TRUE|1)$' "$build/CMakeCache.txt"; then
    san="-fsanitize=address,undefined"
fi

version=$("$docseal" --version | sed -n 's/^docseal \([0-9][0-9.]*\) .*/\1/p')
[ -n "$version" ] || {
    echo "FAIL: cannot read the version from '$docseal --version'"
    exit 1
}

# --- install ---------------------------------------------------------------
if ! cmake --install "$build" --prefix "$prefix" >"$tmp/install.log" 2>&1; then
    cat "$tmp/install.log"
    echo "FAIL: cmake --install $build --prefix $prefix"
    exit 1
fi
# Nothing lands outside the prefix.
if grep -E '^-- (Installing|Up-to-date): ' "$tmp/install.log" | grep -v -- " $prefix/"; then
    bad "files installed outside the prefix (above)"
fi

pc=$(find "$prefix" -name docseal.pc -path '*/pkgconfig/*' | head -1)
if [ -z "$pc" ]; then
    echo "FAIL: no pkgconfig/docseal.pc under $prefix"
    exit 1
fi
libdir=$(dirname "$(dirname "$pc")")
case ${libdir#"$prefix"/} in
lib | lib64 | lib/*-linux-gnu) ;;
*) bad "unexpected library directory $libdir" ;;
esac

# --- the installed files ---------------------------------------------------
[ -x "$prefix/bin/docseal" ] || bad "bin/docseal not installed"
out=$("$prefix/bin/docseal" --version 2>&1) || bad "installed docseal --version failed: $out"
[ "$out" = "$("$docseal" --version)" ] || bad "installed docseal --version says '$out'"
out=$("$prefix/bin/docseal" hash "$article" 2>&1) || bad "installed docseal hash failed: $out"
[ "$out" = "759dda5193f1d2033fc2cedf2864eec21b127f3fdb9d2b556357c759cd2a9fe0  $article" ] ||
    bad "installed docseal hash printed '$out'"

so=$libdir/libdocseal.so.0
if [ ! -L "$so" ]; then
    bad "$so is not a symbolic link"
else
    real=$(readlink -f "$so")
    [ "$(basename "$real")" = "libdocseal.so.$version" ] ||
        bad "$so points to $(basename "$real"), want libdocseal.so.$version"
    soname=$(readelf -d "$real" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
    [ "$soname" = libdocseal.so.0 ] || bad "SONAME of $real is '$soname', want libdocseal.so.0"
    [ "$(readlink -f "$libdir/libdocseal.so")" = "$real" ] ||
        bad "libdocseal.so does not lead to $real"
    nm -D --defined-only "$real" >"$tmp/nm" 2>&1 || true
    grep -q ' T ds_vault_add$' "$tmp/nm" || bad "$real does not export ds_vault_add"
fi
if [ ! -f "$libdir/libdocseal.a" ]; then
    bad "libdocseal.a not installed"
else
    nm --defined-only "$libdir/libdocseal.a" >"$tmp/nm" 2>/dev/null || true
    grep -q ' T ds_vault_add$' "$tmp/nm" || bad "libdocseal.a does not define ds_vault_add"
fi

want=$(ls "$src/include/docseal")
got=$(ls "$prefix/include/docseal" 2>/dev/null || true)
[ "$want" = "$got" ] || bad "include/docseal holds '$got', want '$want'"
for h in "$src"/include/docseal/*.h; do
    same_file "$prefix/include/docseal/$(basename "$h")" "$h" header
done

cmakedir=$libdir/cmake/docseal
for f in docsealConfig.cmake docsealConfigVersion.cmake docsealTargets.cmake; do
    [ -f "$cmakedir/$f" ] || bad "$cmakedir/$f not installed"
done

mandir=$prefix/share/man
same_file "$mandir/man1/docseal.1" "$src/man/docseal.1" "man page"
same_file "$mandir/man5/docseal-formats.5" "$src/man/docseal-formats.5" "man page"
# The per-command pages: all or none (none until the install rules list them).
installed=0
total=0
for f in "$src"/man/docseal-*.1; do
    total=$((total + 1))
    [ -f "$mandir/man1/$(basename "$f")" ] && installed=$((installed + 1))
done
if [ "$installed" -eq 0 ]; then
    echo "note: the $total per-command man pages docseal-*.1 are not installed"
else
    for f in "$src"/man/docseal-*.1; do
        same_file "$mandir/man1/$(basename "$f")" "$f" "man page"
    done
fi
# They render from the installed tree (man -l reads the file itself).
if command -v man >/dev/null; then
    man -l "$mandir/man1/docseal.1" >"$tmp/man.txt" 2>&1 || true
    grep -q 'docseal \[-C VAULT\]' "$tmp/man.txt" ||
        bad "man -l $mandir/man1/docseal.1 does not render the synopsis"
fi

comp=$prefix/share/bash-completion/completions/docseal
same_file "$comp" "$src/completions/docseal.bash" "bash completion"
if [ -f "$comp" ]; then
    # Complete "docseal ad" and "docseal verify --exp" with the installed tool.
    out=$(PATH=$prefix/bin:$PATH bash -c '
        source "$1"
        COMP_WORDS=(docseal ad); COMP_CWORD=1; _docseal; echo "${COMPREPLY[*]}"
        COMP_WORDS=(docseal verify --exp); COMP_CWORD=2; _docseal; echo "${COMPREPLY[*]}"
    ' _ "$comp" 2>&1) || true
    [ "$out" = $'add\n--expect-head' ] || bad "bash completion gave '$out'"
fi

# --- the example, built with pkg-config -----------------------------------
export PKG_CONFIG_PATH=$libdir/pkgconfig
[ "$(pkg-config --modversion docseal)" = "$version" ] ||
    bad "pkg-config --modversion docseal is not $version"
incdir=$(pkg-config --variable=includedir docseal)
if [ ! -f "$incdir/docseal/docseal.h" ]; then
    bad "docseal.pc is not relocatable: installed under $prefix, its includedir is '$incdir'" \
        "(cmake --install --prefix moves the tree; docseal.pc must derive prefix from" \
        "\${pcfiledir} instead of the configured CMAKE_INSTALL_PREFIX)"
fi
flags=$(pkg-config --cflags --libs docseal)
# shellcheck disable=SC2086 # flags are words
if ! "$cc" -std=c11 -Wall -Wextra -Wpedantic -Werror $san -o "$tmp/av-pc" \
    "$src/examples/archive_verify.c" $flags >"$tmp/cc.log" 2>&1; then
    cat "$tmp/cc.log"
    bad "cannot build examples/archive_verify.c with pkg-config ($flags)"
fi

# --- the example, built with CMake find_package(docseal) -------------------
if ! (unset PKG_CONFIG_PATH && cmake -S "$src/examples" -B "$tmp/ex" \
    -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_C_COMPILER="$cc" \
    -DCMAKE_C_FLAGS="-Wall -Wextra -Wpedantic -Werror $san" \
    -DCMAKE_EXE_LINKER_FLAGS="$san" -DCMAKE_BUILD_TYPE=Release &&
    cmake --build "$tmp/ex" -j2) >"$tmp/cmake.log" 2>&1; then
    cat "$tmp/cmake.log"
    bad "cannot build examples/ with CMake find_package(docseal)"
else
    dir=$(sed -n 's/^docseal_DIR:PATH=//p' "$tmp/ex/CMakeCache.txt")
    [ "$(cd "$dir" && pwd -P)" = "$(cd "$cmakedir" && pwd -P)" ] ||
        bad "find_package(docseal) used $dir, not $cmakedir"
fi

# --- run them ---------------------------------------------------------------
expect="libdocseal $version
snapshot 1 at 2018-01-11T12:00:00Z
document 000_b02582cd44c05fde rev 1 new
  content sha256 759dda5193f1d2033fc2cedf2864eec21b127f3fdb9d2b556357c759cd2a9fe0
  original sha256 7afc3aacc5c554160f031ffafd863c3b84f7c97190f29b5f5c13c302a0b561a5
read back 3677 bytes of normalized text
ok   expect-head
verification passed"
mkdir "$tmp/scratch"
ran=0
for prog in "$tmp/av-pc" "$tmp/ex/archive_verify" "$tmp/ex/archive_verify_static"; do
    [ -x "$prog" ] || continue
    ran=$((ran + 1))
    name=$(basename "$prog")
    # Which libdocseal it loads: the installed one, or none when static.
    lib=$(LD_LIBRARY_PATH=$libdir ldd "$prog" | sed -n 's/.*libdocseal\.so\.0 => \([^ ]*\).*/\1/p')
    if [ "$name" = archive_verify_static ]; then
        [ -z "$lib" ] || bad "$name loads $lib"
    elif [ "$(readlink -f "$lib")" != "$(readlink -f "$so")" ]; then
        bad "$name loads libdocseal.so.0 from '$lib', not $libdir"
    fi
    rc=0
    SOURCE_DATE_EPOCH=1515672000 TMPDIR=$tmp/scratch LD_LIBRARY_PATH=$libdir \
        "$prog" "$article" >"$tmp/out" 2>"$tmp/err" || rc=$?
    got=$(sed -n -E -e 's/^(ok   expect-head) .*/\1/p' \
        -e '/^(libdocseal|snapshot|document|  (content|original) sha256|read back|verification)/p' \
        "$tmp/out")
    if [ $rc -ne 0 ] || [ -s "$tmp/err" ] || [ "$got" != "$expect" ]; then
        cat "$tmp/out" "$tmp/err"
        bad "$name $article: exit $rc, output above"
    fi
    grep -Eq '^head [0-9a-f]{64}$' "$tmp/out" || bad "$name: no head line"
    grep -Eq '^ok   expect-head [0-9a-f]{64}: ' "$tmp/out" || bad "$name: no expect-head check"
    [ "$(grep -c '^FAIL' "$tmp/out")" = 0 ] || bad "$name: a check failed"
    # A missing input: exit 2, one message naming it, nothing left behind.
    rc=0
    TMPDIR=$tmp/scratch LD_LIBRARY_PATH=$libdir "$prog" "$tmp/missing.txt" \
        >"$tmp/out" 2>"$tmp/err" || rc=$?
    [ $rc -eq 2 ] || bad "$name missing.txt: exit $rc, want 2"
    [ "$(cat "$tmp/err")" = \
        "archive_verify: add: $tmp/missing.txt: No such file or directory (DS_ENOTFOUND)" ] ||
        bad "$name missing.txt: stderr '$(cat "$tmp/err")'"
    [ -z "$(ls -A "$tmp/scratch")" ] || bad "$name left $(ls -A "$tmp/scratch") in TMPDIR"
done
[ $ran -eq 3 ] || bad "only $ran of 3 example programs were built"

[ $fail -eq 0 ] && echo "installed tree complete; example built with pkg-config and CMake and ran"
exit $fail
