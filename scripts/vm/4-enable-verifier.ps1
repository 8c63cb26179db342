# Step 4: Driver Verifier standard checks on handleguard.sys. Idempotent. Needs a reboot.
. "$PSScriptRoot\common.ps1"
Assert-Admin

$query = (verifier.exe /querysettings) -join "`n"
if ($query -match [regex]::Escape($DriverFile)) {
    Say "Driver Verifier already targets $DriverFile"
    exit 0
}
verifier.exe /standard /driver $DriverFile
if ($LASTEXITCODE -ne 0 -and $LASTEXITCODE -ne 2) { Fail "verifier /standard failed ($LASTEXITCODE)" }
Say 'Driver Verifier enabled: REBOOT NOW, then run 5-selftest.ps1'
exit 3010
