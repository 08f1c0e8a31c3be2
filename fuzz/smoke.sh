#!/usr/bin/env bash
# fuzz/smoke.sh - build the libFuzzer harnesses with clang and run each one
# briefly; exit 1 when any of them finds a crash, a leak, a timeout or an
# out-of-memory, 2 when the build fails. Used by .ci/run.
#
#   fuzz/smoke.sh [TARGET...]          (default: every fuzz/fuzz_*.c)
#
# Environment:
#   FUZZ_SECONDS  seconds per harness, when set (a time budget explores more
#                 on a faster machine, so its verdict can change from run to run)
#   FUZZ_SEED     libFuzzer's -seed (default 1)
# Without FUZZ_SECONDS each harness runs a fixed number of inputs from a fixed
# seed (about 30-40 s each on a 2-core EPYC), so the smoke verdict is the same
# on every run of the same tree: CI must not pass or fail by chance. Long,
# exploring runs are fuzz/run.sh's job.
#   BUILD         build directory (default <source>/build-fuzz-smoke)
#   CC            the compiler (default clang; must be clang)
# Each harness starts from its checked-in seeds (fuzz/seeds/TARGET), with its
# dictionary (fuzz/TARGET.dict) and options (fuzz/TARGET.options), in a
# temporary corpus that is thrown away. Reproducers of findings are kept in
# BUILD/smoke-artifacts/TARGET/.
set -u
here=$(cd "$(dirname "$0")" && pwd)
src=$(dirname "$here")
build=${BUILD:-$src/build-fuzz-smoke}
secs=${FUZZ_SECONDS:-}
seed=${FUZZ_SEED:-1}
# inputs per harness in the fixed mode (about half of what 60 s ran here)
runs_for() {
    case $1 in
    bundle) echo 3000 ;;
    bundle_tar) echo 30000 ;;
    diff) echo 20000 ;;
    html) echo 100000 ;;
    manifest) echo 200000 ;;
    minisig) echo 3000000 ;;
    normalize) echo 400000 ;;
    patch) echo 100000 ;;
    *) echo 10000 ;;
    esac
}
export CC=${CC:-clang}

echo "fuzz smoke: configuring and building in $build"
mkdir -p "$build"
if ! cmake -S "$src" -B "$build" -DDS_BUILD_FUZZ=ON -DDS_BUILD_TESTS=OFF >"$build/smoke-cmake.log" 2>&1; then
    cat "$build/smoke-cmake.log" >&2
    exit 2
fi
if ! cmake --build "$build" -j"${JOBS:-2}" >"$build/smoke-build.log" 2>&1; then
    tail -40 "$build/smoke-build.log" >&2
    exit 2
fi

targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
    for f in "$here"/fuzz_*.c; do
        t=$(basename "$f" .c)
        targets+=("${t#fuzz_}")
    done
fi

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
failed=()
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for t in "${targets[@]}"; do
    bin=$build/fuzz/fuzz_$t
    if [ ! -x "$bin" ]; then
        echo "fuzz smoke: $t: $bin was not built" >&2
        failed+=("$t")
        continue
    fi
    mkdir -p "$work/$t" "$build/smoke-artifacts/$t"
    flags=(-seed="$seed" -rss_limit_mb=2048 -timeout=25 -print_final_stats=1
           -artifact_prefix="$build/smoke-artifacts/$t/")
    if [ -n "$secs" ]; then
        flags+=(-max_total_time="$secs")
        budget="${secs}s"
    else
        flags+=(-runs="$(runs_for "$t")")
        budget="seed $seed"
    fi
    [ -f "$here/$t.dict" ] && flags+=(-dict="$here/$t.dict")
    more=()
    [ -f "$here/$t.options" ] && read -r -a more <"$here/$t.options"
    dirs=("$work/$t")
    [ -d "$here/seeds/$t" ] && dirs+=("$here/seeds/$t")
    log=$build/smoke-$t.log
    # first replay the reproducers of earlier findings (fixtures/fuzz/TARGET-*)
    repros=("$src"/fixtures/fuzz/"$t"-*)
    if [ -e "${repros[0]}" ]; then
        if ! "$bin" "${repros[@]}" >"$build/smoke-$t-replay.log" 2>&1; then
            echo "fuzz smoke: $t: a reproducer in fixtures/fuzz/ fails again; log $build/smoke-$t-replay.log" >&2
            grep -E "^Running:|^==[0-9]+==ERROR|^SUMMARY|fuzz invariant failed|runtime error" \
                "$build/smoke-$t-replay.log" | tail -4 >&2
            failed+=("$t")
            continue
        fi
    fi
    (cd "$work" && "$bin" "${flags[@]}" "${more[@]}" "${dirs[@]}") >"$log" 2>&1
    rc=$?
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    if [ $rc -eq 0 ]; then
        echo "fuzz smoke: $t: ok ($budget, ${execs:-?} execs)"
    else
        echo "fuzz smoke: $t: FAILED (exit $rc); log $log, reproducer in $build/smoke-artifacts/$t/" >&2
        grep -E "^==[0-9]+==ERROR|^SUMMARY|fuzz invariant failed|runtime error" "$log" | head -5 >&2
        failed+=("$t")
    fi
done
if [ ${#failed[@]} -gt 0 ]; then
    echo "fuzz smoke: failures: ${failed[*]}" >&2
    exit 1
fi
echo "fuzz smoke: all ${#targets[@]} harnesses ran without a finding"
