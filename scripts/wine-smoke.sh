#!/usr/bin/env bash
# Loads the cross-built handleguard.sys under Wine's ntoskrnl, drives it with hgctl.exe's
# Wine profile, unloads it, and checks the driver's DbgPrint log. Every Wine call is bounded
# by `timeout`; the wineserver is torn down whatever happens.
#
# Wine can show: DriverEntry runs and creates the device, the driver reads its Parameters
# key through a kernel handle, IOCTLs round-trip, malformed requests are refused, DriverUnload
# runs. Wine's file objects name no device (the driver refuses to read them as files) and its
# creates carry no FileName (names under the device look like the device). It cannot show handle validation (UserMode ObReferenceObjectByHandle is not
# implemented in Wine 8, and drivers run in winedevice.exe, not in the caller's process):
# that is the model kernel's job (cargo test).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
package="$root/package"
logs="$root/target/wine-smoke"
started=$(date +%s)

say() { printf 'wine-smoke: %s\n' "$*"; }
fail() { say "FAIL: $*"; exit 1; }

if ! [ -x /usr/lib/wine/wine64 ]; then
    say "installing wine from Debian"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends wine wine64 >/dev/null
fi
[ -f "$package/handleguard.sys" ] && [ -f "$package/hgctl.exe" ] || bash "$root/scripts/cross-build.sh"
[ -f "$package/handleguard.sys" ] || fail "no $package/handleguard.sys"
[ -f "$package/hgctl.exe" ] || fail "no $package/hgctl.exe"

W64=/usr/lib/wine/wine64
WS=/usr/lib/wine/wineserver64
WINEPREFIX=$(mktemp -d)
export WINEPREFIX WINEDLLOVERRIDES="mscoree,mshtml=" WINEDEBUG=err+all,warn+debugstr
unset DISPLAY
rm -rf "$logs"
mkdir -p "$logs"
wine_log="$logs/wine.log"

cleanup() {
    timeout 30 "$WS" -k >/dev/null 2>&1 || true
    rm -rf "$WINEPREFIX"
}
trap cleanup EXIT

# Every Wine command appends to one log: services.exe and winedevice.exe inherit the stderr
# of the command that started them, and that is where the driver's DbgPrint lines go. A
# pipe there would hang the reader until wineserver exits, so it is always a file.
wine() {
    local limit=$1
    shift
    timeout "$limit" "$W64" "$@" >>"$wine_log" 2>&1
}

say "creating a fresh prefix in $WINEPREFIX"
timeout 300 "$W64" wineboot -u >"$logs/wineboot.log" 2>&1 || fail "wineboot failed (see $logs/wineboot.log)"
timeout 120 "$WS" -w || fail "wineserver did not settle after wineboot"

cp "$package/handleguard.sys" "$WINEPREFIX/drive_c/windows/system32/drivers/handleguard.sys"
cp "$package/hgctl.exe" "$WINEPREFIX/drive_c/hgctl.exe"

# One wineserver session for create, start, client and stop: the driver lives only as long as it.
"$WS" -p
service_key='HKLM\System\CurrentControlSet\Services\handleguard'
wine 60 sc create handleguard type= kernel start= demand \
    binpath= 'C:\windows\system32\drivers\handleguard.sys' || fail "sc create"
wine 60 reg add "$service_key\\Parameters" /v MaxRegistrationsPerOpen /t REG_DWORD /d 8 /f \
    || fail "reg add Parameters"
wine 60 sc start handleguard || fail "sc start handleguard (1053 means the driver crashed or DriverEntry failed)"

say "running hgctl.exe selftest --profile wine"
set +e
timeout 120 "$W64" 'C:\hgctl.exe' selftest --profile wine --json >"$logs/selftest.json" 2>>"$wine_log"
selftest=$?
set -e

wine 60 sc stop handleguard || fail "sc stop handleguard"
# DriverUnload runs asynchronously in winedevice.exe: give it a moment to log.
for _ in 1 2 3 4 5 6 7 8 9 10; do
    grep -aq 'handleguard: unloaded' "$wine_log" && break
    sleep 1
done
timeout 30 "$WS" -k >/dev/null 2>&1 || true

grep -a 'handleguard:' "$wine_log" | sed 's/^[^ ]* /  /' >"$logs/dbgprint.log" || true
say "driver log:"
cat "$logs/dbgprint.log"
say "selftest report: $logs/selftest.json"
cat "$logs/selftest.json"
echo

grep -aq 'handleguard: loaded: 8 registrations per open' "$wine_log" \
    || fail "DriverEntry did not log, or did not read Parameters\\MaxRegistrationsPerOpen through its kernel handle"
grep -aq 'handleguard: unloaded' "$wine_log" || fail "DriverUnload did not finish"
if grep -aiE 'page fault|unhandled exception|winedevice.*(crash|exception)|Backtrace' "$wine_log" >/dev/null; then
    fail "a crash was reported in winedevice.exe (see $wine_log)"
fi
[ "$selftest" -eq 0 ] || fail "hgctl.exe selftest --profile wine exited with $selftest"
say "passed in $(( $(date +%s) - started )) s"
