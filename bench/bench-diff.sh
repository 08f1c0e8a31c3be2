#!/usr/bin/env bash
# bench/bench-diff.sh - docseal diff side by side with git's word diff, and its
# worst case (issue 8, workload 4).
#
#   bench/bench-diff.sh [--smoke] [DOCSEAL]
#
# DOCSEAL is the built CLI (default: build/docseal). Inputs come from
# bench/diff-gen.py (deterministic): a ~1 MB article and a copy with ~1% of
# its words changed; two unrelated ~5 MB articles; two unrelated ~5 MB texts
# on one line each (same vocabulary: the hardest case for a word diff).
#
# Prints, for the 1 MB pair, the median of RUNS runs (hyperfine when
# installed, else a timing loop) of
#   docseal diff --format plain A B                  (normalizing on the fly)
#   docseal diff --no-normalize --format plain A B   (the engine alone)
#   git diff --no-index --word-diff=plain A B
# and the ratio docseal / git; then for the 5 MB pairs the wall time and the
# peak RSS (/usr/bin/time) of every output format. Targets: ratio <= 1.0;
# 5 MB pairs < 2 s and < 200 MB. --smoke: tiny inputs, 3 runs (for CI).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
scale=1 runs=15
if [ "${1:-}" = "--smoke" ]; then
    scale=0.01 runs=3
    shift
fi
ds=$(realpath "${1:-$here/../build/docseal}")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
python3 "$here/diff-gen.py" "$tmp" "$scale"
cd "$tmp"

median() { sort -g | awk '{a[NR]=$1} END {if (NR%2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }

# time_cmd NAME CMD...: median wall time in seconds over $runs runs
time_cmd() {
    local name=$1
    shift
    if command -v hyperfine >/dev/null; then
        hyperfine -N -i -w 2 -r "$runs" --export-json "$tmp/$name.json" "$*" >/dev/null 2>&1
        python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["results"][0]["median"])' \
            "$tmp/$name.json"
    else
        for _ in $(seq "$runs"); do
            local t0 t1
            t0=$(date +%s.%N)
            "$@" >/dev/null 2>&1 || true
            t1=$(date +%s.%N)
            echo "$t1 - $t0" | bc -l
        done | median
    fi
}

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')"
echo "docseal: $("$ds" --version)"
echo "git:     $(git --version)"
echo
echo "== 1 MB article, ~1% of words changed ($(wc -c <article-a.txt) and $(wc -c <article-b.txt) bytes), median of $runs runs"
t_norm=$(time_cmd norm "$ds" diff --format plain article-a.txt article-b.txt)
t_raw=$(time_cmd raw "$ds" diff --no-normalize --format plain article-a.txt article-b.txt)
t_git=$(time_cmd git git diff --no-index --word-diff=plain article-a.txt article-b.txt)
printf '%-52s %8.1f ms\n' "docseal diff --format plain" "$(echo "$t_norm * 1000" | bc -l)"
printf '%-52s %8.1f ms\n' "docseal diff --no-normalize --format plain" "$(echo "$t_raw * 1000" | bc -l)"
printf '%-52s %8.1f ms\n' "git diff --no-index --word-diff=plain" "$(echo "$t_git * 1000" | bc -l)"
printf 'ratio docseal/git: %.2f (normalizing), %.2f (engine alone); target <= 1.0\n' \
    "$(echo "$t_norm / $t_git" | bc -l)" "$(echo "$t_raw / $t_git" | bc -l)"
echo
echo "== worst case: unrelated texts, wall time and peak RSS (target < 2 s, < 200 MB)"
for pair in unrelated line; do
    for fmt in plain json html unified summary; do
        st=0
        /usr/bin/time -f '%e %M' -o "$tmp/time" "$ds" diff --no-normalize --format "$fmt" \
            "$pair-a.txt" "$pair-b.txt" >/dev/null 2>&1 || st=$?
        [ $st -le 1 ] || { echo "docseal diff failed on $pair ($fmt): exit $st"; exit 1; }
        read -r secs kb < <(tail -n 1 "$tmp/time")
        printf '%-9s %-8s %6.2f s %7.1f MB\n' "$pair" "$fmt" "$secs" "$(echo "$kb / 1024" | bc -l)"
    done
done
/usr/bin/time -f '%e %M' -o "$tmp/time" git diff --no-index --word-diff=plain \
    unrelated-a.txt unrelated-b.txt >/dev/null 2>&1 || true
read -r secs kb < <(tail -n 1 "$tmp/time")
printf '%-18s %6.2f s %7.1f MB   (git diff --word-diff=plain, for reference)\n' "unrelated" \
    "$secs" "$(echo "$kb / 1024" | bc -l)"
