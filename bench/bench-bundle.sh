#!/usr/bin/env bash
# bench-bundle.sh - speed and memory of sealing and verifying bundles,
# measured side by side with the stock tools in the same run.
#
#   bench/bench-bundle.sh [DOCSEAL]      full run (needs ~3 GB free in $TMPDIR)
#   SMOKE=1 bench/bench-bundle.sh        tiny sizes, a few seconds (CI smoke)
#
# 1. Memory: seal, verify and verify --deep a bundle holding one ~1 GB text
#    original (realistic paragraphs, bench/gen-corpus.py); peak RSS from
#    /usr/bin/time -v must stay under 64 MiB (65536 KiB).
# 2. Throughput: seal 2,000 articles of ~5 KB against
#    `tar --zstd -cf` + `sha256sum` over the same files (ratio target <= 1.5),
#    and verify against `zstd -dc | tar -x` + `sha256sum -c` (median of RUNS).
# 3. Levels: bundle size, time and peak RSS for zstd levels 1, 3, 6, 9, 19.
# Prints a table; exits 1 when a memory bound or (except in SMOKE mode) the
# seal ratio is missed. Both ratios are taken in the same run, the commands
# alternating, so that both see the same machine load; on a busy machine the
# multi-threaded seal is penalized most (see the load averages printed).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
DOCSEAL=${1:-${DOCSEAL:-$here/../build/docseal}}
DOCSEAL=$(cd "$(dirname "$DOCSEAL")" && pwd)/$(basename "$DOCSEAL")
SMOKE=${SMOKE:-0}
RUNS=${RUNS:-7}
if [[ $SMOKE == 1 ]]; then
    BIG_MB=20 NART=200 RUNS=3 LEVELS="1 3"
else
    BIG_MB=${BIG_MB:-1000} NART=${NART:-2000} LEVELS=${LEVELS:-"1 3 6 9 19"}
fi
LIMIT_KIB=65536
[[ -x $DOCSEAL ]] || { echo "no docseal binary at $DOCSEAL" >&2; exit 2; }
for t in tar zstd sha256sum python3 /usr/bin/time; do
    command -v "$t" >/dev/null || { echo "$t is needed" >&2; exit 2; }
done

work=$(mktemp -d "${TMPDIR:-/tmp}/bench-bundle.XXXXXX")
trap 'rm -rf "$work"' EXIT
cd "$work"
need_kb=$((BIG_MB * 3 * 1024 + 200000))
free_kb=$(df -Pk . | awk 'NR==2 {print $4}')
if ((free_kb < need_kb)); then
    echo "not enough free disk in $work: $free_kb KiB, need $need_kb KiB" >&2
    exit 2
fi
unset DOCSEAL_PASSPHRASE SOURCE_DATE_EPOCH
export HOME=$work/home
"$DOCSEAL" keygen --no-passphrase -o k.key >/dev/null
status=0

echo "# docseal bundle benchmark: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
echo "# $("$DOCSEAL" --version); $(nproc) CPUs; $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo "# load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"

# peak RSS (KiB) and wall seconds of a command: sets RSS, WALL
measure() {
    /usr/bin/time -v -o time.txt "$@" >/dev/null
    RSS=$(awk -F': ' '/Maximum resident set size/ {print $2}' time.txt)
    WALL=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' time.txt |
        awk -F: '{ if (NF == 3) print $1 * 3600 + $2 * 60 + $3; else print $1 * 60 + $2 }')
}
# wall seconds of a shell command (microsecond resolution)
wall() {
    local t0 t1
    t0=$(date +%s%N)
    bash -c "$1" >/dev/null 2>&1
    t1=$(date +%s%N)
    echo $(((t1 - t0) / 1000))
}
med() { printf '%s\n' "$@" | sort -n | awk '{a[NR] = $1} END {printf "%.4f", a[int((NR + 1) / 2)] / 1e6}'; }
# pair A B: run the two commands alternately RUNS times (so that both see the
# same machine load); sets MA and MB to their median wall seconds
pair() {
    local i ta=() tb=()
    for ((i = 0; i < RUNS; i++)); do
        ta+=($(wall "$1"))
        tb+=($(wall "$2"))
    done
    MA=$(med "${ta[@]}")
    MB=$(med "${tb[@]}")
}
# median CPU seconds (user + system, children included) of RUNS runs
cpu() {
    local i c=()
    for ((i = 0; i < RUNS; i++)); do
        /usr/bin/time -f "%U %S" -o cpu.txt bash -c "$1" >/dev/null 2>&1
        c+=($(awk '{printf "%d", ($1 + $2) * 1e6}' cpu.txt))
    done
    med "${c[@]}"
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a / b}'; }

# --- 1. memory with a large original -------------------------------------------
python3 "$here/gen-corpus.py" articles src 200 5000 >/dev/null
python3 - "$BIG_MB" <<'EOF'
import os, sys
target = int(sys.argv[1]) * 1000 * 1000
bodies = []
for f in sorted(os.listdir('src')):
    t = open(os.path.join('src', f), encoding='utf-8').read()
    bodies.append(t.split('\n\n', 3)[-1].strip())
