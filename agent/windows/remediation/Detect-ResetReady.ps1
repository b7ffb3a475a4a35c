#Requires -Version 5.1
<#
.SYNOPSIS
    Intune Remediation detection script (run in system context, 64-bit): runs the installed
    ResetReady agent in Remediation mode. Exit 0 = report delivered ("no issue"),
    exit 1 = not delivered (Intune shows the agent's status line).

.NOTES
    Intune uploads one file per script, so this wrapper needs the agent installed by
    Install-ResetReadyAgent.ps1 (or a Win32 app / platform script). Without an install,
    upload ResetReady-Agent.ps1 itself as the detection script: it detects the Intune
    cache folder and runs in Remediation mode on its own.
#>
$agent = Join-Path $env:ProgramData 'ResetReady\ResetReady-Agent.ps1'
if (-not (Test-Path -LiteralPath $agent)) {
    Write-Output 'ResetReady FAIL agent not installed (%ProgramData%\ResetReady\ResetReady-Agent.ps1)'
    exit 1
}
# Remediation mode: no random delay (Intune runs Remediations one after another and stops a
# script after 60 minutes); the agent keeps its whole run inside its Remediation budget.
$output = & $agent -Mode remediation 2>&1
$code = $LASTEXITCODE
$last = @($output | ForEach-Object { [string]$_ } | Where-Object { $_ -match '\S' }) | Select-Object -Last 1
if (-not $last) { $last = 'ResetReady FAIL agent printed nothing' }
Write-Output $last
if ($code -eq 0) { exit 0 }
exit 1
