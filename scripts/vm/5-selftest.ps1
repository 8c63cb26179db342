# Step 5: run hgctl selftest, save the report, and check Driver Verifier and the event log.
param([string] $Hgctl = "$PSScriptRoot\..\..\package\hgctl.exe", [string] $Report = "$PSScriptRoot\selftest-report.json")
. "$PSScriptRoot\common.ps1"
Assert-Admin

if ((Get-ServiceState) -ne 'Running') { Fail "service $ServiceName is not running (run 3-install.ps1)" }
if (-not (Test-Path $Hgctl)) { Fail "no hgctl.exe at $Hgctl (pass -Hgctl)" }
# hgctl exits 0 when every case passed, 1 when one failed or on an error, 2 on a usage error.
# Its JSON is one document: {"command", "transport", "device", "exit_code", "summary",
# "cases": [{"case", "result" (pass, fail or skipped), "expected", "actual", "why", ...}]},
# or on an error {"command", ..., "error", "status"}.
$output = & $Hgctl selftest --json
$selftest = $LASTEXITCODE
$output | Set-Content -Path $Report -Encoding utf8
$parsed = $null
try { $parsed = ($output -join "`n") | ConvertFrom-Json } catch { Say "hgctl's output is not JSON: $_" }
if ($null -eq $parsed -or $parsed.PSObject.Properties['error'] -or -not $parsed.PSObject.Properties['cases']) {
    $why = if ($null -ne $parsed -and $parsed.PSObject.Properties['error']) { $parsed.error } else { 'its output is not the JSON report' }
    Fail "hgctl selftest did not run (exit $selftest): $why; output in $Report"
}
$cases = @($parsed.cases)
$failed = @($cases | Where-Object { $_.result -eq 'fail' })
$skipped = @($cases | Where-Object { $_.result -eq 'skipped' })
Say "selftest: $($parsed.summary.passed) passed, $($parsed.summary.failed) failed, $($skipped.Count) skipped (hgctl exit $selftest); report $Report"
$failed | ForEach-Object {
    $got = if ($null -ne $_.actual) { "$($_.actual.name) ($($_.actual.hex))" } else { $_.why }
    Say "  FAIL $($_.case): expected $($_.expected.name) ($($_.expected.hex)), got $got"
}

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
