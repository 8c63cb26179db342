#!/usr/bin/env bash
# Work per IOCTL: instructions the driver's own code executes per request, counted by
# callgrind (repeatable, unlike time) on the real driver running on the model kernel
# (examples/ioctl_cost.rs), reported as a ratio to GET_INFO and checked against budgets:
#   REGISTER_EVENT (accepted or refused) <= 4 x GET_INFO
#   INSPECT_FILE / OPEN_AS_CALLER        <= 4 x GET_INFO + 6 per byte checksummed
#                                           (+ 4 per request byte for OPEN_AS_CALLER's path)
# "Own" instructions are those in the handleguard, handleguard_protocol and wdm_safe crates; the kernel
# calls a request must make run in the model and are reported separately (the model's cost is
# not the Windows kernel's). Also prints pool and image figures from the tests.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out="$root/target/cost"
count=1000
file_bytes=600          # the file examples/ioctl_cost.rs checksums
path_request=528        # OpenAsCallerRequest::SIZE
mkdir -p "$out"

command -v valgrind >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq valgrind >/dev/null; }
cargo build --quiet --release --example ioctl_cost --manifest-path "$root/Cargo.toml"
bench="$root/target/release/examples/ioctl_cost"

# Instructions (own, all) of `count` requests of a kind, summed.
measure() { # kind count
    valgrind --tool=callgrind --callgrind-out-file="$out/$1-$2.callgrind" \
        --toggle-collect='*dispatch_device_control*' "$bench" "$1" "$2" >/dev/null 2>&1
    local report
    report=$(callgrind_annotate --threshold=100 "$out/$1-$2.callgrind" 2>/dev/null)
    printf '%s %s\n' \
        "$(grep -E '\?\?\?:<?(handleguard|handleguard_protocol|wdm_safe)::' <<<"$report" \
            | awk '{gsub(",", "", $1); s += $1} END {print s + 0}')" \
        "$(awk '/PROGRAM TOTALS/ {gsub(",", "", $1); print $1 + 0}' <<<"$report")"
}

# Per request: the difference between 2 x count and count requests, divided by count, so
# what happens once per open (its table, made at the first registration) is not counted.
declare -A own total
for kind in get_info register refused inspect open_as_caller; do
    read -r own1 total1 < <(measure "$kind" "$count")
    read -r own2 total2 < <(measure "$kind" $((2 * count)))
    own[$kind]=$(( (own2 - own1) / count ))
    total[$kind]=$(( (total2 - total1) / count ))
done

base=${own[get_info]}
budget() { # kind limit
    local ratio
    ratio=$(awk "BEGIN {printf \"%.2f\", ${own[$1]} / $base}")
    printf '  %-16s %8d own  %9d with model kernel  %6sx GET_INFO  budget %d  %s\n' \
        "$1" "${own[$1]}" "${total[$1]}" "$ratio" "$2" "$([ "${own[$1]}" -le "$2" ] && echo ok || echo BROKEN)"
    [ "${own[$1]}" -le "$2" ]
}
echo "instructions per request (callgrind, $count requests each, release build):"
status=0
budget get_info "$base" || status=1
budget register $((4 * base)) || status=1
budget refused $((4 * base)) || status=1
budget inspect $((4 * base + 6 * file_bytes)) || status=1
budget open_as_caller $((4 * base + 6 * file_bytes + 4 * path_request)) || status=1

# Scale: the cost of one more registration must not grow with the registrations an open holds.
per_registration() { # registrations already held
    local own1 own2 total
    read -r own1 total < <(measure register "$1")
    read -r own2 total < <(measure register $(($1 + 500)))
    echo $(( (own2 - own1) / 500 ))
}
small=$(per_registration 500)
large=$(per_registration 3500)
echo "scale: own instructions per registration beyond 500 vs beyond 3,500 held: $small vs $large"
if [ "$large" -gt $((small + small / 20)) ]; then
    echo "  BROKEN: registering grows with the registrations held (a quadratic path)"
    status=1
fi

echo
echo "pool (model kernel accounting; budgets in tests/cost_budget.rs):"
cargo test --quiet --manifest-path "$root/Cargo.toml" --test cost_budget -- --nocapture 2>&1 \
    | grep -E '^one registration|test result' | sed 's/^/  /' || status=1
if [ -f "$root/package/handleguard.sys" ]; then
    echo "image (package/handleguard.sys):"
    cargo test --quiet --manifest-path "$root/Cargo.toml" --test pe_image -- --nocapture 2>&1 \
        | grep -E 'bytes|^  \.' | sed 's/^/  /' || true
fi
exit $status
