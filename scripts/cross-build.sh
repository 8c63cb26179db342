#!/usr/bin/env bash
# Builds the shipped binaries from Linux: handleguard.sys (x86_64-pc-windows-msvc, release,
# Debian's rustc-web with build-std, lld-link), test-signed with a self-signed certificate, and
# hgctl.exe (x86_64-win7-windows-gnu, so Wine 8 can run it). Writes package/:
#   handleguard.sys  (signed)   driver.inf   handleguard.cer   hgctl.exe
# Installs its prerequisites from Debian when missing. See docs/cross-build.md.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
package="$root/package"
say() { printf 'cross-build: %s\n' "$*"; }

need=()
[ -x /usr/bin/rustc ] && /usr/bin/rustc --version | grep -q . || need+=(rustc-web)
[ -x /usr/bin/cargo ] || need+=(cargo-web)
dpkg -s rust-web-src >/dev/null 2>&1 || need+=(rust-web-src)
command -v lld-link-22 >/dev/null || need+=(lld-22)
command -v osslsigncode >/dev/null || need+=(osslsigncode)
command -v x86_64-w64-mingw32-gcc >/dev/null || need+=(gcc-mingw-w64-x86-64)
command -v openssl >/dev/null || need+=(openssl)
if [ ${#need[@]} -gt 0 ]; then
    say "installing ${need[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi

# Debian's compiler and its matching library sources; rustup's cargo stays first in PATH for
# everything else, so the two never share a target directory.
export RUSTC=/usr/bin/rustc RUSTC_BOOTSTRAP=1
debian_cargo=/usr/bin/cargo

say "handleguard.sys"
t0=$(date +%s)
CARGO_TARGET_DIR="$root/target-cross/driver" \
CARGO_TARGET_X86_64_PC_WINDOWS_MSVC_LINKER=lld-link-22 \
RUSTFLAGS="-C link-arg=/DRIVER -C link-arg=/SUBSYSTEM:NATIVE -C link-arg=/ENTRY:DriverEntry \
-C link-arg=/NODEFAULTLIB -C link-arg=/RELEASE -C link-arg=/DYNAMICBASE -C link-arg=/NXCOMPAT \
-C link-arg=/OPT:REF,ICF -C link-arg=/MANIFEST:NO" \
    "$debian_cargo" build --release --locked -p handleguard --target x86_64-pc-windows-msvc \
    -Z build-std=core,alloc -Z build-std-features=compiler-builtins-mem \
    --manifest-path "$root/Cargo.toml"
t1=$(date +%s)

say "hgctl.exe"
CARGO_TARGET_DIR="$root/target-cross/client" \
CARGO_TARGET_X86_64_WIN7_WINDOWS_GNU_LINKER=x86_64-w64-mingw32-gcc \
    "$debian_cargo" build --release --locked -p hgctl --target x86_64-win7-windows-gnu \
    -Z build-std=std,panic_abort --manifest-path "$root/Cargo.toml"
t2=$(date +%s)

mkdir -p "$package"
unsigned="$root/target-cross/driver/x86_64-pc-windows-msvc/release/handleguard.dll"
# The throwaway signing key stays out of package/, which is what gets copied to a VM.
signing="$root/target-cross/signing"
if [ ! -f "$signing/handleguard-test.key" ]; then
    say "creating a self-signed code-signing certificate"
    mkdir -p "$signing"
    openssl req -x509 -newkey rsa:3072 -sha256 -days 365 -nodes -subj "/CN=handleguard test signing" \
        -addext "keyUsage=critical,digitalSignature" -addext "extendedKeyUsage=codeSigning" \
        -keyout "$signing/handleguard-test.key" -out "$signing/handleguard-test.pem" 2>/dev/null
fi
rm -f "$package/handleguard-test.key" "$package/handleguard-test.pem"   # where older builds kept them
openssl x509 -in "$signing/handleguard-test.pem" -outform DER -out "$package/handleguard.cer"
rm -f "$package/handleguard.sys"
osslsigncode sign -certs "$signing/handleguard-test.pem" -key "$signing/handleguard-test.key" -h sha256 \
    -n "handleguard" -in "$unsigned" -out "$package/handleguard.sys" >/dev/null
cp "$root/target-cross/client/x86_64-win7-windows-gnu/release/hgctl.exe" "$package/hgctl.exe"
cp "$root/driver.inf" "$package/driver.inf"

say "built handleguard.sys in $((t1 - t0)) s, hgctl.exe in $((t2 - t1)) s"
say "handleguard.sys: $(stat -c %s "$unsigned") bytes unsigned, $(stat -c %s "$package/handleguard.sys") signed"
ls -l "$package"
