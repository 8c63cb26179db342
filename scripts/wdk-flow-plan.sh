#!/usr/bin/env bash
# Checks, on Linux, the WDK packaging flow that `cargo make` runs on Windows, without running
# any of it (there is no WDK here): cargo-make loads Makefile.toml on top of wdk-build's own
# rust-driver-makefile.toml (the wdk-build version in Cargo.lock, placed in target/ as
# wdk_build::cargo_make::load_rust_driver_makefile() places it on Windows) and prints the plan.
# The check: the plan holds wdk-build's packaging steps in order, `inx` (driver.inf ->
# handleguard.inx) runs before wdk-build copies the .inx, and the build gets `--features wdk`.
# Works in a copy of the tracked files, so the checkout's target/ is never touched.
# Installs cargo-make when missing. See docs/windows.md.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
say() { printf 'wdk-flow: %s\n' "$*"; }
fail() {
    printf 'wdk-flow: ERROR: %s\n' "$*" >&2
    exit 1
}

cargo_make_version=0.37.24
if ! cargo make --version >/dev/null 2>&1; then
    say "installing cargo-make $cargo_make_version"
    cargo install cargo-make --locked --version "$cargo_make_version" --quiet
fi

wdk_build=$(grep -A1 '^name = "wdk-build"$' "$root/Cargo.lock" | sed -n 's/^version = "\(.*\)"$/\1/p')
[ -n "$wdk_build" ] || fail "no wdk-build in Cargo.lock"
cargo fetch --locked --quiet --manifest-path "$root/Cargo.toml"
makefile=$(ls "${CARGO_HOME:-$HOME/.cargo}"/registry/src/*/"wdk-build-$wdk_build"/rust-driver-makefile.toml 2>/dev/null | head -n 1)
[ -f "$makefile" ] || fail "wdk-build $wdk_build's rust-driver-makefile.toml is not in the cargo registry"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$root" && git ls-files -z | xargs -0 cp --parents -t "$work")
mkdir -p "$work/target"
cp "$makefile" "$work/target/rust-driver-makefile.toml"
# wdk-build's package-driver is private; a public task that depends on it can be planned.
cat >"$work/plan.toml" <<'EOF'
extend = "Makefile.toml"

[tasks.plan]
dependencies = ["package-driver"]

[tasks.build-flags]
script = "echo build flags: ${CARGO_MAKE_CARGO_BUILD_TEST_FLAGS}"
EOF

cd "$work"
plan=$(cargo make --makefile plan.toml --print-steps --output-format short-description plan 2>/dev/null |
    sed -n 's/^[0-9]*\. \([a-z0-9-]*\) - .*/\1/p')
say "wdk-build $wdk_build's package flow under Makefile.toml (cargo-make $(cargo make --version | cut -d' ' -f2)):"
printf '  %s\n' $plan

expected=(build generate-driver-binary-file copy-driver-binary-to-package inx copy-inx-to-output
    stampinf copy-inf-to-package sign-driver-binary inf2cat sign-cat infverif package-driver)
position=0
for step in "${expected[@]}"; do
    found=$(printf '%s\n' $plan | grep -n -x -- "$step" | cut -d: -f1 | head -n 1 || true)
    [ -n "$found" ] || fail "the plan has no $step"
    [ "$found" -gt "$position" ] || fail "$step comes before a step it must follow"
    position=$found
done
inx=$(printf '%s\n' $plan | grep -n -x inx | cut -d: -f1 || true)
copy=$(printf '%s\n' $plan | grep -n -x copy-inx-to-output | cut -d: -f1 || true)
[ "$copy" -eq $((inx + 1)) ] || fail "inx does not run right before copy-inx-to-output"

# The init task (wdk-build-init) needs the WDK; the flags are read without it.
flags=$(cargo make --makefile plan.toml --skip-init-end-tasks build-flags 2>/dev/null | sed -n 's/^build flags: //p' || true)
say "cargo build gets: $flags"
[ "$flags" = "--features wdk" ] || fail "the build flags are '$flags', not '--features wdk'"
say "passed: inx before copy-inx-to-output, the packaging steps in order, --features wdk"
