# Shared helpers for the handleguard VM scripts. Dot-source it: . "$PSScriptRoot\common.ps1"
# NOT RUN in this repository's CI (no Windows there); see docs/windows.md.
Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'

$ServiceName = 'handleguard'
$DriverFile  = 'handleguard.sys'
# When 3-install.ps1 first installed the driver: bug checks before it are not ours.
$InstalledAtFile = "$PSScriptRoot\installed-at.txt"

function Say([string] $Message) { Write-Host "handleguard: $Message" }
function Fail([string] $Message, [int] $Code = 1) { Write-Host "handleguard: FAIL: $Message" -ForegroundColor Red; exit $Code }

function Assert-Admin {
    $principal = [Security.Principal.WindowsPrincipal] [Security.Principal.WindowsIdentity]::GetCurrent()
    if (-not $principal.IsInRole([Security.Principal.WindowsBuiltInRole]::Administrator)) {
        Fail 'run this from an elevated PowerShell (Run as administrator)'
    }
}

function Get-ServiceState {
    $service = Get-Service -Name $ServiceName -ErrorAction SilentlyContinue
    if ($null -eq $service) { return 'missing' }
    return [string] $service.Status
}

# The oemNN.inf name pnputil gave the staged handleguard package, or $null. pnputil /enum-drivers
# prints one block per package: Published Name (oemNN.inf), Original Name, Provider Name, ...
# Both the original name and driver.inf's Provider must match: driver.inf is a common name, and
# 6-uninstall.ps1 deletes what this returns. English output only (docs/windows.md).
$ProviderName = 'handleguard project'
function Get-StagedInf {
    $published = $null
    $original = $null
    foreach ($line in (pnputil.exe /enum-drivers)) {
        if ($line -match '^\s*Published Name\s*:\s*(oem\d+\.inf)\s*$') { $published = $Matches[1]; $original = $null }
        elseif ($line -match '^\s*Original Name\s*:\s*(\S+)\s*$') { $original = $Matches[1] }
        elseif ($line -match '^\s*Provider Name\s*:\s*(.+?)\s*$') {
            if ($published -and ($original -in 'handleguard.inf', 'driver.inf') -and ($Matches[1] -eq $ProviderName)) { return $published }
        }
    }
    return $null
}
