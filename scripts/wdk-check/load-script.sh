#!/usr/bin/env bash
# Runs Makefile.toml's load script (`windows_load_script`: on Windows, cargo make runs it
# before it reads the makefile; it calls wdk_build::cargo_make::load_rust_driver_makefile())
# in TREE as cargo make would, with wdk-build adapted to this Linux host. Without TREE: in a
# fresh copy of the tracked files, which has no target/ (target-wdk/fresh).
# The script is compiled as cargo-make's Rust runner compiles it (load-script.py) and run
# with TREE as the working directory and CARGO_MAKE_WORKSPACE_WORKING_DIRECTORY. Fails
# unless the script succeeds and leaves target/rust-driver-makefile.toml linked to the
# makefile of the wdk-build in Cargo.lock.
# Usage: load-script.sh [TREE]
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
say() { printf 'load-script: %s\n' "$*"; }
fail() {
    printf 'load-script: ERROR: %s\n' "$*" >&2
    exit 1
}

tree=${1:-}
if [ -z "$tree" ]; then
    tree="$root/target-wdk/fresh"
    rm -rf "$tree"
    mkdir -p "$tree"
    (cd "$root" && git ls-files -z | while IFS= read -r -d '' file; do [ -f "$file" ] && printf '%s\0' "$file"; done |
        xargs -0 cp --parents -t "$tree")
    say "a fresh copy of the tracked files in $tree"
fi
tree=$(cd "$tree" && pwd)
[ -e "$tree/target" ] && say "note: $tree/target exists before the load script"

adapted=$(bash "$root/scripts/wdk-check/adapted-wdk-build.sh")
project="$root/target-wdk/load-script"
python3 "$root/scripts/wdk-check/load-script.py" "$tree/Makefile.toml" "$adapted" "$project"
CARGO_TARGET_DIR="$project/target" cargo build --quiet --manifest-path "$project/Cargo.toml"

status=0
(cd "$tree" && env -u CARGO_TARGET_DIR CARGO_MAKE_WORKSPACE_WORKING_DIRECTORY="$tree" \
    "$project/target/debug/load-script") || status=$?
[ "$status" -eq 0 ] || fail "Makefile.toml's load script failed in $tree (exit $status)"

version=$(basename "$adapted" | sed 's/^wdk-build-//')
link="$tree/target/rust-driver-makefile.toml"
[ -L "$link" ] || fail "the load script made no link $link"
target=$(readlink "$link")
case "$target" in
*/registry/src/*/wdk-build-"$version"/rust-driver-makefile.toml) ;;
*) fail "$link points to $target, not wdk-build $version's makefile in the cargo registry" ;;
esac
[ -f "$link" ] || fail "$link is a dangling link to $target"
say "passed: target/rust-driver-makefile.toml -> $target"
