#Requires -Version 5.1
<#
.SYNOPSIS
    ResetReady second path (no upload): an Intune Remediation detection script that runs as
    the signed-in user ("Run this script using the logged-on credentials": Yes), reads its
    own `dsregcmd /status` and prints ONE compact JSON line (at most 2048 characters) that
    the ResetReady collector reads from Graph deviceRunStates.

.NOTES
    Detection only: always exit 0, so Intune never starts a remediation. Field list:
    docs/agent.md. CanReset and NgcSet are only valid in the user's own, non-elevated session.
#>
$ErrorActionPreference = 'Continue'
$MaxOutputChars = 2048
$MaxFieldChars = 200

function Get-Field([string[]]$Lines, [string]$Key) {
    # Split on the first colon; tolerate column drift, `Key:value` and a stray second colon.
    foreach ($line in $Lines) {
        if ($line -match ('^\s*' + [regex]::Escape($Key) + '\s*:\s*:?\s*(.*?)\s*$')) {
            $v = $Matches[1]
            if ($v -eq '') { return $null }
            if ($v.Length -gt $MaxFieldChars) { return $v.Substring(0, $MaxFieldChars) }
            return $v
        }
    }
    return $null
}

function ConvertTo-YesNo($Value) {
    if ($Value -eq 'YES') { return $true }
    if ($Value -eq 'NO') { return $false }
    return $null
}

$result = [ordered]@{
    v            = 1
    canReset     = $null
    ngcSet       = $null
    ngcKeyId     = $null
    aadJoined    = $null
    domainJoined = $null
    deviceId     = $null
    tenantId     = $null
    upn          = $null
    os           = $null
    ts           = [DateTime]::UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", [Globalization.CultureInfo]::InvariantCulture)
}

try {
    $sys = Join-Path $env:SystemRoot 'System32'
    if ([Environment]::Is64BitOperatingSystem -and -not [Environment]::Is64BitProcess) {
        $sys = Join-Path $env:SystemRoot 'Sysnative'
    }
    $lines = @(& (Join-Path $sys 'dsregcmd.exe') /status 2>&1 | ForEach-Object { [string]$_ })
    # Raw CanReset value, case kept: the service maps it (DestructiveOnly, NO, Unknown, ...).
    # Absent when NgcSet is NO: stays null, never defaulted.
    $result.canReset = Get-Field $lines 'CanReset'
    $result.ngcSet = ConvertTo-YesNo (Get-Field $lines 'NgcSet')
    $ngcKeyId = Get-Field $lines 'NgcKeyId'
    if ($ngcKeyId) { $result.ngcKeyId = $ngcKeyId.Trim('{', '}', ' ').ToLowerInvariant() }
    $result.aadJoined = ConvertTo-YesNo (Get-Field $lines 'AzureAdJoined')
    $result.domainJoined = ConvertTo-YesNo (Get-Field $lines 'DomainJoined')
    $deviceId = Get-Field $lines 'DeviceId'
    if ($deviceId) { $result.deviceId = $deviceId.ToLowerInvariant() }
    $tenantId = Get-Field $lines 'TenantId'
    if ($tenantId) { $result.tenantId = $tenantId.ToLowerInvariant() }
    $upn = (& (Join-Path $sys 'whoami.exe') /upn 2>$null | Out-String).Trim()
    if ($upn -match '^[^@\s]+@[^@\s]+$' -and $upn.Length -le $MaxFieldChars) { $result.upn = $upn }
    $cv = Get-ItemProperty -LiteralPath 'HKLM:\SOFTWARE\Microsoft\Windows NT\CurrentVersion'
    $ver = [Environment]::OSVersion.Version
    $result.os = '{0}.{1}.{2}.{3}' -f $ver.Major, $ver.Minor, $cv.CurrentBuildNumber, $cv.UBR
    if ($null -eq $result.ngcSet -and $null -eq $result.aadJoined) { $result.err = 'dsregcmd output not recognised' }
}
catch {
    $message = $_.Exception.Message -replace '[\r\n]+', ' '
    if ($message.Length -gt $MaxFieldChars) { $message = $message.Substring(0, $MaxFieldChars) }
    $result.err = $message
}

$json = ConvertTo-Json -InputObject $result -Compress
if ($json.Length -gt $MaxOutputChars) {
    # Cannot happen with the field caps above; keep the contract anyway.
    $json = ConvertTo-Json -InputObject ([ordered]@{ v = 1; err = 'output too long'; ts = $result.ts }) -Compress
}
Write-Output $json
exit 0