with open('big.txt', 'w', encoding='utf-8') as out:
    out.write('A very long article\n\n')
    size, n = 0, 0
    while size < target:
        # rotate the article order so that blocks differ
        k = n % len(bodies)
        block = f'Part {n}.\n\n' + '\n\n'.join(bodies[k:] + bodies[:k]) + '\n\n'
        out.write(block)
        size += len(block.encode())
        n += 1
EOF
big_bytes=$(stat -c %s big.txt)
echo
echo "## 1. Peak memory, one original of $big_bytes bytes (limit $LIMIT_KIB KiB)"
printf '%-28s %12s %10s\n' "command" "peak RSS KiB" "wall s"
for step in seal verify deep; do
    case $step in
    seal) measure "$DOCSEAL" seal --key k.key --time 2024-05-01T12:00:00Z -o big.tar.zst big.txt ;;
    verify) measure "$DOCSEAL" verify --pubkey k.key.pub big.tar.zst ;;
    deep) measure "$DOCSEAL" verify --deep --pubkey k.key.pub big.tar.zst ;;
    esac
    printf '%-28s %12s %10s\n' "docseal $step" "$RSS" "$WALL"
    if ((RSS >= LIMIT_KIB)); then
        echo "  FAIL: docseal $step peak RSS $RSS KiB >= $LIMIT_KIB KiB"
        status=1
    fi
done
measure tar --zstd -cf base.tar.zst big.txt
printf '%-28s %12s %10s\n' "tar --zstd -cf" "$RSS" "$WALL"
measure sha256sum big.txt
printf '%-28s %12s %10s\n' "sha256sum" "$RSS" "$WALL"
echo "bundle: $(stat -c %s big.tar.zst) bytes; tar --zstd: $(stat -c %s base.tar.zst) bytes"
rm -f big.txt big.tar.zst base.tar.zst

# --- 2. throughput on many small articles ---------------------------------------
python3 "$here/gen-corpus.py" articles a "$NART" 5000 >/dev/null
in_bytes=$(cat a/* | wc -c)
echo
echo "## 2. Throughput: $NART articles, $in_bytes bytes (median of $RUNS alternating runs)"
seal_cmd="'$DOCSEAL' seal --key k.key --time 2024-05-01T12:00:00Z -o s.tar.zst a/*"
stock_cmd="tar --zstd -cf t.tar.zst a && sha256sum a/* >sums.txt"
bash -c "$seal_cmd" >/dev/null 2>&1 && bash -c "$stock_cmd" # warm the page cache
pair "$seal_cmd" "$stock_cmd"
t_seal=$MA t_stock=$MB
r=$(ratio "$t_seal" "$t_stock")
printf '%-52s %8s s\n' "docseal seal" "$t_seal" "tar --zstd -cf + sha256sum" "$t_stock"
echo "seal ratio docseal / stock: $r (target <= 1.5)"
c_seal=$(cpu "$seal_cmd")
c_stock=$(cpu "$stock_cmd")
echo "CPU seconds (user+sys, median): docseal seal $c_seal, stock $c_stock (ratio $(ratio "$c_seal" "$c_stock"))"
if awk -v r="$r" 'BEGIN {exit !(r > 1.5)}'; then
    if [[ $SMOKE == 1 ]]; then
        echo "  (smoke run: ratio not judged)"
    else
        echo "  FAIL: seal ratio $r > 1.5"
        status=1
    fi
fi
verify_cmd="'$DOCSEAL' verify --pubkey k.key.pub s.tar.zst"
stock_verify="rm -rf x && mkdir x && zstd -dc t.tar.zst | tar -x -C x && (cd x && sha256sum -c --quiet ../sums.txt)"
pair "$verify_cmd" "$stock_verify"
t_ver=$MA t_sver=$MB
printf '%-52s %8s s\n' "docseal verify" "$t_ver" "zstd -dc | tar -x + sha256sum -c" "$t_sver"
echo "verify ratio docseal / stock: $(ratio "$t_ver" "$t_sver")"
echo "sizes: bundle $(stat -c %s s.tar.zst) bytes (texts + originals + metadata); tar --zstd $(stat -c %s t.tar.zst) bytes (inputs only)"

# --- 3. compression levels ----------------------------------------------------------
echo
echo "## 3. Levels ($NART articles): bundle size, seal time, peak RSS"
printf '%-6s %12s %10s %14s\n' "level" "bytes" "wall s" "peak RSS KiB"
for l in $LEVELS; do
    measure "$DOCSEAL" seal --key k.key --time 2024-05-01T12:00:00Z --level "$l" -o l.tar.zst a/*
    printf '%-6s %12s %10s %14s\n' "$l" "$(stat -c %s l.tar.zst)" "$WALL" "$RSS"
done
echo
echo "# load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
exit $status
