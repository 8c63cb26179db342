#!/usr/bin/env bash
# Runs the cargo-fuzz targets in fuzz/ (libFuzzer + AddressSanitizer + debug assertions) on the
# real driver code in the model kernel, each for a fixed time, and prints a summary per target:
# executions, executions per second, coverage (libFuzzer's `cov`: edges; `ft`: features),
# corpus size and the result.
#
# Usage: bash scripts/fuzz.sh [--seconds N] [--jobs J] [target ...]
#   --seconds N   run each target N seconds (default 60, as in CI; long runs 1800 or more)
#   --jobs J      targets run J at a time (default 1; the machine has 2 cores)
#   target        ioctl, sequences (default: both)
#
# The corpus grows in fuzz/corpus/<target> (gitignored), seeded from the committed
# fuzz/seeds/<target>; the log of each run is fuzz/logs/<target>.log. A crash (a verifier stop,
# a difference from the oracle, a leak at unload, a panic, an ASan report, a timeout) leaves its
# input in fuzz/artifacts/<target>/ and makes the script exit 1. Reproduce it from fuzz/ with
#     cargo +nightly fuzz run --debug-assertions <target> artifacts/<target>/<file>
# and, once fixed, add it to fuzz/seeds/<target>/ (tests/properties.rs replays every seed of
# both targets in the normal test suite).
#
# Toolchain: the rustup nightly toolchain when installed; otherwise the default toolchain with
# RUSTC_BOOTSTRAP=1 (cargo-fuzz needs -Z flags). cargo-fuzz is installed from crates.io when
# missing.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
fuzz="$root/fuzz"
seconds=60
jobs=1
targets=()
say() { printf 'fuzz: %s\n' "$*"; }
fail() {
    printf 'fuzz: ERROR: %s\n' "$*" >&2
    exit 1
}

while [ $# -gt 0 ]; do
    case "$1" in
    --seconds) seconds=${2:?--seconds needs a number}; shift 2 ;;
    --jobs) jobs=${2:?--jobs needs a number}; shift 2 ;;
    -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    -*) fail "unknown option $1 (see --help)" ;;
    *) targets+=("$1"); shift ;;
    esac
done
[ ${#targets[@]} -gt 0 ] || targets=(ioctl sequences)
[[ "$seconds" =~ ^[1-9][0-9]*$ ]] || fail "--seconds must be a positive number, not $seconds"
[[ "$jobs" =~ ^[1-9][0-9]*$ ]] || fail "--jobs must be a positive number, not $jobs"
for target in "${targets[@]}"; do
    [ -f "$fuzz/fuzz_targets/$target.rs" ] || fail "no fuzz target $target (fuzz/fuzz_targets/)"
done

# --- toolchain and cargo-fuzz -----------------------------------------------------------------
if rustup run nightly rustc --version >/dev/null 2>&1; then
    cargo=(cargo +nightly)
else
    say "no nightly toolchain: using $(rustc --version) with RUSTC_BOOTSTRAP=1"
    export RUSTC_BOOTSTRAP=1
    cargo=(cargo)
fi
if ! cargo fuzz --version >/dev/null 2>&1; then
    say "installing cargo-fuzz"
    cargo install --locked cargo-fuzz@0.13.2 || fail "cargo install cargo-fuzz failed"
fi
say "$("${cargo[@]}" --version), $(cargo fuzz --version)"

# --- build --------------------------------------------------------------------------------------
cd "$fuzz"
say "building ${targets[*]} (release, debug assertions, AddressSanitizer)"
for target in "${targets[@]}"; do
    "${cargo[@]}" fuzz build --debug-assertions "$target" || fail "$target did not build"
done

# --- run ----------------------------------------------------------------------------------------
mkdir -p logs
run_target() {
    local target=$1
    mkdir -p "corpus/$target" "artifacts/$target"
    # -timeout: one input may take at most 10 s (a hang is a crash); -rss_limit_mb: a leak that
    # grows the process is one too. The seeds are read, new inputs go to corpus/.
    "${cargo[@]}" fuzz run --debug-assertions "$target" "corpus/$target" "seeds/$target" -- \
        -max_total_time="$seconds" -timeout=10 -rss_limit_mb=4096 -print_final_stats=1 \
        >"logs/$target.log" 2>&1
}

declare -A status
pids=()
names=()
for target in "${targets[@]}"; do
    say "running $target for $seconds s (log: fuzz/logs/$target.log)"
    run_target "$target" &
    pids+=($!)
    names+=("$target")
    if [ ${#pids[@]} -ge "$jobs" ]; then
        wait "${pids[0]}" && status[${names[0]}]=0 || status[${names[0]}]=$?
        pids=("${pids[@]:1}")
        names=("${names[@]:1}")
    fi
done
for i in "${!pids[@]}"; do
    wait "${pids[$i]}" && status[${names[$i]}]=0 || status[${names[$i]}]=$?
done

# --- summary ------------------------------------------------------------------------------------
# libFuzzer's last status line ("#N DONE cov: C ft: F corp: K/S ...") and final stats.
stat_of() { awk -v key="stat::$1:" '$1 == key { value = $2 } END { print value == "" ? "?" : value }' "$2"; }
field() { grep -Eo "$1: [0-9]+" <<<"$2" | tail -1 | grep -Eo '[0-9]+$' || echo '?'; }
failed=0
printf '\n%-10s %8s %12s %9s %7s %8s %7s  %s\n' target seconds executions "execs/s" cov ft corpus result
for target in "${targets[@]}"; do
    log="logs/$target.log"
    last=$(grep -E '^#[0-9]+' "$log" | tail -1 || true)
    execs=$(stat_of number_of_executed_units "$log")
    rate=$(stat_of average_exec_per_sec "$log")
    corpus=$(find "corpus/$target" -type f | wc -l)
    if [ "${status[$target]}" -eq 0 ]; then
        result="0 crashes"
    else
        failed=1
        crash=$(ls -t "artifacts/$target" | head -1)
        result="FAILED (exit ${status[$target]}): ${crash:+fuzz/artifacts/$target/$crash}"
    fi
    printf '%-10s %8s %12s %9s %7s %8s %7s  %s\n' "$target" "$seconds" "$execs" "$rate" \
        "$(field cov "$last")" "$(field ft "$last")" "$corpus" "$result"
done
if [ "$failed" -ne 0 ]; then
    for target in "${targets[@]}"; do
        [ "${status[$target]}" -eq 0 ] && continue
        printf '\n--- end of fuzz/logs/%s.log\n' "$target"
        tail -40 "logs/$target.log"
    done
    exit 1
fi
