#Requires -Version 5.1
#Requires -RunAsAdministrator
<#
.SYNOPSIS
    Removes the ResetReady agent: its scheduled task, leftover per-user probe tasks, the
    user probe script in %ProgramFiles%\ResetReady, and %ProgramData%\ResetReady (unless
    -KeepSpool, which keeps unsent reports).
#>
[CmdletBinding()]
param([switch]$KeepSpool)

$ErrorActionPreference = 'Stop'
$TaskPath = '\ResetReady\'
$InstallDir = Join-Path $env:ProgramData 'ResetReady'
$ProgramFilesDir = if ($env:ProgramW6432) { $env:ProgramW6432 } else { $env:ProgramFiles }
$ProbeDir = Join-Path $ProgramFilesDir 'ResetReady'

# The agent's own task and any one-shot user probe a killed run left behind.
Get-ScheduledTask -TaskPath $TaskPath -ErrorAction SilentlyContinue |
    Unregister-ScheduledTask -Confirm:$false -ErrorAction SilentlyContinue

Get-ChildItem -LiteralPath (Join-Path $env:SystemRoot 'Temp') -Directory -Filter 'ResetReady-*' -ErrorAction SilentlyContinue |
    Remove-Item -Recurse -Force -ErrorAction SilentlyContinue

if (Test-Path -LiteralPath $ProbeDir) { Remove-Item -LiteralPath $ProbeDir -Recurse -Force }

if (Test-Path -LiteralPath $InstallDir) {
    if ($KeepSpool) {
        Get-ChildItem -LiteralPath $InstallDir -File | Remove-Item -Force
    }
    else {
        Remove-Item -LiteralPath $InstallDir -Recurse -Force
    }
}
Write-Output 'ResetReady agent removed'
