# Step 2: trust the package's test certificate (Root and TrustedPublisher). Idempotent.
param([string] $Certificate = "$PSScriptRoot\..\..\package\handleguard.cer")
. "$PSScriptRoot\common.ps1"
Assert-Admin

if (-not (Test-Path $Certificate)) { Fail "no certificate at $Certificate (the WDK flow's is in the package folder; the Linux build's is package\handleguard.cer)" }
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
