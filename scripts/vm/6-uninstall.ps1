# Step 6: stop and remove the driver, reset Driver Verifier. Idempotent. Exits 3010 (reboot)
# when it reset Driver Verifier's settings.
. "$PSScriptRoot\common.ps1"
Assert-Admin

if ((Get-ServiceState) -eq 'Running') { sc.exe stop $ServiceName | Out-Null; Start-Sleep -Seconds 2 }
$staged = Get-StagedInf
if ($staged) {
    pnputil.exe /delete-driver $staged /uninstall
    if ($LASTEXITCODE -ne 0 -and $LASTEXITCODE -ne 3010) { Fail "pnputil /delete-driver $staged failed ($LASTEXITCODE)" }
    Say "removed $staged"
} else {
    Say 'no staged handleguard package'
}
if ((Get-ServiceState) -ne 'missing') { sc.exe delete $ServiceName | Out-Null; Say "deleted service $ServiceName" }
Remove-Item -Path $InstalledAtFile -ErrorAction SilentlyContinue
$query = (verifier.exe /querysettings) -join "`n"
if ($query -match [regex]::Escape($DriverFile)) {
    verifier.exe /reset | Out-Null   # 0 or 2 (reboot needed): "Driver Verifier Command Syntax"
    if ($LASTEXITCODE -notin 0, 2) { Fail "verifier /reset failed ($LASTEXITCODE)" }
    Say 'Driver Verifier reset: REBOOT to finish'
    exit 3010
}
exit 0
