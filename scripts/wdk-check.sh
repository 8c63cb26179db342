#!/usr/bin/env bash
# The WDK build's Rust code, compiled on Linux: what `cargo make` compiles on Windows before
# any driver code runs, type-checked and linted here without Windows or the WDK.
#
#  1. `cargo metadata` (no features) lists wdk-build: wdk-sys's build script and cargo make's
#     load script both look it up there.
#  2. The driver with its Windows backend (`--features wdk`: wdk, wdk-sys, wdk-alloc,
#     wdk-panic from the registry, versions from Cargo.lock) for x86_64-pc-windows-msvc:
#     `cargo check` and `cargo clippy`, warnings denied. wdk-sys's own build script runs
#     bindgen with wdk-build's own options (module layout, enum style, blocklist) on
#     mingw-w64's DDK headers, laid out as a WDK (WDKContentRoot) plus two shim headers
#     (scripts/wdk-check/include). wdk-build refuses Linux hosts: a copy adapted at build time
#     by scripts/wdk-check/adapt-wdk-build.py replaces it ([patch.crates-io] in the checked
#     copy's manifest); nothing of it is committed.
#  3. Negative controls: two known mistakes in the wdk backend, each applied to the copy the
#     check builds, must fail with their own error (E0308, E0425), or this script fails.
#  4. The rest of the Windows-only code, linted for its Windows target: the driver's Linux-built
#     backend (x86_64-pc-windows-msvc, no `wdk`) and hgctl (x86_64-win7-windows-gnu, as the
#     cross build ships it), and the host test build of a crate for Windows MSVC (the
#     workflow's `cargo test -p handleguard-protocol`).
#  5. Makefile.toml's load script (`load_rust_driver_makefile()`), compiled as cargo-make's
#     Rust runner would and run in a fresh copy of the tracked files, with no target/.
#
# Debian's rustc-web 1.96 (+ rust-web-src for -Zbuild-std, rust-web-clippy) with
# RUSTC_BOOTSTRAP=1; libclang 22. Installs what is missing. Everything lives in target-wdk/;
# the driver is checked in a copy of the files (target-wdk/tree), because the patched
# wdk-build rewrites the copy's Cargo.lock, and with its CARGO_TARGET_DIR inside that copy
# (wdk-build looks for Cargo.lock above the target folder). See docs/windows.md.
set -euo pipefail

# What is checked: the package whose feature builds the Windows backend, and the file of
# that backend the negative controls break. Change these when the backend moves.
check_package=handleguard
check_features=wdk
wdk_backend=wdm-safe/src/ffi/wdk.rs
# The WDK version the fake WDKContentRoot claims (wdk-build reads Include/<version>).
sdk_version=10.0.26100.0

root=$(cd "$(dirname "$0")/.." && pwd)
work="$root/target-wdk"
here="$root/scripts/wdk-check"
say() { printf 'wdk-check: %s\n' "$*"; }
fail() {
    printf 'wdk-check: ERROR: %s\n' "$*" >&2
    exit 1
}
started=$(date +%s)
stage_started=$started
timings=()
stage() {
    local now
    now=$(date +%s)
    [ -z "${stage_name:-}" ] || timings+=("$(printf '%4d s  %s' $((now - stage_started)) "$stage_name")")
    stage_name=$1
    stage_started=$now
    printf '\nwdk-check: --- %s\n' "$1"
}

