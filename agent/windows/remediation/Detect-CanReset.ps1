#Requires -Version 5.1
<#
.SYNOPSIS
    ResetReady second path (no upload): an Intune Remediation detection script that runs as
    the signed-in user ("Run this script using the logged-on credentials": Yes), reads its
    own `dsregcmd /status` and the registry evidence of report schema v2, and prints ONE
    compact JSON line (at most 2048 characters) that the ResetReady collector reads from
    Graph deviceRunStates.

.NOTES
    Detection only: always exit 0, so Intune never starts a remediation. Field list:
    docs/agent.md (and shared/remediation/output.ts, which decodes it). CanReset and NgcSet
    are only valid in the user's own, non-elevated session. Registry reads a standard user
    cannot make leave that group out ("not reported"); a value that does not exist is null.
#>
$ErrorActionPreference = 'Continue'
# Windows PowerShell 5.1 can serialise arrays as {"value":[...],"Count":n} because of an extra
# System.Array type-data entry; removing it keeps arrays plain JSON arrays.
Remove-TypeData -TypeName System.Array -ErrorAction SilentlyContinue
$MaxOutputChars = 2048
$MaxFieldChars = 200

function Get-Field([string[]]$Lines, [string]$Key, [string]$Section) {
    # Split on the first colon; tolerate column drift, `Key:value` and a stray second colon.
    # With -Section, only lines under that section banner count.
    $current = ''
    foreach ($line in $Lines) {
        if ($line -match '^\s*\|\s*(.*?)\s*\|\s*$') { $current = $Matches[1]; continue }
        if ($Section -and $current -ne $Section) { continue }
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

function Open-Key([string]$Path) {
    # 'HKLM:\...' or 'HKCU:\...' through the 64-bit view: Intune runs this script in 32-bit
    # PowerShell unless told otherwise, which would read WOW6432Node copies. Null when absent;
    # access denied throws.
    $hive = if ($Path.StartsWith('HKCU:')) { [Microsoft.Win32.RegistryHive]::CurrentUser } else { [Microsoft.Win32.RegistryHive]::LocalMachine }
    $base = [Microsoft.Win32.RegistryKey]::OpenBaseKey($hive, [Microsoft.Win32.RegistryView]::Registry64)
    try { return $base.OpenSubKey($Path.Substring(6), $false) } finally { $base.Dispose() }
}

function Get-RegValue([string]$Path, [string]$Name) {
    # The value, or null when the key or value does not exist.
    $key = Open-Key $Path
    if (-not $key) { return $null }
    try { return $key.GetValue($Name, $null, [Microsoft.Win32.RegistryValueOptions]::DoNotExpandEnvironmentNames) }
    finally { $key.Dispose() }
}

function Get-ValueCount($Key) {
    # Values of the key and of its subkeys (PINComplexity, ...): any Group Policy value masks MDM.
    $count = @($Key.GetValueNames() | Where-Object { $_ -ne '' }).Count
    foreach ($name in $Key.GetSubKeyNames()) {
        $sub = $Key.OpenSubKey($name, $false)
        if ($sub) { try { $count += Get-ValueCount $sub } finally { $sub.Dispose() } }
    }
    return $count
}

function Get-Dword([string]$Path, [string]$Name) {
    $v = Get-RegValue $Path $Name
    if ($v -is [int]) { return [BitConverter]::ToUInt32([BitConverter]::GetBytes([int32]$v), 0) }
    return $null
}

function Get-Text([string]$Path, [string]$Name) {
    $v = Get-RegValue $Path $Name
    if ($v -is [string]) { return $v }
    return $null
}

function Get-PolicyKey([string]$Path, [string]$HelloName) {
    # Compact PassportForWork key: null when absent, else
    # [value count, EnablePinRecovery, Enabled|UsePassportForWork, UseCloudTrustForOnPremAuth, UseCertificateForOnPremAuth].
    $key = Open-Key $Path
    if (-not $key) { return $null }
    try { $count = Get-ValueCount $key } finally { $key.Dispose() }
    # Under the MDM key Windows Hello is UsePassportForWork (the CSP node name); one Microsoft
    # support blog names it Enabled there too, so that is the fallback.
    $hello = Get-Dword $Path $HelloName
    if ($null -eq $hello) { $hello = Get-Dword $Path 'Enabled' }
    return , @(
        $count,
        (Get-Dword $Path 'EnablePinRecovery'),
        $hello,
        (Get-Dword $Path 'UseCloudTrustForOnPremAuth'),
        (Get-Dword $Path 'UseCertificateForOnPremAuth')
    )
}

$result = [ordered]@{
    v            = 2
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
    # Trust model signals: SSO State OnPremTgt, the Ngc Prerequisite Check's OnPremTGT (CloudTGT
    # before Windows 11 23H2) and CertEnrollment. The SSO State's CloudTgt is about cloud resources.
    $ngcTgt = Get-Field $lines 'OnPremTGT' 'Ngc Prerequisite Check'
    if ($null -eq $ngcTgt) { $ngcTgt = Get-Field $lines 'CloudTGT' 'Ngc Prerequisite Check' }
    $result.t = @(
        (ConvertTo-YesNo (Get-Field $lines 'OnPremTgt' 'SSO State')),
        (ConvertTo-YesNo $ngcTgt),
        (Get-Field $lines 'CertEnrollment' 'Ngc Prerequisite Check')
    )
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

# Registry evidence, each group on its own: what this user may not read is left out.
$e = [ordered]@{}
$pfw = 'HKLM:\SOFTWARE\Microsoft\Policies\PassportForWork'
$system = 'HKLM:\SOFTWARE\Microsoft\Windows\CurrentVersion\Policies\System'
try {
    $pg = Get-PolicyKey 'HKLM:\SOFTWARE\Policies\Microsoft\PassportForWork' 'Enabled'
    $pm = if ($result.tenantId) { Get-PolicyKey ('{0}\{1}\Device\Policies' -f $pfw, $result.tenantId) 'UsePassportForWork' } else { $null }
    $e.pg = $pg
    $e.pm = $pm
}
catch { }
try {
    $sid = [Security.Principal.WindowsIdentity]::GetCurrent().User.Value
    $ug = Get-PolicyKey 'HKCU:\SOFTWARE\Policies\Microsoft\PassportForWork' 'Enabled'
    $um = if ($result.tenantId) { Get-PolicyKey ('{0}\{1}\{2}\Policies' -f $pfw, $result.tenantId, $sid) 'UsePassportForWork' } else { $null }
    $e.ug = $ug
    $e.um = $um
}
catch { }
try {
    $cvPath = 'HKLM:\SOFTWARE\Microsoft\Windows NT\CurrentVersion'
    $build = Get-Text $cvPath 'CurrentBuild'
    if (-not $build) { $build = Get-Text $cvPath 'CurrentBuildNumber' }
    $e.w = @((Get-Text $cvPath 'EditionID'), (Get-Text $cvPath 'ProductName'), $build,
        (Get-Dword $cvPath 'UBR'), (Get-Text $cvPath 'DisplayVersion'), (Get-Text $cvPath 'InstallationType'))
}
catch { }
try { $e.ws = Get-Text 'HKLM:\SOFTWARE\Microsoft\PolicyManager\current\device\Authentication' 'ConfigureWebSignInAllowedUrls' } catch { }
try {
    $e.l = @(
        (Get-Dword 'HKLM:\SOFTWARE\Policies\Microsoft\Windows\Personalization' 'NoLockScreen'),
        (Get-Dword $system 'DontDisplayLastUserName'),
        (Get-Dword $system 'HideFastUserSwitching'),
        (Get-Dword 'HKLM:\SOFTWARE\Policies\Microsoft\Windows\Appx' 'BlockNonAdminUserInstall'),
        (Get-Dword 'HKLM:\SOFTWARE\Microsoft\PolicyManager\current\device\ApplicationManagement' 'BlockNonAdminUserInstall'),
        (Get-Dword $system 'scforceoption'),
        (Get-Dword $system 'EnableLUA'),
        (Get-Dword 'HKLM:\SOFTWARE\Policies\Microsoft\Windows\System' 'DisableLockScreenAppNotifications'),
        (Get-Dword $system 'DisableCAD'),
        (Get-Text 'HKLM:\SOFTWARE\Microsoft\Windows NT\CurrentVersion\Winlogon' 'Shell')
    )
    # Third-party credential providers: DLL not signed by Microsoft, not disabled.
    $providers = New-Object System.Collections.Generic.List[object]
    $cpRoot = 'HKLM:\SOFTWARE\Microsoft\Windows\CurrentVersion\Authentication\Credential Providers'
    $excluded = Get-Text 'HKLM:\SOFTWARE\Policies\Microsoft\Windows\System' 'ExcludedCredentialProviders'
    $root = Open-Key $cpRoot
    $clsids = @()
    if ($root) { try { $clsids = $root.GetSubKeyNames() } finally { $root.Dispose() } }
    foreach ($clsid in $clsids) {
        if ($clsid -notmatch '^\{[0-9A-Fa-f-]{36}\}$') { continue }
        if ($excluded -and $excluded.ToLowerInvariant().Contains($clsid.ToLowerInvariant())) { continue }
        if ((Get-RegValue ('{0}\{1}' -f $cpRoot, $clsid) 'Disabled') -eq 1) { continue }
        $dll = Get-Text ('HKLM:\SOFTWARE\Classes\CLSID\{0}\InprocServer32' -f $clsid) ''
        if (-not $dll) { continue }
        $dll = [Environment]::ExpandEnvironmentVariables($dll.Trim('"'))
        if (-not (Test-Path -LiteralPath $dll)) { continue }
        $signature = Get-AuthenticodeSignature -LiteralPath $dll
        if ($signature.Status -eq 'Valid' -and $signature.SignerCertificate.Subject -match 'O=Microsoft Corporation') { continue }
        $name = [string](Get-Text ('{0}\{1}' -f $cpRoot, $clsid) '')
        if ($name.Length -gt 60) { $name = $name.Substring(0, 60) }
        $providers.Add(@($clsid, $(if ($name) { $name } else { $null }), [IO.Path]::GetFileName($dll)))
        if ($providers.Count -ge 8) { break }
    }
    $e.cp = $providers.ToArray()
}
catch { $e.Remove('l'); $e.Remove('cp') }
try {
    $e.lu = @(
        (Get-Dword 'HKCU:\SOFTWARE\Policies\Microsoft\Windows\CurrentVersion\PushNotifications' 'NoToastApplicationNotificationOnLockScreen'),
        (Get-Dword 'HKCU:\SOFTWARE\Microsoft\Windows\CurrentVersion\Notifications\Settings' 'NOC_GLOBAL_SETTING_ALLOW_TOASTS_ABOVE_LOCK'),
        (Get-Text 'HKCU:\SOFTWARE\Microsoft\Windows\CurrentVersion\Policies\System' 'Shell')
    )
}
catch { }
$result.e = $e

$json = ConvertTo-Json -InputObject $result -Compress -Depth 6
# Over Intune's limit: leave out the least needed groups first (each then reads "not reported").
foreach ($group in @('cp', 'ws', 'w', 'lu', 'l')) {
    if ($json.Length -le $MaxOutputChars) { break }
    if ($group -eq 'l') { $e.Remove('cp') }
    $e.Remove($group)
    $json = ConvertTo-Json -InputObject $result -Compress -Depth 6
}
if ($json.Length -gt $MaxOutputChars) {
    # Cannot happen with the field caps above; keep the contract anyway.
    $json = ConvertTo-Json -InputObject ([ordered]@{ v = 2; err = 'output too long'; ts = $result.ts }) -Compress
}
Write-Output $json
exit 0
