# The whole VM sequence, across the two reboots it needs. Run it again after each reboot: every
# step is idempotent and reports what it did; it stops at the first step that needs a reboot.
#   1 test signing (reboot) -> 2 trust certificate -> 3 install -> 4 verifier (reboot) -> 5 selftest
# 6-uninstall.ps1 is separate. NOT RUN in this repository's CI; see docs/windows.md.
. "$PSScriptRoot\common.ps1"
Assert-Admin

$summary = @()
$code = 0
foreach ($step in '1-enable-test-signing', '2-trust-certificate', '3-install', '4-enable-verifier', '5-selftest') {
    # A step ends with exit 0, 1 or 3010; an error it did not expect stops it with an exception.
    try { & "$PSScriptRoot\$step.ps1"; $code = $LASTEXITCODE }
    catch { Write-Host "handleguard: FAIL: $step stopped: $_" -ForegroundColor Red; $code = 1 }
    $summary += "{0,-24} exit {1}" -f $step, $code
    if ($code -eq 3010) { $summary += 'reboot, then run run-all.ps1 again'; break }
    if ($code -ne 0) { $summary += 'stopped: fix the step above and rerun'; break }
}
Say 'summary:'
$summary | ForEach-Object { Write-Host "  $_" }
exit $code   # 0: every step done; 3010: reboot and rerun; 1: a step failed
