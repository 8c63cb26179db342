# Step 4: Driver Verifier standard checks on handleguard.sys. Idempotent. Needs a reboot.
. "$PSScriptRoot\common.ps1"
Assert-Admin

# /querysettings: the settings for the next boot; /query: what is being verified now.
$query = (verifier.exe /querysettings) -join "`n"
if ($query -match [regex]::Escape($DriverFile)) {
    if (((verifier.exe /query) -join "`n") -match [regex]::Escape($DriverFile)) {
        Say "Driver Verifier is checking $DriverFile"
        exit 0
    }
    Say "Driver Verifier is set for $DriverFile but not active yet: REBOOT NOW, then rerun"
    exit 3010
}
verifier.exe /standard /driver $DriverFile
$code = $LASTEXITCODE
# "Driver Verifier Command Syntax", Return Codes: 0 success, 1 error, 2 success and a reboot is
# needed. Trust the settings it wrote as well as the code.
$query = (verifier.exe /querysettings) -join "`n"
if (($code -notin 0, 2) -or ($query -notmatch [regex]::Escape($DriverFile))) { Fail "verifier /standard /driver $DriverFile did not take effect (exit $code); see verifier /querysettings" }
Say 'Driver Verifier enabled: REBOOT NOW, then run 5-selftest.ps1'
exit 3010
