#!/bin/bash
# Vault scale: appending to a vault of 100,000 revisions against appending to
# an empty one, and `docseal log ID` on the big vault (target: < 100 ms).
#
# usage: bench/bench-vault.sh [DOCSEAL] [SNAPSHOTS] [DOCS]
#   DOCSEAL    the docseal binary (default: build/docseal)
#   SNAPSHOTS  snapshots in the big vault (default 1000)
#   DOCS       articles per snapshot, each changed in every snapshot (default 100)
# Environment: BENCH_DIR (work directory, default a new one under /tmp; kept
# when given, so a second run reuses the big vault), RUNS (default 10).
#
# The big vault is built with `docseal add` itself, SNAPSHOTS times, at
# compression level 1. Timings use hyperfine when installed (median of RUNS),
# else bash's time over RUNS runs (mean).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
docseal=${1:-$here/build/docseal}
snapshots=${2:-1000}
docs=${3:-100}
runs=${RUNS:-10}
case $docseal in /*) ;; *) docseal=$(pwd)/$docseal ;; esac

if [ -n "${BENCH_DIR:-}" ]; then
    work=$BENCH_DIR
    mkdir -p "$work"
else
    work=$(mktemp -d /tmp/docseal-bench-vault.XXXXXX)
    trap 'rm -rf "$work"' EXIT
fi
unset SOURCE_DATE_EPOCH DOCSEAL_VAULT DOCSEAL_PASSPHRASE
export NO_COLOR=1 XDG_CONFIG_HOME=$work/config

# disk space: about 80 KB per snapshot of 100 small articles, plus inputs
need_kb=$((snapshots * docs * 1 + 200000))
avail_kb=$(df -Pk "$work" | awk 'NR == 2 {print $4}')
if [ "$avail_kb" -lt "$need_kb" ]; then
    echo "bench-vault: need about $((need_kb / 1024)) MiB free in $work, have $((avail_kb / 1024)) MiB" >&2
    exit 2
fi
echo "machine: $(nproc) CPUs, $(awk '/MemTotal/ {printf "%d MiB", $2/1024}' /proc/meminfo)," \
    "$(sed -n 's/^model name\t: //p' /proc/cpuinfo | head -n 1)"
echo "docseal: $("$docseal" --version)"
echo "work directory: $work ($(df -PT "$work" | awk 'NR == 2 {print $2}'))"

# articles: a headline, a date and five paragraphs; snapshot k appends an
# update paragraph to each, so every article changes in every snapshot
gen() { # gen DIR K
    awk -v dir="$1" -v k="$2" -v n="$docs" 'BEGIN {
        for (d = 0; d < n; d++) {
            f = sprintf("%s/article-%03d.md", dir, d)
            printf "---\nid: article-%03d\n---\n# Article %d: council votes on the budget\n\n", d, d > f
            printf "Published 2024-03-%02d.\n\n", d % 28 + 1 > f
            for (p = 1; p <= 5; p++)
                printf "Paragraph %d of article %d says that the council met on Tuesday and that %d members voted for the plan, which costs %d,000 euros.\n\n", p, d, (d * 7 + p) % 40 + 10, (d + p) * 13 > f
            printf "Update %d: the vote was confirmed.\n", k > f
            close(f)
        }
    }'
}

big=$work/big
if [ ! -f "$big/docseal.json" ] || [ "$(wc -l <"$big/manifest.jsonl")" -lt "$snapshots" ]; then
    rm -rf "$big" "$work/in"
    mkdir -p "$work/in"
    "$docseal" -q init --level 1 "$big" >/dev/null
    echo "building the big vault: $snapshots snapshots of $docs articles (level 1) ..."
    start=$(date +%s.%N)
    for k in $(seq 1 "$snapshots"); do
        gen "$work/in" "$k"
        "$docseal" -q -C "$big" add --threads 1 "$work/in"/*.md >/dev/null
        if [ $((k % 100)) -eq 0 ]; then
            echo "  $k snapshots, $(du -sm "$big" | cut -f1) MiB, $(($(date +%s) - ${start%.*})) s"
        fi
    done
    end=$(date +%s.%N)
    echo "built in $(awk -v a="$start" -v b="$end" 'BEGIN {printf "%.0f", b - a}') s"
fi
echo "big vault: $(wc -l <"$big/manifest.jsonl") records, $docs documents," \
    "$(du -sh "$big/manifest.jsonl" | cut -f1) manifest, $(du -sh "$big/index" | cut -f1) index," \
    "$(du -sh "$big" | cut -f1) in all"

printf '# Probe\n\nOne small article added to each vault.\n' >"$work/probe.md"
rm -rf "$work/empty"
"$docseal" -q init --level 1 "$work/empty" >/dev/null

measure() { # measure NAME PREPARE COMMAND
    local name=$1 prepare=$2 cmd=$3
    echo
    echo "== $name"
    echo "\$ $cmd"
    if command -v hyperfine >/dev/null; then
        hyperfine -N --style basic --warmup 1 --runs "$runs" --prepare "bash -c '$prepare'" \
            --export-json "$work/h.json" "$cmd" 2>&1 | grep -E "Time|Range|Warn|rror" || true
        python3 -c 'import json,sys; r=json.load(open(sys.argv[1]))["results"][0]; print("median %.1f ms" % (r["median"]*1000))' "$work/h.json"
    else
        local i t0 t1
        t0=$(date +%s%N)
        for i in $(seq 1 "$runs"); do bash -c "$prepare"; bash -c "$cmd" >/dev/null; done
        t1=$(date +%s%N)
        echo "mean $(((t1 - t0) / runs / 1000000)) ms (prepare included)"
    fi
}

measure "add one article to an empty vault" \
    "rm -rf $work/empty && $docseal -q init --level 1 $work/empty" \
    "$docseal -q -C $work/empty add --id probe $work/probe.md"
measure "add one article to the big vault ($((snapshots * docs)) revisions)" \
    "true" \
    "$docseal -q -C $big add --id probe $work/probe.md"
measure "log ID on the big vault, no summaries" "true" \
    "$docseal -C $big log --no-summary article-042"
echo
echo "== log ID on the big vault with change summaries, first run (diffs $snapshots revisions, fills the cache)"
echo "\$ $docseal -C $big log article-042"
rm -rf "$big/index/summaries"
/usr/bin/time -f "%e s, max RSS %M KiB" "$docseal" -C "$big" log article-042 >/dev/null
measure "log ID on the big vault with change summaries, cached" "true" \
    "$docseal -C $big log article-042"
measure "log (all documents) on the big vault" "true" "$docseal -C $big log"
measure "show ID@1 (the oldest revision) on the big vault" "true" \
    "$docseal -C $big show article-042@1"
echo
echo "== verify the big vault (once)"
echo "\$ $docseal -C $big verify -q"
/usr/bin/time -f "%e s, max RSS %M KiB" "$docseal" -q -C "$big" verify
