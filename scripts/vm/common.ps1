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

# The oemNN.inf name pnputil gave the staged handleguard package, or $null.
function Get-StagedInf {
    $current = $null
    foreach ($line in (pnputil.exe /enum-drivers)) {
        if ($line -match '^\s*Published Name\s*:\s*(oem\d+\.inf)') { $current = $Matches[1] }
        elseif ($line -match '^\s*Original Name\s*:\s*(handleguard\.inf|driver\.inf)\s*$' -and $current) { return $current }
    }
    return $null
}
