#Requires -Version 5.1
#Requires -RunAsAdministrator
<#
.SYNOPSIS
    Installs the ResetReady agent: copies ResetReady-Agent.ps1 to %ProgramData%\ResetReady,
    writes agent.config.json (endpoint), and registers a scheduled task that runs it as
    SYSTEM daily and at startup.

.EXAMPLE
    .\Install-ResetReadyAgent.ps1 -EndpointUrl https://func-resetready-abc.azurewebsites.net/api/reports
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory = $true)]
    [ValidatePattern('^https://')]
    [string]$EndpointUrl,
    # Local time of the daily run; the task adds up to DailyRandomDelayHours on top.
    [string]$DailyAt = '10:00',
    [int]$DailyRandomDelayHours = 4,
    # Startup runs wait so that a user has signed in (their dsregcmd is what matters).
    [int]$StartupDelayMinutes = 15,
    [bool]$CollectPassportKeys = $true,
    [switch]$RunNow
)

$ErrorActionPreference = 'Stop'
$TaskPath = '\ResetReady\'
$TaskName = 'ResetReady Agent'
$InstallDir = Join-Path $env:ProgramData 'ResetReady'
$Source = Join-Path $PSScriptRoot 'ResetReady-Agent.ps1'
$Target = Join-Path $InstallDir 'ResetReady-Agent.ps1'

if (-not (Test-Path -LiteralPath $Source)) { throw "ResetReady-Agent.ps1 not found beside this script ($Source)" }

if (-not (Test-Path -LiteralPath $InstallDir)) { New-Item -ItemType Directory -Path $InstallDir -Force | Out-Null }
# SYSTEM and Administrators only: the script runs as SYSTEM, so nobody else may change it.
& icacls.exe $InstallDir /inheritance:r /grant:r '*S-1-5-18:(OI)(CI)F' '*S-1-5-32-544:(OI)(CI)F' | Out-Null
Copy-Item -LiteralPath $Source -Destination $Target -Force

$agentConfig = [ordered]@{ EndpointUrl = $EndpointUrl; CollectPassportKeys = [bool]$CollectPassportKeys }
$utf8 = New-Object System.Text.UTF8Encoding($false)
[IO.File]::WriteAllText((Join-Path $InstallDir 'agent.config.json'), (ConvertTo-Json -InputObject $agentConfig), $utf8)

$powershell = Join-Path $env:SystemRoot 'System32\WindowsPowerShell\v1.0\powershell.exe'
$action = New-ScheduledTaskAction -Execute $powershell `
    -Argument "-NoProfile -NonInteractive -ExecutionPolicy Bypass -WindowStyle Hidden -File `"$Target`" -Mode scheduled-task"
$daily = New-ScheduledTaskTrigger -Daily -At $DailyAt -RandomDelay (New-TimeSpan -Hours $DailyRandomDelayHours)
$startup = New-ScheduledTaskTrigger -AtStartup
$startup.Delay = 'PT{0}M' -f $StartupDelayMinutes
$principal = New-ScheduledTaskPrincipal -UserId 'NT AUTHORITY\SYSTEM' -LogonType ServiceAccount -RunLevel Highest
$settings = New-ScheduledTaskSettingsSet -AllowStartIfOnBatteries -DontStopIfGoingOnBatteries -StartWhenAvailable `
    -MultipleInstances IgnoreNew -ExecutionTimeLimit (New-TimeSpan -Hours 1)
Register-ScheduledTask -TaskName $TaskName -TaskPath $TaskPath -Action $action -Trigger @($daily, $startup) `
    -Principal $principal -Settings $settings -Description 'Uploads Windows Hello for Business PIN reset readiness (ResetReady).' `
    -Force | Out-Null

if ($RunNow) { Start-ScheduledTask -TaskName $TaskName -TaskPath $TaskPath }
Write-Output "ResetReady agent installed in $InstallDir (task $TaskPath$TaskName)"
