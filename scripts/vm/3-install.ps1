# Step 3: install the driver package with pnputil and start the service. Idempotent.
# A primitive driver's [DefaultInstall.NTamd64.Services] may not run under pnputil (two public
# reports); if the service is missing afterwards, say so and finish from the staged INF.
param([string] $Package = "$PSScriptRoot\..\..\package")
. "$PSScriptRoot\common.ps1"
Assert-Admin

$inf = Get-ChildItem -Path $Package -Filter '*.inf' | Select-Object -First 1
if ($null -eq $inf) { Fail "no .inf in $Package" }

if ($null -eq (Get-StagedInf)) {
    Say "pnputil /add-driver $($inf.FullName) /install"
    pnputil.exe /add-driver $inf.FullName /install
    if ($LASTEXITCODE -ne 0 -and $LASTEXITCODE -ne 3010) { Fail "pnputil failed ($LASTEXITCODE): a package for pnputil needs its catalog (handleguard.cat from the WDK flow)" }
} else {
    Say "package already staged as $(Get-StagedInf)"
}

if ((Get-ServiceState) -eq 'missing') {
    $staged = Get-StagedInf
    if ($null -eq $staged) { Fail 'the package is not in the driver store' }
    Say "pnputil staged the package but did not create the service; running [DefaultInstall.NTamd64] of $staged"
    rundll32.exe setupapi.dll,InstallHinfSection DefaultInstall.NTamd64 132 "$env:windir\INF\$staged"
    Start-Sleep -Seconds 2
    if ((Get-ServiceState) -eq 'missing') { Fail 'the service still does not exist: install with sc.exe create (docs/windows.md)' }
}

if ((Get-ServiceState) -ne 'Running') {
    sc.exe start $ServiceName | Out-Null
    if ((Get-ServiceState) -ne 'Running') { Fail "sc.exe start $ServiceName failed: see the System event log" }
}
Say "service $ServiceName is running"
exit 0
