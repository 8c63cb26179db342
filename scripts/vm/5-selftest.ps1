# Step 5: run hgctl selftest, save the report, and check Driver Verifier and the event log.
param([string] $Hgctl = "$PSScriptRoot\..\..\package\hgctl.exe", [string] $Report = "$PSScriptRoot\selftest-report.json")
. "$PSScriptRoot\common.ps1"
Assert-Admin

if ((Get-ServiceState) -ne 'Running') { Fail "service $ServiceName is not running (run 3-install.ps1)" }
if (-not (Test-Path $Hgctl)) { Fail "no hgctl.exe at $Hgctl (pass -Hgctl)" }
# hgctl exits 0 when every case passed, 1 when one failed or on an error (then it prints
# {"error": ...} instead of the array of cases), 2 on a usage error.
$output = & $Hgctl selftest --json
$selftest = $LASTEXITCODE
$output | Set-Content -Path $Report -Encoding utf8
$parsed = $null
try { $parsed = ($output -join "`n") | ConvertFrom-Json } catch { Say "hgctl's output is not JSON: $_" }
# ConvertFrom-Json passes a JSON array on whole in Windows PowerShell 5.1 and item by item in
# PowerShell 7; piping the result once more yields the items in both.
$cases = @(if ($null -ne $parsed) { $parsed | ForEach-Object { $_ } })
if ($cases.Count -eq 0 -or $cases[0].PSObject.Properties['error']) {
    $why = if ($cases.Count -gt 0) { $cases[0].error } else { 'its output is not the JSON array of cases' }
    Fail "hgctl selftest did not run (exit $selftest): $why; output in $Report"
}
$failed = @($cases | Where-Object { -not $_.pass })
Say "selftest: $($cases.Count - $failed.Count) passed, $($failed.Count) failed (hgctl exit $selftest); report $Report"
$failed | ForEach-Object { Say "  FAIL $($_.case): expected $($_.expected), got $($_.actual)" }

$verifier = (verifier.exe /query) -join "`n"
$verified = $verifier -match [regex]::Escape($DriverFile)
Say ("Driver Verifier " + $(if ($verified) { "is checking $DriverFile" } else { "is NOT checking $DriverFile (run 4-enable-verifier.ps1 and reboot)" }))

# After a bug check Windows logs event 1001 from Microsoft-Windows-WER-SystemErrorReporting in the
# System log ("The computer has rebooted from a bugcheck"); count those since the install. The
# provider is matched after the query: LogName and ProviderName together select only the logs
# the provider links to, and "no events found" is a non-terminating error, silenced here.
$since = if (Test-Path $InstalledAtFile) { [datetime]::Parse((Get-Content $InstalledAtFile -Raw).Trim()) } else { (Get-Date).AddDays(-1) }
$bugchecks = @(Get-WinEvent -FilterHashtable @{ LogName = 'System'; Id = 1001; StartTime = $since } -ErrorAction SilentlyContinue |
    Where-Object { $_.ProviderName -eq 'Microsoft-Windows-WER-SystemErrorReporting' })
if ($bugchecks.Count -gt 0) { Say "$($bugchecks.Count) bug check report(s) in the System log: newest at $($bugchecks[0].TimeCreated)" }

if ($selftest -ne 0 -or $bugchecks.Count -gt 0) { exit 1 }
exit 0
