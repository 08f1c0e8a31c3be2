#!/usr/bin/env bash
# fuzz/seed-corpora.sh - fill the git-ignored working corpora fuzz/corpus-TARGET/
# from fixtures/ (and, when present, the shared corpus next to the checkout).
# Inputs get the option byte their harness expects in front. Safe to re-run:
# files are named by content. The small checked-in seeds in fuzz/seeds/ are
# used by run.sh and smoke.sh directly and need no copying.
#
#   fuzz/seed-corpora.sh [TARGET...]      (default: every target)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
src=$(dirname "$here")
fx=$src/fixtures
shared=$src/../shared/corpus

# put TARGET PREFIX_HEX FILE...: store PREFIX||FILE under its SHA-1 name (as libFuzzer does)
put() {
    local t=$1 pre=$2 f tmp
    shift 2
    mkdir -p "$here/corpus-$t"
    tmp=$(mktemp)
    for f in "$@"; do
        [ -f "$f" ] || continue
        { printf "\\x$pre"; cat "$f"; } > "$tmp"
        cp "$tmp" "$here/corpus-$t/$(sha1sum < "$tmp" | cut -c1-40)"
    done
    rm -f "$tmp"
}

seed_normalize() {
    local p
    for p in 00 01 02 06 12 21 22 2a; do
        put normalize $p "$fx"/articles/* "$fx"/normalized/* "$fx"/revisions/rev-*.txt
    done
    put normalize 80 "$fx"/articles/000_b02582cd44c05fde.txt   # ISO-8859-1
    put normalize 00 "$fx"/html/article.html                    # auto -> html
}

seed_html() {
    local p f
    for p in 00 04 20; do
        put html $p "$fx"/html/*.html
    done
    if [ -d "$shared/html/readability" ]; then
        for f in "$shared"/html/readability/*/source.html; do
            put html 00 "$f"
        done
    fi
}

seed_minisig() { :; } # fuzz/seeds/minisig is complete
seed_diff() {
    local a b tmp
    tmp=$(mktemp)
    for a in "$fx"/diff/seed.txt "$fx"/normalized/000_b02582cd44c05fde.txt; do
        for b in "$fx"/diff/*.txt; do
            { cat "$a"; printf '\0'; cat "$b"; } > "$tmp"
            put diff 00 "$tmp"
            put diff 01 "$tmp"
        done
    done
    rm -f "$tmp"
}
seed_manifest() { :; }  # fuzz/seeds/manifest holds real lines
seed_bundle() { :; }    # fuzz/seeds/bundle holds real bundles
seed_bundle_tar() { :; }
seed_patch() { :; }     # fuzz/seeds/patch: an article with a revision, and with a zstd patch

targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(normalize html minisig diff manifest bundle bundle_tar patch)
for t in "${targets[@]}"; do
    "seed_$t"
    echo "corpus-$t: $(ls "$here/corpus-$t" 2>/dev/null | wc -l) files"
done
