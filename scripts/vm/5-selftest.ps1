# Step 5: run hgctl selftest, save the report, and check Driver Verifier and the event log.
param([string] $Hgctl = "$PSScriptRoot\..\..\package\hgctl.exe", [string] $Report = "$PSScriptRoot\selftest-report.json")
. "$PSScriptRoot\common.ps1"
Assert-Admin

if ((Get-ServiceState) -ne 'Running') { Fail "service $ServiceName is not running (run 3-install.ps1)" }
& $Hgctl selftest --json | Set-Content -Path $Report -Encoding utf8
$selftest = $LASTEXITCODE
$cases = Get-Content $Report -Raw | ConvertFrom-Json
$failed = @($cases | Where-Object { -not $_.pass })
Say "selftest: $($cases.Count - $failed.Count) passed, $($failed.Count) failed; report $Report"
$failed | ForEach-Object { Say "  FAIL $($_.case): expected $($_.expected), got $($_.actual)" }

$verifier = (verifier.exe /query) -join "`n"
$verified = $verifier -match [regex]::Escape($DriverFile)
Say ("Driver Verifier " + $(if ($verified) { "is checking $DriverFile" } else { "is NOT checking $DriverFile (run 4-enable-verifier.ps1 and reboot)" }))

# After a bug check Windows logs event 1001 from Microsoft-Windows-WER-SystemErrorReporting in the
# System log ("The computer has rebooted from a bugcheck"); count those since the install.
$since = if (Test-Path $InstalledAtFile) { [datetime]::Parse((Get-Content $InstalledAtFile -Raw).Trim()) } else { (Get-Date).AddDays(-1) }
$bugchecks = @(Get-WinEvent -FilterHashtable @{ LogName = 'System'; ProviderName = 'Microsoft-Windows-WER-SystemErrorReporting'; Id = 1001; StartTime = $since } -MaxEvents 20 -ErrorAction SilentlyContinue)
if ($bugchecks.Count -gt 0) { Say "$($bugchecks.Count) bug check report(s) in the System log: newest at $($bugchecks[0].TimeCreated)" }

if ($selftest -ne 0 -or $bugchecks.Count -gt 0) { exit 1 }
exit 0