stage "prerequisites"
need=()
[ -x /usr/bin/rustc ] && /usr/bin/rustc --version | grep -q . || need+=(rustc-web)
[ -x /usr/bin/cargo ] || need+=(cargo-web)
dpkg -s rust-web-src >/dev/null 2>&1 || need+=(rust-web-src)
[ -x /usr/bin/cargo-clippy ] && [ -x /usr/bin/clippy-driver ] || need+=(rust-web-clippy)
dpkg -s libclang1-22 >/dev/null 2>&1 || need+=(libclang1-22)
dpkg -s libclang-common-22-dev >/dev/null 2>&1 || need+=(libclang-common-22-dev)
dpkg -s mingw-w64-x86-64-dev >/dev/null 2>&1 || need+=(mingw-w64-x86-64-dev)
command -v python3 >/dev/null && python3 -c 'import tomllib' 2>/dev/null || need+=(python3)
command -v jq >/dev/null || need+=(jq)
command -v git >/dev/null || need+=(git)
if [ ${#need[@]} -gt 0 ]; then
    say "installing ${need[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi
# /usr/bin first: `cargo clippy` must find Debian's cargo-clippy, not rustup's proxy.
debian() { PATH="/usr/bin:$PATH" RUSTC=/usr/bin/rustc RUSTC_BOOTSTRAP=1 /usr/bin/cargo "$@"; }
say "$(/usr/bin/rustc --version), $(/usr/bin/clippy-driver --version)"
llvm=/usr/lib/llvm-22/lib
clang_include=$(ls -d "$llvm"/clang/*/include 2>/dev/null | head -n 1)
[ -f "$llvm/libclang-22.so.1" ] || fail "no libclang 22 in $llvm"
[ -d "$clang_include" ] || fail "no clang resource headers under $llvm/clang"
mingw=/usr/x86_64-w64-mingw32/include
[ -f "$mingw/ddk/wdm.h" ] || fail "no mingw-w64 DDK headers in $mingw/ddk"

stage "cargo metadata (no features) lists wdk-build"
wdk_build=$(cargo metadata --format-version 1 --locked --manifest-path "$root/Cargo.toml" |
    jq -r '.packages[] | select(.name == "wdk-build") | .version')
[ -n "$wdk_build" ] || fail "cargo metadata does not list wdk-build: wdk-sys's build script \
and cargo make's load script fail with 'cannot find wdk-build package in Cargo metadata'"
[ "$(wc -w <<<"$wdk_build")" -eq 1 ] || fail "more than one wdk-build: $wdk_build"
say "wdk-build $wdk_build"

stage "wdk-build $wdk_build adapted to a Linux host (target-wdk/wdk-build-$wdk_build)"
adapted=$(bash "$here/adapted-wdk-build.sh")

stage "a WDKContentRoot from mingw-w64's headers (target-wdk/wdk-root)"
# wdk-build's include path for a WDM driver: Include/<version>/km/crt, km, shared. km/crt
# comes first and holds this repository's shim headers.
wdk_root="$work/wdk-root"
include="$wdk_root/Include/$sdk_version"
if [ ! -e "$include/shared" ]; then
    rm -rf "$wdk_root"
    mkdir -p "$include/km"
    cp -rs "$mingw/ddk/." "$include/km/"
    ln -s "$mingw" "$include/shared"
fi
rm -rf "$include/km/crt"
cp -r --preserve=timestamps "$here/include" "$include/km/crt"
export WDKContentRoot="$wdk_root" Version_Number="$sdk_version"
export LIBCLANG_PATH="$llvm"
# Both needed: without -fgnuc-version (a GNU C compiler to mingw-w64's headers) clang's own
# mmintrin.h fails to parse ("subscripted value is not an array, pointer, or vector");
# without -isystem clang's headers are not found ("'mm_malloc.h' file not found"): wdk-build
# tells bindgen not to look for them (detect_include_paths(false)).
export BINDGEN_EXTRA_CLANG_ARGS="-fgnuc-version=4.2.1 -isystem $clang_include"

stage "a copy of the files to check (target-wdk/tree)"
tree="$work/tree"
mkdir -p "$tree"
find "$tree" -mindepth 1 -maxdepth 1 ! -name target -exec rm -rf {} +
# Tracked and new (not ignored) files as they are in the working tree, with their times, so
# that a warm run rebuilds only what changed.
(cd "$root" && git ls-files -z --cached --others --exclude-standard |
    while IFS= read -r -d '' file; do [ -f "$file" ] && printf '%s\0' "$file"; done |
    xargs -0 cp --parents --preserve=timestamps,mode -t "$tree")
[ -f "$tree/$wdk_backend" ] || fail "$wdk_backend does not exist"
# The adapted wdk-build for every wdk crate, in this copy's manifest (a --config patch would
# also reach the standard library's own resolve under -Zbuild-std, and warn there). The
# manifest keeps its time, so that cargo does not take it for a change.
cat >>"$tree/Cargo.toml" <<EOF

# Added by scripts/wdk-check.sh to its copy only: wdk-build adapted to a Linux host.
[patch.crates-io]
wdk-build = { path = "$adapted" }
EOF
touch -r "$root/Cargo.toml" "$tree/Cargo.toml"

# The driver's check: its own CARGO_TARGET_DIR inside the copy; warnings denied for the
# workspace's crates (cargo caps the lints of the registry's and the standard library's),
# joined to .cargo/config.toml's flags for the target; and the environment of cargo make's
# build task from Makefile.toml (the driver's panic=abort), as cargo make builds it.
export CARGO_TARGET_DIR="$tree/target"
build_env=$(python3 -c 'import shlex, sys, tomllib
env = tomllib.load(open(sys.argv[1], "rb")).get("tasks", {}).get("build", {}).get("env", {})
for name, value in env.items():
    print(f"export {name}={shlex.quote(value)}")' "$tree/Makefile.toml")
say "cargo make's build task sets: ${build_env:-nothing}"
eval "$build_env"
driver=(--manifest-path "$tree/Cargo.toml" -p "$check_package" --target x86_64-pc-windows-msvc
    -Zbuild-std=core,alloc --config 'target.x86_64-pc-windows-msvc.rustflags=["-D", "warnings"]')

stage "cargo check -p $check_package --features $check_features (x86_64-pc-windows-msvc)"
debian check "${driver[@]}" --features "$check_features"

stage "cargo clippy -p $check_package --features $check_features (x86_64-pc-windows-msvc)"
debian clippy "${driver[@]}" --features "$check_features" -- -D warnings

# A mistake in the backend must fail the check with its own error, in the backend's file.
control() {
    local name=$1 code=$2 from=$3 to=$4 log="$work/control.log"
    local file="$tree/$wdk_backend" saved="$work/control.saved"
    grep -qF -- "$from" "$file" || fail "negative control '$name': '$from' is not in $wdk_backend"
    cp -p "$file" "$saved"
    python3 -c 'import sys; p, a, b = sys.argv[1:]; s = open(p).read(); open(p, "w").write(s.replace(a, b, 1))' \
        "$file" "$from" "$to"
    local status=0
    debian check "${driver[@]}" --features "$check_features" --message-format short >"$log" 2>&1 || status=$?
    cp -p "$saved" "$file"
    if [ "$status" -eq 0 ]; then
        cat "$log"
        fail "negative control '$name' passed the check: the check cannot see that mistake"
    fi
    grep -E "^$wdk_backend:[0-9]+:[0-9]+: error\[$code\]" "$log" >/dev/null || {
        cat "$log"
        fail "negative control '$name' failed, but without error[$code] in $wdk_backend"
    }
    say "negative control '$name': fails as it must:"
    grep -E "error(\[E[0-9]+\])?:" "$log" | sed 's/^/    /'
}

stage "negative controls (a copy of $wdk_backend with a known mistake)"
control "object type read without *" E0308 \
    'unsafe { *variable }' 'unsafe { variable }'
control "blocklisted ExAllocatePoolWithTag" E0425 \
    'ExAllocatePool2(flags, size, tag)' 'ExAllocatePoolWithTag(0, size, tag)'

stage "cargo clippy -p $check_package, the cross-built backend (x86_64-pc-windows-msvc)"
debian clippy "${driver[@]}" -- -D warnings

# hgctl and the host test build need no wdk-build and are not built by cargo make's build
# task: checked in the repository itself, with their own target folder.
export CARGO_TARGET_DIR="$work/client"
unset $(sed -n 's/^export \([A-Z_]*\)=.*/\1/p' <<<"$build_env")
stage "cargo clippy -p hgctl --all-targets (x86_64-win7-windows-gnu, as cross-built)"
debian clippy --locked --manifest-path "$root/Cargo.toml" -p hgctl --all-targets \
    --target x86_64-win7-windows-gnu -Zbuild-std -- -D warnings

# .cargo/config.toml's flags for Windows MSVC reach test builds there, so none may be
# panic=abort (rustc: "building tests with panic=abort is not supported").
stage "cargo check --tests -p handleguard-protocol (x86_64-pc-windows-msvc, the workflow's cargo test)"
debian check --locked --manifest-path "$root/Cargo.toml" -p handleguard-protocol --tests \
    --target x86_64-pc-windows-msvc -Zbuild-std

stage "Makefile.toml's load script in a fresh copy of the tracked files (no target/)"
bash "$here/load-script.sh"

stage "done"
printf '\nwdk-check: passed in %d s:\n' $(($(date +%s) - started))
printf '  %s\n' "${timings[@]}"
