#!/usr/bin/env bash
# Checks, on Linux, the WDK packaging flow that `cargo make` runs on Windows, without running
# any of it (there is no WDK here): Makefile.toml's own load script links wdk-build's
# rust-driver-makefile.toml (the wdk-build version in Cargo.lock) into target/, as it does on
# Windows (scripts/wdk-check/load-script.sh: the script's code with wdk-build adapted to
# Linux), then cargo-make loads Makefile.toml on top of it and prints the plan.
# The check: the load script succeeds, the plan holds wdk-build's packaging steps in order,
# `inx` (driver.inf -> handleguard.inx) runs before wdk-build copies the .inx, and the build
# gets `--features wdk` and dev builds with panic=abort. cargo-make's own errors are shown
# when it fails.
# Works in a fresh copy of the tracked files (no target/), so the checkout's target/ is never
# touched. Installs cargo-make when missing. See docs/windows.md.
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

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$root" && git ls-files -z | xargs -0 cp --parents -t "$work")
# The load script, as cargo make runs it on Windows; it fails this script when it fails.
bash "$root/scripts/wdk-check/load-script.sh" "$work" || fail "Makefile.toml's load script failed"
# wdk-build's package-driver is private; a public task that depends on it can be planned.
cat >"$work/plan.toml" <<'EOF'
extend = "Makefile.toml"

[tasks.plan]
dependencies = ["package-driver"]

[tasks.build-flags]
script = "echo build flags: ${CARGO_MAKE_CARGO_BUILD_TEST_FLAGS}"

# The build task itself, with its environment, running an echo instead of cargo.
[tasks.build-env]
extend = "build"
command = "sh"
args = ["-c", "echo build panic: ${CARGO_PROFILE_DEV_PANIC}"]
EOF

cd "$work"
# cargo-make logs to stderr: kept, and shown when it fails.
cargo make --makefile plan.toml --print-steps --output-format short-description plan >steps.txt 2>cargo-make.log ||
    { cat cargo-make.log >&2; fail "cargo make could not plan the flow"; }
plan=$(sed -n 's/^[0-9]*\. \([a-z0-9-]*\) - .*/\1/p' steps.txt)
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
cargo make --makefile plan.toml --skip-init-end-tasks build-flags >flags.txt 2>cargo-make.log ||
    { cat cargo-make.log >&2; fail "cargo make could not run the build-flags task"; }
flags=$(sed -n 's/^build flags: //p' flags.txt)
say "cargo build gets: $flags"
[ "$flags" = "--features wdk" ] || fail "the build flags are '$flags', not '--features wdk'"
cargo make --makefile plan.toml --skip-init-end-tasks build-env >env.txt 2>cargo-make.log ||
    { cat cargo-make.log >&2; fail "cargo make could not run the build-env task"; }
panic=$(sed -n 's/^build panic: //p' env.txt)
say "cargo build runs with CARGO_PROFILE_DEV_PANIC=$panic"
[ "$panic" = "abort" ] || fail "the build task's dev builds do not abort on panic"
say "passed: inx before copy-inx-to-output, the packaging steps in order, --features wdk, panic=abort"
