#!/bin/sh
# Normalization throughput and peak memory (norm-1).
#
# usage: bench/bench-normalize.sh [BUILD-DIR] [SECONDS]
#   BUILD-DIR  a CMake build directory holding libdocseal.a (default: build)
#   SECONDS    time per case (default: 2)
#
# Compiles bench/normalize.c against BUILD-DIR/libdocseal.a and runs each
# case in its own process under /usr/bin/time -v: MB/s from the program,
# "Maximum resident set size" from time(1).
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$here/build}
secs=${2:-2}
seed=$here/fixtures/articles/000_b02582cd44c05fde.txt
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

cc -O2 -std=c11 -D_POSIX_C_SOURCE=200809L -I"$here/include" -o "$out/normalize-bench" \
    "$here/bench/normalize.c" "$build/libdocseal.a" \
    $(pkg-config --libs libarchive libzstd openssl libutf8proc jansson libxml-2.0 libxxhash) -lpthread

for mode in article article-nfd file buffer; do
    /usr/bin/time -v "$out/normalize-bench" "$mode" "$seed" "$secs" 2>"$out/time" |
        sed 's/, peak RSS.*//'
    printf '             max RSS (time -v): %s KiB\n' \
        "$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$out/time")"
done
