#!/usr/bin/env bash
# Prints the path of wdk-build (the version in Cargo.lock) adapted to a Linux host, making it
# first when needed: target-wdk/wdk-build-<version>, from the cargo registry's copy, by
# adapt-wdk-build.py. Progress goes to stderr. Used by scripts/wdk-check.sh,
# load-script.sh and scripts/wdk-flow-plan.sh.
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
fail() {
    printf 'wdk-build adaptation: ERROR: %s\n' "$*" >&2
    exit 1
}

version=$(grep -A1 '^name = "wdk-build"$' "$root/Cargo.lock" | sed -n 's/^version = "\(.*\)"$/\1/p')
[ -n "$version" ] || fail "no wdk-build in Cargo.lock"
cargo fetch --locked --quiet --manifest-path "$root/Cargo.toml"
registry_copy=$(ls -d "${CARGO_HOME:-$HOME/.cargo}"/registry/src/*/"wdk-build-$version" 2>/dev/null | head -n 1)
[ -f "$registry_copy/Cargo.toml" ] || fail "wdk-build $version is not in the cargo registry cache"

adapted="$root/target-wdk/wdk-build-$version"
mkdir -p "$root/target-wdk"
rm -rf "$adapted.new"
edits=$(python3 "$root/scripts/wdk-check/adapt-wdk-build.py" "$registry_copy" "$adapted.new")
# Replaced only when it changed, so that a warm run does not rebuild it.
if [ -d "$adapted" ] && diff -r -q "$adapted" "$adapted.new" >/dev/null; then
    rm -rf "$adapted.new"
else
    printf '%s\n' "$edits" >&2
    rm -rf "$adapted"
    mv "$adapted.new" "$adapted"
fi
printf '%s\n' "$adapted"
