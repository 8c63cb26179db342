# Step 1: allow test-signed drivers to load. Idempotent. Needs a reboot when it changes anything.
. "$PSScriptRoot\common.ps1"
Assert-Admin

$secureBoot = $false
try { $secureBoot = Confirm-SecureBootUEFI } catch { $secureBoot = $false }   # throws on BIOS/legacy VMs
if ($secureBoot) {
    Fail 'Secure Boot is on: bcdedit refuses testsigning while it is ("protected by Secure Boot policy"). Turn Secure Boot off in the VM firmware settings, then rerun.'
}

# The load options the running system booted with, which the kernel records in SystemStartOptions
# (no Microsoft page documents the value; it is widely relied on). TESTSIGNING there means test
# signing is in effect now, which is what loading the driver needs; bcdedit shows the next boot.
$booted = ''
try { $booted = [string] (Get-ItemPropertyValue -Path 'HKLM:\SYSTEM\CurrentControlSet\Control' -Name SystemStartOptions) } catch { $booted = '' }
if ($booted -match '\bTESTSIGNING\b') {
    Say 'test signing is in effect'
    exit 0
}
$current = (bcdedit.exe /enum '{current}') -join "`n"
if ($current -match 'testsigning\s+Yes') {
    Say 'test signing is set for the next boot but not in effect yet: REBOOT NOW, then rerun'
    exit 3010
}
bcdedit.exe /set testsigning on | Out-Null
if ($LASTEXITCODE -ne 0) { Fail "bcdedit /set testsigning on failed ($LASTEXITCODE): Secure Boot or BitLocker may protect the setting" }
Say 'test signing turned on: REBOOT NOW, then run 2-trust-certificate.ps1'
exit 3010   # the conventional "reboot required" code
