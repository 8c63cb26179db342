# Step 3: install the driver package with pnputil and start the service. Idempotent.
# A primitive driver's [DefaultInstall.NTamd64.Services] may not run under pnputil (two public
# reports); if the service is missing afterwards, say so and finish from the staged INF.
param([string] $Package = "$PSScriptRoot\..\..\package")
. "$PSScriptRoot\common.ps1"
Assert-Admin

if (-not (Test-Path $Package)) { Fail "no package folder at $Package (pass -Package)" }
$inf = Get-ChildItem -Path $Package -Filter '*.inf' | Select-Object -First 1
if ($null -eq $inf) { Fail "no .inf in $Package" }

if (-not (Test-Path $InstalledAtFile)) { (Get-Date).ToString('o') | Set-Content -Path $InstalledAtFile }
if ($null -eq (Get-StagedInf)) {
    Say "pnputil /add-driver $($inf.FullName) /install"
    pnputil.exe /add-driver $inf.FullName /install
    # PnPUtil return values (learn.microsoft.com: "PnPUtil return values"): 0 done, 3010 done
    # and a reboot is needed, 259 (ERROR_NO_MORE_ITEMS) no device matches the driver: what
    # /install reports for a primitive driver, which has no device. The package is staged in
    # all three cases; the service check below tells whether it was installed.
    if ($LASTEXITCODE -notin 0, 259, 3010) { Fail "pnputil failed ($LASTEXITCODE): a package for pnputil needs its catalog (handleguard.cat from the WDK flow); details in $env:windir\INF\setupapi.dev.log" }
} else {
    Say "package already staged as $(Get-StagedInf)"
}

if ((Get-ServiceState) -eq 'missing') {
    $staged = Get-StagedInf
    if ($null -eq $staged) { Fail 'the package is not in the driver store' }
    Say "pnputil staged the package as $staged but did not create the service; running [DefaultInstall.NTamd64] of $($inf.FullName)"
    # InstallHinfSection <section> <mode> <path>: mode 128 = the source files are next to the INF
    # (the package folder, not %windir%\INF, which holds only the INF), never reboot.
    rundll32.exe setupapi.dll,InstallHinfSection DefaultInstall.NTamd64 128 $inf.FullName
    Start-Sleep -Seconds 2
    if ((Get-ServiceState) -eq 'missing') { Fail 'the service still does not exist: install with sc.exe create (docs/windows.md)' }
}

if ((Get-ServiceState) -ne 'Running') {
    sc.exe start $ServiceName | Out-Null
    if ((Get-ServiceState) -ne 'Running') { Fail "sc.exe start $ServiceName failed: see the System event log" }
}
Say "service $ServiceName is running"
exit 0
