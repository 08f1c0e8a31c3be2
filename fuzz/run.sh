#!/usr/bin/env bash
# fuzz/run.sh - run one libFuzzer harness for a while, with its corpus, seeds
# and dictionary, at the lowest CPU priority, and log what it did.
#
#   fuzz/run.sh TARGET [SECONDS] [extra libFuzzer flags...]
#
# TARGET is the part after fuzz_ (minisig, html, normalize, ...). SECONDS
# defaults to 600. Environment: BUILD (default <source>/build-fuzz, must be
# configured with -DDS_BUILD_FUZZ=ON), JOBS (default 1: one fuzzing process).
# The corpus grows in fuzz/corpus-TARGET/ (git-ignored), seeded from
# fuzz/seeds/TARGET/; crashes go to BUILD/artifacts/TARGET/; every run appends
# "target  cpu_seconds  execs  exit_status  date" to BUILD/fuzz-time.tsv.
set -u
here=$(cd "$(dirname "$0")" && pwd)
src=$(dirname "$here")
build=${BUILD:-$src/build-fuzz}
target=${1:?usage: fuzz/run.sh TARGET [SECONDS] [flags...]}
secs=${2:-600}
shift $(( $# >= 2 ? 2 : 1 ))
bin=$build/fuzz/fuzz_$target
[ -x "$bin" ] || { echo "run.sh: $bin not built" >&2; exit 2; }
corpus=$here/corpus-$target
art=$build/artifacts/$target
logs=$build/logs
mkdir -p "$corpus" "$art" "$logs"
flags=(-max_total_time="$secs" -rss_limit_mb=2048 -timeout=25 -print_final_stats=1
       -artifact_prefix="$art/")
[ -f "$here/$target.dict" ] && flags+=(-dict="$here/$target.dict")
[ -f "$here/$target.options" ] && read -r -a more < "$here/$target.options" && flags+=("${more[@]}")
dirs=("$corpus")
[ -d "$here/seeds/$target" ] && dirs+=("$here/seeds/$target")
log=$logs/$target-$(date +%Y%m%dT%H%M%S).log
start=$(awk '{print $14+$15+$16+$17}' /proc/$$/stat)
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
# fuzz/TARGET.supp: UBSan suppressions for routed, not yet fixed findings
[ -f "$here/$target.supp" ] && UBSAN_OPTIONS="$UBSAN_OPTIONS:suppressions=$here/$target.supp"
( cd "$build" && exec nice -n 19 "$bin" "${flags[@]}" "$@" "${dirs[@]}" ) > "$log" 2>&1
rc=$?
# CPU time of the finished child, from our own cumulative child times (clock ticks).
end=$(awk '{print $14+$15+$16+$17}' /proc/$$/stat)
hz=$(getconf CLK_TCK)
cpu=$(( (end - start) / hz ))
execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
printf '%s\t%s\t%s\t%s\t%s\n' "$target" "$cpu" "${execs:-?}" "$rc" "$(date -Is)" \
    >> "$build/fuzz-time.tsv"
echo "run.sh: $target: ${cpu}s CPU, ${execs:-?} execs, exit $rc, log $log"
[ $rc -eq 0 ] || [ $rc -eq 72 ] || tail -60 "$log"   # 72: interrupted (SIGINT)
exit $rc
