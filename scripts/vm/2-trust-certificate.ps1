# Step 2: trust the package's test certificate (Root and TrustedPublisher). Idempotent.
# The Linux build's package holds handleguard.cer, the WDK flow's WDRLocalTestCert.cer.
param([string] $Package = "$PSScriptRoot\..\..\package", [string] $Certificate = '')
. "$PSScriptRoot\common.ps1"
Assert-Admin

if (-not $Certificate) {
    $Certificate = 'handleguard.cer', 'WDRLocalTestCert.cer' | ForEach-Object { Join-Path $Package $_ } | Where-Object { Test-Path $_ } | Select-Object -First 1
}
if (-not $Certificate -or -not (Test-Path $Certificate)) { Fail "no test certificate: neither handleguard.cer nor WDRLocalTestCert.cer in $Package (pass -Package or -Certificate)" }
$thumbprint = (New-Object System.Security.Cryptography.X509Certificates.X509Certificate2 (Resolve-Path $Certificate).Path).Thumbprint
foreach ($store in 'Root', 'TrustedPublisher') {
    if (Test-Path "Cert:\LocalMachine\$store\$thumbprint") {
        Say "certificate $thumbprint already in LocalMachine\$store"
    } else {
        Import-Certificate -FilePath $Certificate -CertStoreLocation "Cert:\LocalMachine\$store" | Out-Null
        Say "certificate $thumbprint added to LocalMachine\$store"
    }
}
exit 0
