#Requires -Version 5.1
<#
.SYNOPSIS
    ResetReady agent: uploads, signed with the Entra device key, the raw `dsregcmd /status`
    of SYSTEM and of every signed-in user, so the service can tell per user whether a
    forgotten Windows Hello for Business PIN can be reset without a wipe (CanReset).

.DESCRIPTION
    Runs as SYSTEM (scheduled task, or Intune Remediation in system context): only SYSTEM
    can use the device key. CanReset/NgcSet are only valid in the user's own session, so
    each signed-in user's dsregcmd runs through a one-shot scheduled task with that user (by
    SID) as principal, running a probe script FILE (never -EncodedCommand). It also reads the
    registry evidence of report schema v2 (Windows Hello policy from Group Policy and MDM,
    Windows edition, web sign-in allowed URLs, lock-screen settings) for the device and each
    signed-in user. Uploads go through the system proxy (WinHTTP, else WinINet) with the
    machine's default credentials. Protocol: docs/agent-protocol.md.

    Prints ONE status line; exit 0 = report delivered, 1 = not delivered (spooled, or an
    error). Never prints the report body, the signature or the certificate.

.PARAMETER Mode
    scheduled-task | remediation | auto (default: remediation when Intune runs the script
    from its IMECache, else scheduled-task). Only recorded in the report.

.PARAMETER NoDelay
    Skip the random start delay (testing, or a run started by hand). Remediation mode never
    waits: Intune runs a device's Remediations one after another and stops a script after
    60 minutes.

.PARAMETER EndpointUrl
    Overrides the configured endpoint (testing against a local host).
#>
[CmdletBinding()]
param(
    [ValidateSet('auto', 'scheduled-task', 'remediation')]
    [string]$Mode = 'auto',
    [switch]$NoDelay,
    [string]$EndpointUrl
)

# ---------------------------------------------------------------------------------------
# Configuration. Install-ResetReadyAgent.ps1 can override any key with
# %ProgramData%\ResetReady\agent.config.json (same names), so this file stays unedited.
# ---------------------------------------------------------------------------------------
$Config = @{
    EndpointUrl             = 'https://YOUR-FUNCTION-APP.azurewebsites.net/api/reports'
    SpoolFolder             = (Join-Path $env:ProgramData 'ResetReady\Spool')
    MaxRandomDelaySeconds   = 1800    # spreads a fleet's uploads over 30 minutes
    MaxAttempts             = 4       # per report, each with a fresh timestamp and nonce
    BaseBackoffSeconds      = 10      # 10, 20, 40 ... plus jitter
    MaxBackoffSeconds       = 300
    MaxRetryAfterSeconds    = 900     # a longer 429 Retry-After: spool and try next run
    MaxSpoolFiles           = 20      # oldest spooled reports are dropped beyond this
    CollectPassportKeys     = $true   # certutil Passport KSP key listing per user
    UserProbeTimeoutSeconds = 120
    HttpTimeoutSeconds      = 60
    CollectEvidence         = $true   # registry evidence (report schema v2)
    # '' = the system proxy (WinHTTP default proxy, else the WinINet settings of SYSTEM, PAC
    # included), 'direct' = none, or a proxy URL such as http://proxy.contoso.com:8080.
    ProxyUrl                = ''
    # Remediation mode: the whole run must end well inside Intune's 60-minute limit.
    RemediationBudgetSeconds = 1500
}
$AgentVersion = '2.0.0'

# Canonical string of protocol v1, one entry per line (joined by "`n", no trailing newline).
# Literal entries are sent as is; {name} entries are replaced by the request's values.
# Must mirror CANONICAL_LINES in shared/trust/canonical.ts (test/unit/powershell-parse.test.ts).
$CanonicalFormat = @('RESETREADY-V1', '{method}', '{path}', '{deviceId}', '{timestamp}', '{nonce}', '{bodySha256Hex}')

$MaxUsers = 16
$MaxRawTextBytes = 65536
$MaxRegistryValues = 64       # per key, as report-schema.json allows
$MaxRegistryString = 4096
$MaxTenantKeys = 8
$MaxCredentialProviders = 32
# Program Files: only administrators may write there, and default AppLocker/WDAC script rules
# trust it. (ProgramW6432 is the 64-bit folder even from a 32-bit host.)
$ProgramFilesDir = if ($env:ProgramW6432) { $env:ProgramW6432 } else { $env:ProgramFiles }
$ProbeScriptPath = Join-Path $ProgramFilesDir 'ResetReady\ResetReady-UserProbe.ps1'
$script:Deadline = [DateTime]::MaxValue
$MaxBodyBytes = 262144    # the service answers 413 above 256 KiB
$ErrorActionPreference = 'Stop'
$Utf8 = New-Object System.Text.UTF8Encoding($false)
# Windows PowerShell 5.1 can serialise arrays as {"value":[...],"Count":n} because of an
# extra System.Array type-data entry; removing it keeps arrays plain JSON arrays.
Remove-TypeData -TypeName System.Array -ErrorAction SilentlyContinue

# ---------------------------------------------------------------------------------------
# Small helpers
# ---------------------------------------------------------------------------------------

$script:StatusLine = 'ResetReady FAIL no status'
$script:ProxySource = 'direct'
function Write-Status([string]$Text) {
    # Kept, not printed: the script prints exactly one line at the very end (Intune shows
    # the last line of output), and function output must not mix into return values.
    $script:StatusLine = 'ResetReady ' + $Text
}

function Get-System32Path([string]$Exe) {
    # A 32-bit host (Remediation "run in 64-bit" off) sees SysWOW64 as System32.
    if ([Environment]::Is64BitOperatingSystem -and -not [Environment]::Is64BitProcess) {
        return (Join-Path $env:SystemRoot "Sysnative\$Exe")
    }
    return (Join-Path $env:SystemRoot "System32\$Exe")
}

function Get-UtcTimestamp {
    return [DateTime]::UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", [Globalization.CultureInfo]::InvariantCulture)
}

function ConvertTo-Base64Url([byte[]]$Bytes) {
    return [Convert]::ToBase64String($Bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_')
}

function New-Nonce {
    $bytes = New-Object byte[] 24
    $rng = [Security.Cryptography.RandomNumberGenerator]::Create()
    try { $rng.GetBytes($bytes) } finally { $rng.Dispose() }
    return (ConvertTo-Base64Url $bytes)
}

function Get-Sha256Hex([byte[]]$Bytes) {
    $sha = [Security.Cryptography.SHA256]::Create()
    try { $hash = $sha.ComputeHash($Bytes) } finally { $sha.Dispose() }
    return (-join ($hash | ForEach-Object { $_.ToString('x2') }))
}

function Limit-RawText($Text, [switch]$DropIfTooLong) {
    # Untyped on purpose: a [string] parameter turns $null into ''.
    # The service refuses raw text over 64 KiB (UTF-8). dsregcmd is a few KiB; a huge key
    # listing is dropped rather than cut, since a cut listing would mislead.
    if ($null -eq $Text) { return $null }
    if ($Utf8.GetByteCount($Text) -le $MaxRawTextBytes) { return $Text }
    if ($DropIfTooLong) { return $null }
    $t = $Text
    while ($Utf8.GetByteCount($t) -gt $MaxRawTextBytes) { $t = $t.Substring(0, [int]($t.Length * 0.9)) }
    return $t
}

function Import-AgentConfig {
    $path = Join-Path $env:ProgramData 'ResetReady\agent.config.json'
    if (Test-Path -LiteralPath $path) {
        $overrides = Get-Content -LiteralPath $path -Raw | ConvertFrom-Json
        foreach ($p in $overrides.PSObject.Properties) {
            if ($Config.ContainsKey($p.Name)) { $Config[$p.Name] = $p.Value }
        }
    }
    if ($EndpointUrl) { $Config.EndpointUrl = $EndpointUrl }
}

function Resolve-Mode {
    if ($Mode -ne 'auto') { return $Mode }
    # Intune runs Remediation scripts from its IMECache\HealthScripts folder.
    if ($PSCommandPath -and $PSCommandPath -match '\\IMECache\\') { return 'remediation' }
    return 'scheduled-task'
}

# ---------------------------------------------------------------------------------------
# Collection
# ---------------------------------------------------------------------------------------

function Invoke-Dsregcmd {
    $exe = Get-System32Path 'dsregcmd.exe'
    return (& $exe /status 2>&1 | Out-String)
}

function Get-InteractiveUser {
    # Every interactive session (console, RDP, Cloud PC) runs an explorer.exe owned by its user.
    $bySid = @{}
    $processes = @(Get-CimInstance -ClassName Win32_Process -Filter "Name='explorer.exe'" -ErrorAction SilentlyContinue)
    foreach ($p in $processes) {
        $owner = Invoke-CimMethod -InputObject $p -MethodName GetOwner -ErrorAction SilentlyContinue
        $ownerSid = Invoke-CimMethod -InputObject $p -MethodName GetOwnerSid -ErrorAction SilentlyContinue
        if (-not $owner -or $owner.ReturnValue -ne 0 -or -not $ownerSid -or -not $ownerSid.Sid) { continue }
        $sid = [string]$ownerSid.Sid
        # Domain/local accounts (S-1-5-21) and Entra accounts (S-1-12-1) only.
        if ($sid -notmatch '^S-1-(5-21|12-1)-') { continue }
        if ($bySid.ContainsKey($sid)) { continue }
        $bySid[$sid] = [pscustomobject]@{ Sid = $sid; Account = ('{0}\{1}' -f $owner.Domain, $owner.User) }
    }
    return @($bySid.Values | Sort-Object -Property Sid | Select-Object -First $MaxUsers)
}

# Runs in the user's session (task principal = the user's SID, not elevated), as a script
# FILE: no -EncodedCommand, which EDR products flag as an attack technique and which, where
# Constrained Language Mode is enforced, runs constrained anyway. The probe uses cmdlets and
# native tools only (no .NET calls), so it works under Constrained Language Mode too. It
# writes UTF-8 files into the folder it is given, then 'done' last.
$UserProbeScript = @'
param([Parameter(Mandatory = $true)][string]$OutDir, [switch]$PassportKeys)
$ErrorActionPreference = 'Continue'
$sys = Join-Path $env:SystemRoot 'System32'
& (Join-Path $sys 'dsregcmd.exe') /status 2>&1 | Out-String |
    Set-Content -LiteralPath (Join-Path $OutDir 'dsregcmd.txt') -Encoding UTF8
& (Join-Path $sys 'whoami.exe') /upn 2>$null | Out-String |
    Set-Content -LiteralPath (Join-Path $OutDir 'upn.txt') -Encoding UTF8
if ($PassportKeys) {
    & (Join-Path $sys 'certutil.exe') -csp 'Microsoft Passport Key Storage Provider' -key 2>&1 | Out-String |
        Set-Content -LiteralPath (Join-Path $OutDir 'keys.txt') -Encoding UTF8
}
Set-Content -LiteralPath (Join-Path $OutDir 'done') -Value 'ok' -Encoding UTF8
'@

function Install-UserProbe {
    # The probe lives where only administrators can write, so a user cannot swap the script
    # that runs under their name; users may read and run it. Rewritten only when it changed.
    $dir = Split-Path -Parent $ProbeScriptPath
    if (-not (Test-Path -LiteralPath $dir)) { New-Item -ItemType Directory -Path $dir -Force | Out-Null }
    & icacls.exe $dir /inheritance:r /grant:r '*S-1-5-18:(OI)(CI)F' '*S-1-5-32-544:(OI)(CI)F' '*S-1-5-32-545:(OI)(CI)RX' | Out-Null
    $current = if (Test-Path -LiteralPath $ProbeScriptPath) { [IO.File]::ReadAllText($ProbeScriptPath, $Utf8) } else { $null }
    if ($current -ne $UserProbeScript) { [IO.File]::WriteAllText($ProbeScriptPath, $UserProbeScript, $Utf8) }
}

function Read-ProbeFile([string]$Dir, [string]$Name) {
    $path = Join-Path $Dir $Name
    if (-not (Test-Path -LiteralPath $path)) { return $null }
    # Detects and drops the BOM that Set-Content -Encoding UTF8 writes in Windows PowerShell.
    return [IO.File]::ReadAllText($path, $Utf8)
}

function Invoke-UserProbe($User) {
    $id = [guid]::NewGuid().ToString('N')
    $dir = Join-Path $env:SystemRoot "Temp\ResetReady-$id"
    $taskPath = '\ResetReady\'
    $taskName = "UserProbe-$id"
    New-Item -ItemType Directory -Path $dir -Force | Out-Null
    try {
        # Only SYSTEM, Administrators and this user may touch the results.
        & icacls.exe $dir /inheritance:r /grant:r '*S-1-5-18:(OI)(CI)F' '*S-1-5-32-544:(OI)(CI)F' "*$($User.Sid):(OI)(CI)M" | Out-Null
        $arguments = '-NoProfile -NonInteractive -ExecutionPolicy Bypass -WindowStyle Hidden -File "{0}" -OutDir "{1}"' -f $ProbeScriptPath, $dir
        if ($Config.CollectPassportKeys) { $arguments += ' -PassportKeys' }
        $action = New-ScheduledTaskAction -Execute (Get-System32Path 'WindowsPowerShell\v1.0\powershell.exe') -Argument $arguments
        # Interactive + Limited: runs in the user's own session, not elevated, so User State is
        # valid. The principal is the SID: account names of Entra users (AzureAD\...) and
        # renamed accounts do not always resolve, a SID always names exactly this user.
        $principal = New-ScheduledTaskPrincipal -UserId $User.Sid -LogonType Interactive -RunLevel Limited
        $settings = New-ScheduledTaskSettingsSet -AllowStartIfOnBatteries -DontStopIfGoingOnBatteries -Hidden `
            -ExecutionTimeLimit (New-TimeSpan -Seconds $Config.UserProbeTimeoutSeconds)
        Register-ScheduledTask -TaskName $taskName -TaskPath $taskPath -Action $action -Principal $principal `
            -Settings $settings -Force | Out-Null
        Start-ScheduledTask -TaskName $taskName -TaskPath $taskPath
        $done = Join-Path $dir 'done'
        $deadline = [DateTime]::UtcNow.AddSeconds($Config.UserProbeTimeoutSeconds)
        while (-not (Test-Path -LiteralPath $done) -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 500 }
        if (-not (Test-Path -LiteralPath $done)) { return $null }
        $dsreg = Read-ProbeFile $dir 'dsregcmd.txt'
        if (-not $dsreg) { return $null }
        $upn = Read-ProbeFile $dir 'upn.txt'
        if ($upn) { $upn = $upn.Trim() }
        if (-not $upn -or $upn -notmatch '^[^@\s]+@[^@\s]+$') { $upn = $null }
        return [ordered]@{
            upn          = $upn
            sid          = $User.Sid
            dsregcmd     = (Limit-RawText $dsreg)
            passportKeys = (Limit-RawText (Read-ProbeFile $dir 'keys.txt') -DropIfTooLong)
        }
    }
    finally {
        Unregister-ScheduledTask -TaskName $taskName -TaskPath $taskPath -Confirm:$false -ErrorAction SilentlyContinue
        Remove-Item -LiteralPath $dir -Recurse -Force -ErrorAction SilentlyContinue
    }
}

function Get-DsregValue([string]$Text, [string]$Key) {
    # Same tolerance as the server parser: key, optional spaces, first colon, value.
    foreach ($line in ($Text -split "`r?`n")) {
        if ($line -match ('^\s*' + [regex]::Escape($Key) + '\s*:\s*:?\s*(.*?)\s*$')) { return $Matches[1] }
    }
    return $null
}

function Find-DeviceCertificate([string]$SystemDsreg) {
    # Physical devices: the JoinInfo child key is the certificate thumbprint.
    $joinInfo = 'HKLM:\SYSTEM\CurrentControlSet\Control\CloudDomainJoin\JoinInfo'
    if (Test-Path -LiteralPath $joinInfo) {
        foreach ($key in @(Get-ChildItem -LiteralPath $joinInfo -ErrorAction SilentlyContinue)) {
            if ($key.PSChildName -match '^[0-9A-Fa-f]{40}$') {
                $cert = Get-Item -LiteralPath ("Cert:\LocalMachine\My\" + $key.PSChildName) -ErrorAction SilentlyContinue
                if ($cert -and $cert.HasPrivateKey) { return $cert }
            }
        }
    }
    # Cloud PCs: the child key is a GUID. Take the certificate whose subject CN is the device ID.
    $deviceId = Get-DsregValue $SystemDsreg 'DeviceId'
    if (-not $deviceId -or $deviceId -notmatch '^[0-9A-Fa-f-]{36}$') { return $null }
    $subject = 'CN=' + $deviceId
    $candidates = @(Get-ChildItem -LiteralPath 'Cert:\LocalMachine\My' |
            Where-Object { $_.HasPrivateKey -and $_.Subject -ieq $subject -and $_.NotAfter -gt [DateTime]::Now } |
            Sort-Object -Property NotAfter -Descending)
    if ($candidates.Count -gt 0) { return $candidates[0] }
    return $null
}

function Get-DeviceIdFromCertificate($Cert) {
    if ($Cert.Subject -match '^CN=([0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12})$') {
        return $Matches[1].ToLowerInvariant()
    }
    return $null
}

function Get-IntuneDeviceId {
    # The Intune MDM device certificate's subject CN is the Intune device ID.
    $cert = @(Get-ChildItem -LiteralPath 'Cert:\LocalMachine\My' -ErrorAction SilentlyContinue |
            Where-Object { $_.Issuer -match 'Microsoft Intune MDM Device CA' } |
            Sort-Object -Property NotAfter -Descending) | Select-Object -First 1
    if ($cert -and $cert.Subject -match '^CN=([0-9A-Fa-f-]{36})$') { return $Matches[1].ToLowerInvariant() }
    return $null
}

function Get-OsVersion {
    $cv = Get-ItemProperty -LiteralPath 'HKLM:\SOFTWARE\Microsoft\Windows NT\CurrentVersion'
    $v = [Environment]::OSVersion.Version
    return ('{0}.{1}.{2}.{3}' -f $v.Major, $v.Minor, $cv.CurrentBuildNumber, $cv.UBR)
}

# ---------------------------------------------------------------------------------------
# Registry evidence (report schema v2, shared/ingest/report-schema.json). Raw values only:
# the service decides what they mean. A group that cannot be read is left out ("not
# reported"); a value that does not exist is sent as null.
# ---------------------------------------------------------------------------------------

function Open-RegistryKey([string]$Hive, [string]$Path) {
    # The 64-bit view: a 32-bit host (Remediation "run in 64-bit" off) would otherwise read the
    # WOW6432Node copies of HKLM\SOFTWARE.
    $root = if ($Hive -eq 'HKU') { [Microsoft.Win32.RegistryHive]::Users } else { [Microsoft.Win32.RegistryHive]::LocalMachine }
    $base = [Microsoft.Win32.RegistryKey]::OpenBaseKey($root, [Microsoft.Win32.RegistryView]::Registry64)
    try { return $base.OpenSubKey($Path, $false) } finally { $base.Dispose() }
}

function ConvertFrom-RegistryValue($Key, [string]$Name) {
    # DWORD/QWORD as numbers, SZ/EXPAND_SZ unexpanded, MULTI_SZ as a list; binary is left out.
    $kind = $Key.GetValueKind($Name)
    $data = $Key.GetValue($Name, $null, [Microsoft.Win32.RegistryValueOptions]::DoNotExpandEnvironmentNames)
    switch ($kind) {
        'DWord' { return [BitConverter]::ToUInt32([BitConverter]::GetBytes([int32]$data), 0) }
        'QWord' { return [int64]$data }
        'String' { if ($data.Length -le $MaxRegistryString) { return [string]$data } }
        'ExpandString' { if ($data.Length -le $MaxRegistryString) { return [string]$data } }
        'MultiString' {
            $list = @($data | Where-Object { $_.Length -le $MaxRegistryString } | Select-Object -First 64)
            return , ([string[]]$list)
        }
    }
    return $null
}

function Add-RegistryValue($Key, [string]$Prefix, $Values, [ref]$Truncated, [int]$Depth) {
    foreach ($name in $Key.GetValueNames()) {
        if ($name -eq '') { continue }
        $full = $Prefix + $name
        if ($Values.Count -ge $MaxRegistryValues -or $full.Length -gt 256) { $Truncated.Value = $true; continue }
        $data = ConvertFrom-RegistryValue $Key $name
        if ($null -ne $data) { $Values[$full] = $data }
    }
    if ($Depth -le 0) { return }
    foreach ($sub in $Key.GetSubKeyNames()) {
        $child = $Key.OpenSubKey($sub, $false)
        if (-not $child) { continue }
        try { Add-RegistryValue $child ($Prefix + $sub + '\') $Values $Truncated ($Depth - 1) } finally { $child.Dispose() }
    }
}

function Get-RegistrySnapshot([string]$Hive, [string]$Path) {
    # null when the key does not exist; else every value of the key and of its subkeys.
    $key = Open-RegistryKey $Hive $Path
    if (-not $key) { return $null }
    $values = [ordered]@{}
    $truncated = $false
    try { Add-RegistryValue $key '' $values ([ref]$truncated) 2 } finally { $key.Dispose() }
    $snapshot = [ordered]@{ values = $values }
    if ($truncated) { $snapshot.truncated = $true }
    return $snapshot
}

function Get-RegistryData([string]$Hive, [string]$Path, [string]$Name, [string]$Kind) {
    # One value, or null when the key or value does not exist or is of another type.
    $key = Open-RegistryKey $Hive $Path
    if (-not $key) { return $null }
    try {
        if ($null -eq $key.GetValue($Name)) { return $null }
        $data = ConvertFrom-RegistryValue $key $Name
        if ($Kind -eq 'DWord' -and $data -is [uint32]) { return $data }
        if ($Kind -eq 'String' -and $data -is [string]) { return $data }
        return $null
    }
    finally { $key.Dispose() }
}

function Get-PassportForWorkEvidence([string]$GpoHive, [string]$GpoPath, [string]$MdmScope) {
    # $MdmScope: 'Device', or the user's SID. The MDM keys are per Entra tenant.
    $mdm = [ordered]@{}
    $root = Open-RegistryKey 'HKLM' 'SOFTWARE\Microsoft\Policies\PassportForWork'
    if ($root) {
        try {
            foreach ($tenant in $root.GetSubKeyNames()) {
                if ($tenant -notmatch '^[0-9A-Fa-f]{8}-([0-9A-Fa-f]{4}-){3}[0-9A-Fa-f]{12}$') { continue }
                if ($mdm.Count -ge $MaxTenantKeys) { break }
                $key = Get-RegistrySnapshot 'HKLM' ('SOFTWARE\Microsoft\Policies\PassportForWork\{0}\{1}\Policies' -f $tenant, $MdmScope)
                if ($key) { $mdm[$tenant.ToLowerInvariant()] = $key }
            }
        }
        finally { $root.Dispose() }
    }
    return [ordered]@{ gpo = (Get-RegistrySnapshot $GpoHive $GpoPath); mdm = $mdm }
}

function Get-ThirdPartyCredentialProvider {
    # Providers whose DLL is not signed by Microsoft (catalog or embedded signature), minus the
    # ones disabled per provider or by the "Exclude credential providers" policy.
    $excluded = @()
    $policy = Get-RegistryData 'HKLM' 'SOFTWARE\Policies\Microsoft\Windows\System' 'ExcludedCredentialProviders' 'String'
    if ($policy) { $excluded = @($policy -split '[,;]' | ForEach-Object { $_.Trim().ToLowerInvariant() }) }
    $found = New-Object System.Collections.Generic.List[object]
    $root = Open-RegistryKey 'HKLM' 'SOFTWARE\Microsoft\Windows\CurrentVersion\Authentication\Credential Providers'
    if (-not $root) { return , $found.ToArray() }
    try {
        foreach ($clsid in $root.GetSubKeyNames()) {
            if ($clsid -notmatch '^\{[0-9A-Fa-f]{8}-([0-9A-Fa-f]{4}-){3}[0-9A-Fa-f]{12}\}$') { continue }
            if ($excluded -contains $clsid.ToLowerInvariant()) { continue }
            $provider = $root.OpenSubKey($clsid, $false)
            if (-not $provider) { continue }
            try {
                if ($provider.GetValue('Disabled') -eq 1) { continue }
                $name = [string]$provider.GetValue('')
            }
            finally { $provider.Dispose() }
            $dll = Get-RegistryData 'HKLM' ('SOFTWARE\Classes\CLSID\{0}\InprocServer32' -f $clsid) '' 'String'
            if (-not $dll) { continue }
            $dll = [Environment]::ExpandEnvironmentVariables($dll.Trim('"'))
            if (-not (Test-Path -LiteralPath $dll)) { continue }
            $signature = Get-AuthenticodeSignature -LiteralPath $dll
            $microsoft = $signature.Status -eq 'Valid' -and $signature.SignerCertificate -and
                $signature.SignerCertificate.Subject -match 'O=Microsoft Corporation'
            if ($microsoft) { continue }
            $found.Add([ordered]@{
                    clsid = $clsid
                    name  = $(if ($name) { $name.Substring(0, [Math]::Min(256, $name.Length)) } else { $null })
                    dll   = [IO.Path]::GetFileName($dll)
                })
            if ($found.Count -ge $MaxCredentialProviders) { break }
        }
    }
    finally { $root.Dispose() }
    return , $found.ToArray()
}

function Get-DeviceEvidence {
    $evidence = [ordered]@{}
    $system = 'SOFTWARE\Microsoft\Windows\CurrentVersion\Policies\System'
    # Each group on its own: one unreadable location leaves only that group out.
    try { $evidence.passportForWork = Get-PassportForWorkEvidence 'HKLM' 'SOFTWARE\Policies\Microsoft\PassportForWork' 'Device' } catch { }
    try {
        $cv = 'SOFTWARE\Microsoft\Windows NT\CurrentVersion'
        $build = Get-RegistryData 'HKLM' $cv 'CurrentBuild' 'String'
        if (-not $build) { $build = Get-RegistryData 'HKLM' $cv 'CurrentBuildNumber' 'String' }
        $evidence.windows = [ordered]@{
            EditionID        = (Get-RegistryData 'HKLM' $cv 'EditionID' 'String')
            ProductName      = (Get-RegistryData 'HKLM' $cv 'ProductName' 'String')
            CurrentBuild     = $build
            UBR              = (Get-RegistryData 'HKLM' $cv 'UBR' 'DWord')
            DisplayVersion   = (Get-RegistryData 'HKLM' $cv 'DisplayVersion' 'String')
            InstallationType = (Get-RegistryData 'HKLM' $cv 'InstallationType' 'String')
        }
    }
    catch { }
    try {
        $evidence.webSignIn = [ordered]@{
            ConfigureWebSignInAllowedUrls = (Get-RegistryData 'HKLM' 'SOFTWARE\Microsoft\PolicyManager\current\device\Authentication' 'ConfigureWebSignInAllowedUrls' 'String')
        }
    }
    catch { }
    try {
        $evidence.lockScreen = [ordered]@{
            NoLockScreen                                     = (Get-RegistryData 'HKLM' 'SOFTWARE\Policies\Microsoft\Windows\Personalization' 'NoLockScreen' 'DWord')
            DontDisplayLastUserName                          = (Get-RegistryData 'HKLM' $system 'DontDisplayLastUserName' 'DWord')
            HideFastUserSwitching                            = (Get-RegistryData 'HKLM' $system 'HideFastUserSwitching' 'DWord')
            BlockNonAdminUserInstall                         = (Get-RegistryData 'HKLM' 'SOFTWARE\Policies\Microsoft\Windows\Appx' 'BlockNonAdminUserInstall' 'DWord')
            'ApplicationManagement/BlockNonAdminUserInstall' = (Get-RegistryData 'HKLM' 'SOFTWARE\Microsoft\PolicyManager\current\device\ApplicationManagement' 'BlockNonAdminUserInstall' 'DWord')
            scforceoption                                    = (Get-RegistryData 'HKLM' $system 'scforceoption' 'DWord')
            EnableLUA                                        = (Get-RegistryData 'HKLM' $system 'EnableLUA' 'DWord')
            DisableLockScreenAppNotifications                = (Get-RegistryData 'HKLM' 'SOFTWARE\Policies\Microsoft\Windows\System' 'DisableLockScreenAppNotifications' 'DWord')
            DisableCAD                                       = (Get-RegistryData 'HKLM' $system 'DisableCAD' 'DWord')
            Shell                                            = (Get-RegistryData 'HKLM' 'SOFTWARE\Microsoft\Windows NT\CurrentVersion\Winlogon' 'Shell' 'String')
            thirdPartyCredentialProviders                    = (Get-ThirdPartyCredentialProvider)
        }
    }
    catch { }
    return $evidence
}

function Get-UserEvidence([string]$Sid) {
    # The user's hive is loaded under HKU\<SID> while they are signed in.
    $evidence = [ordered]@{}
    $hive = Open-RegistryKey 'HKU' $Sid
    if (-not $hive) { return $evidence }
    $hive.Dispose()
    try { $evidence.passportForWork = Get-PassportForWorkEvidence 'HKU' "$Sid\SOFTWARE\Policies\Microsoft\PassportForWork" $Sid } catch { }
    try {
        $evidence.lockScreen = [ordered]@{
            NoToastApplicationNotificationOnLockScreen = (Get-RegistryData 'HKU' "$Sid\SOFTWARE\Policies\Microsoft\Windows\CurrentVersion\PushNotifications" 'NoToastApplicationNotificationOnLockScreen' 'DWord')
            NOC_GLOBAL_SETTING_ALLOW_TOASTS_ABOVE_LOCK = (Get-RegistryData 'HKU' "$Sid\SOFTWARE\Microsoft\Windows\CurrentVersion\Notifications\Settings" 'NOC_GLOBAL_SETTING_ALLOW_TOASTS_ABOVE_LOCK' 'DWord')
            Shell                                      = (Get-RegistryData 'HKU' "$Sid\SOFTWARE\Microsoft\Windows\CurrentVersion\Policies\System" 'Shell' 'String')
        }
    }
    catch { }
    return $evidence
}

function New-ReportJson([string]$SystemDsreg, $Users, [string]$RunMode, $Evidence) {
    $device = [ordered]@{ name = $env:COMPUTERNAME; osVersion = (Get-OsVersion) }
    $intuneId = Get-IntuneDeviceId
    if ($intuneId) { $device.intuneDeviceId = $intuneId }
    $body = [ordered]@{
        schemaVersion = 2
        collectedAt   = (Get-UtcTimestamp)
        agent         = [ordered]@{ version = $AgentVersion; mode = $RunMode }
        device        = $device
        system        = [ordered]@{ dsregcmd = (Limit-RawText $SystemDsreg) }
        users         = @($Users)
    }
    if ($Evidence -and $Evidence.Count -gt 0) { $body.evidence = $Evidence }
    return (ConvertTo-Json -InputObject $body -Depth 12 -Compress)
}

# ---------------------------------------------------------------------------------------
# Signing and upload
# ---------------------------------------------------------------------------------------

function Get-CanonicalString([hashtable]$Values) {
    $lines = foreach ($item in $CanonicalFormat) {
        if ($item -match '^\{(\w+)\}$') {
            $name = $Matches[1]
            $value = [string]$Values[$name]
            # A line break inside a value would let one request's lines pose as another's.
            if ($value -match "[`r`n]") { throw "canonical value $name contains a line break" }
            $value
        }
        else { $item }
    }
    return ($lines -join "`n")
}

function Get-WinHttpProxy {
    # The WinHTTP default proxy ("netsh winhttp set proxy", what SYSTEM services use), read from
    # its registry blob because netsh's text output is localized. Layout: DWORD version, DWORD
    # counter, DWORD flags (2 = a proxy is set), DWORD length + proxy list, DWORD length + bypass list.
    $key = Open-RegistryKey 'HKLM' 'SOFTWARE\Microsoft\Windows\CurrentVersion\Internet Settings\Connections'
    if (-not $key) { return $null }
    try { $blob = $key.GetValue('WinHttpSettings') } finally { $key.Dispose() }
    if (-not ($blob -is [byte[]]) -or $blob.Length -lt 16) { return $null }
    if (([BitConverter]::ToUInt32($blob, 8) -band 2) -eq 0) { return $null }
    $length = [BitConverter]::ToUInt32($blob, 12)
    if ($length -eq 0 -or 16 + $length -gt $blob.Length) { return $null }
    $server = [Text.Encoding]::ASCII.GetString($blob, 16, $length)
    $bypass = ''
    $at = 16 + $length
    if ($at + 4 -le $blob.Length) {
        $bypassLength = [BitConverter]::ToUInt32($blob, $at)
        if ($bypassLength -gt 0 -and $at + 4 + $bypassLength -le $blob.Length) {
            $bypass = [Text.Encoding]::ASCII.GetString($blob, $at + 4, $bypassLength)
        }
    }
    return [pscustomobject]@{ Server = $server; Bypass = $bypass }
}

function Select-ProxyServer([string]$List) {
    # "proxy:8080", or per scheme "http=p1:80;https=p2:8080": the https entry wins.
    $entries = @($List -split '[;\s]+' | Where-Object { $_ })
    $https = $entries | Where-Object { $_ -like 'https=*' } | Select-Object -First 1
    if ($https) { return $https.Substring(6) }
    return ($entries | Where-Object { $_ -notmatch '=' } | Select-Object -First 1)
}

function Test-ProxyBypass([string]$HostName, [string]$Bypass) {
    foreach ($entry in @($Bypass -split '[;\s]+' | Where-Object { $_ })) {
        if ($entry -eq '<local>') { if ($HostName -notmatch '\.') { return $true } }
        elseif ($HostName -like $entry) { return $true }
    }
    return $false
}

function Resolve-Proxy([Uri]$Endpoint) {
    # Returns 'direct', or an IWebProxy that authenticates as the machine (default credentials).
    $credentials = [System.Net.CredentialCache]::DefaultNetworkCredentials
    if ($Config.ProxyUrl -eq 'direct') { return 'direct' }
    if ($Config.ProxyUrl) {
        $proxy = New-Object System.Net.WebProxy($Config.ProxyUrl)
        $proxy.Credentials = $credentials
        $script:ProxySource = 'configured'
        return $proxy
    }
    $winhttp = Get-WinHttpProxy
    if ($winhttp) {
        $server = Select-ProxyServer $winhttp.Server
        if ($server -and -not (Test-ProxyBypass $Endpoint.Host $winhttp.Bypass)) {
            if ($server -notmatch '^\w+://') { $server = 'http://' + $server }
            $proxy = New-Object System.Net.WebProxy($server)
            $proxy.Credentials = $credentials
            $script:ProxySource = 'winhttp'
            return $proxy
        }
        if ($server) { $script:ProxySource = 'winhttp-bypass'; return 'direct' }
    }
    # WinINet (Internet Options) of the account the agent runs as, auto-detect and PAC included.
    $system = [System.Net.WebRequest]::GetSystemWebProxy()
    $system.Credentials = $credentials
    $script:ProxySource = 'system'
    return $system
}

function New-ReportHttpClient([Uri]$Endpoint) {
    Add-Type -AssemblyName System.Net.Http
    $handler = New-Object System.Net.Http.HttpClientHandler
    $proxy = Resolve-Proxy $Endpoint
    if ($proxy -eq 'direct') { $handler.UseProxy = $false }
    else {
        $handler.UseProxy = $true
        $handler.Proxy = $proxy
    }
    $client = New-Object System.Net.Http.HttpClient($handler, $true)
    $client.Timeout = [TimeSpan]::FromSeconds($Config.HttpTimeoutSeconds)
    return $client
}

function Send-SignedReport([byte[]]$BodyBytes, $Cert, [string]$DeviceId, $Client) {
    # One attempt: fresh timestamp and nonce, so a retry is never a replay.
    $uri = [Uri]$Config.EndpointUrl
    $timestamp = Get-UtcTimestamp
    $nonce = New-Nonce
    $canonical = Get-CanonicalString @{
        method        = 'POST'
        path          = $uri.AbsolutePath
        deviceId      = $DeviceId
        timestamp     = $timestamp
        nonce         = $nonce
        bodySha256Hex = (Get-Sha256Hex $BodyBytes)
    }
    $rsa = [System.Security.Cryptography.X509Certificates.RSACertificateExtensions]::GetRSAPrivateKey($Cert)
    if (-not $rsa) { throw 'the device certificate has no usable RSA private key' }
    $signature = $rsa.SignData($Utf8.GetBytes($canonical), [Security.Cryptography.HashAlgorithmName]::SHA256,
        [Security.Cryptography.RSASignaturePadding]::Pkcs1)

    $request = New-Object System.Net.Http.HttpRequestMessage([System.Net.Http.HttpMethod]::Post, $uri)
    $content = New-Object System.Net.Http.ByteArrayContent(, $BodyBytes)
    $content.Headers.ContentType = [System.Net.Http.Headers.MediaTypeHeaderValue]::Parse('application/json; charset=utf-8')
    $request.Content = $content
    [void]$request.Headers.TryAddWithoutValidation('X-ResetReady-Device', $DeviceId)
    [void]$request.Headers.TryAddWithoutValidation('X-ResetReady-Timestamp', $timestamp)
    [void]$request.Headers.TryAddWithoutValidation('X-ResetReady-Nonce', $nonce)
    [void]$request.Headers.TryAddWithoutValidation('X-ResetReady-Certificate', [Convert]::ToBase64String($Cert.RawData))
    [void]$request.Headers.TryAddWithoutValidation('X-ResetReady-Signature', [Convert]::ToBase64String($signature))
    try {
        $response = $Client.SendAsync($request).GetAwaiter().GetResult()
    }
    catch {
        return [pscustomobject]@{ Status = 0; RetryAfter = $null; Detail = 'network error' }
    }
    $retryAfter = $null
    $ra = $response.Headers.RetryAfter
    if ($ra) {
        # PowerShell unwraps the Nullable[TimeSpan] / Nullable[DateTimeOffset] properties.
        if ($null -ne $ra.Delta) { $retryAfter = [int]$ra.Delta.TotalSeconds }
        elseif ($null -ne $ra.Date) { $retryAfter = [int][Math]::Max(0, ($ra.Date - [DateTimeOffset]::UtcNow).TotalSeconds) }
    }
    $code = $null
    try {
        $text = $response.Content.ReadAsStringAsync().GetAwaiter().GetResult()
        $parsed = $text | ConvertFrom-Json
        if ($parsed.error -and $parsed.error.code) { $code = [string]$parsed.error.code }
    }
    catch { $code = $null }
    $status = [int]$response.StatusCode
    $response.Dispose()
    return [pscustomobject]@{ Status = $status; RetryAfter = $retryAfter; Detail = $code }
}

function Test-Delivered([int]$Status) {
    # 409: this nonce is already stored, and the service stores the nonce together with the
    # report, so the report is in (an earlier answer was lost). Never resend it.
    return (($Status -ge 200 -and $Status -lt 300) -or $Status -eq 409)
}

function Test-Retryable([int]$Status) {
    # 0 = no answer. Other 4xx fail the same way on a retry.
    return ($Status -eq 0 -or $Status -eq 408 -or $Status -eq 429 -or $Status -ge 500)
}

function Send-WithRetry([byte[]]$BodyBytes, $Cert, [string]$DeviceId, $Client) {
    $result = $null
    for ($attempt = 1; $attempt -le $Config.MaxAttempts; $attempt++) {
        $result = Send-SignedReport $BodyBytes $Cert $DeviceId $Client
        if (Test-Delivered $result.Status) { return $result }
        if (-not (Test-Retryable $result.Status) -or $attempt -eq $Config.MaxAttempts) { return $result }
        if ($result.Status -eq 429 -and $null -ne $result.RetryAfter) {
            if ($result.RetryAfter -gt $Config.MaxRetryAfterSeconds) { return $result }
            $wait = $result.RetryAfter + 1
        }
        else {
            $wait = [Math]::Min($Config.MaxBackoffSeconds, $Config.BaseBackoffSeconds * [Math]::Pow(2, $attempt - 1))
            $wait = $wait + (Get-Random -Minimum 0 -Maximum ([int]$Config.BaseBackoffSeconds + 1))
        }
        # Remediation mode: never wait past the run's budget; the report is spooled instead.
        if ([DateTime]::UtcNow.AddSeconds($wait) -gt $script:Deadline) { return $result }
        Start-Sleep -Seconds ([int]$wait)
    }
    return $result
}

function Test-WorthSpooling([int]$Status) {
    # 400/413/415: the report itself is refused and would be refused again. Everything else
    # (no answer, 401 clock or certificate, 403 device not yet in Entra, 429, 5xx) may pass later.
    return -not ($Status -eq 400 -or $Status -eq 413 -or $Status -eq 415)
}

# ---------------------------------------------------------------------------------------
# Spool: unsent report bodies, resent (re-signed) first on the next run
# ---------------------------------------------------------------------------------------

function Initialize-Spool {
    $dir = $Config.SpoolFolder
    if (-not (Test-Path -LiteralPath $dir)) {
        New-Item -ItemType Directory -Path $dir -Force | Out-Null
        # Reports name users: SYSTEM and Administrators only.
        & icacls.exe $dir /inheritance:r /grant:r '*S-1-5-18:(OI)(CI)F' '*S-1-5-32-544:(OI)(CI)F' | Out-Null
    }
    return $dir
}

function Get-SpooledReport {
    $dir = Initialize-Spool
    return @(Get-ChildItem -LiteralPath $dir -Filter 'report-*.json' -File | Sort-Object -Property Name)
}

function Save-SpooledReport([string]$BodyJson) {
    $dir = Initialize-Spool
    # The body is kept as the exact JSON text; signature headers are not: they go stale.
    $entry = [ordered]@{ spoolVersion = 1; spooledAt = (Get-UtcTimestamp); body = $BodyJson }
    $name = 'report-{0}-{1}.json' -f [DateTime]::UtcNow.ToString('yyyyMMddHHmmss'), [guid]::NewGuid().ToString('N')
    [IO.File]::WriteAllText((Join-Path $dir $name), (ConvertTo-Json -InputObject $entry -Compress), $Utf8)
    $all = @(Get-SpooledReport)
    if ($all.Count -gt $Config.MaxSpoolFiles) {
        $all | Select-Object -First ($all.Count - $Config.MaxSpoolFiles) | Remove-Item -Force -ErrorAction SilentlyContinue
    }
}

function Read-SpooledBody($File) {
    try {
        $entry = [IO.File]::ReadAllText($File.FullName, $Utf8) | ConvertFrom-Json
        if ($entry.spoolVersion -eq 1 -and $entry.body) { return [string]$entry.body }
    }
    catch { }
    return $null
}

# ---------------------------------------------------------------------------------------
# Main
# ---------------------------------------------------------------------------------------

function Invoke-Agent {
    Import-AgentConfig
    $runMode = Resolve-Mode
    if (-not ([Security.Principal.WindowsIdentity]::GetCurrent().IsSystem)) {
        Write-Status 'FAIL not running as SYSTEM (the device key is only usable by SYSTEM)'
        return 1
    }
    if ($Config.EndpointUrl -notmatch '^https://' -or $Config.EndpointUrl -match 'YOUR-FUNCTION-APP') {
        Write-Status 'FAIL endpoint not configured (EndpointUrl)'
        return 1
    }
    if ($runMode -eq 'remediation') {
        # No random delay here: Intune runs a device's Remediations one after another and stops
        # a script after 60 minutes; a wait would hold up the others. The fleet is spread by
        # Intune's own schedule instead. The whole run keeps inside a budget.
        $script:Deadline = [DateTime]::UtcNow.AddSeconds($Config.RemediationBudgetSeconds)
    }
    elseif (-not $NoDelay -and $Config.MaxRandomDelaySeconds -gt 0) {
        Start-Sleep -Seconds (Get-Random -Minimum 0 -Maximum ([int]$Config.MaxRandomDelaySeconds + 1))
    }

    $systemDsreg = Invoke-Dsregcmd
    $cert = Find-DeviceCertificate $systemDsreg
    if (-not $cert) {
        Write-Status 'FAIL no Entra device certificate (device not Entra joined or hybrid joined?)'
        return 1
    }
    $deviceId = Get-DeviceIdFromCertificate $cert
    if (-not $deviceId) {
        Write-Status 'FAIL device certificate subject is not CN=<device id>'
        return 1
    }

    $evidence = $null
    if ($Config.CollectEvidence) { $evidence = Get-DeviceEvidence }

    $users = New-Object System.Collections.Generic.List[object]
    $probeFailures = 0
    $interactive = @(Get-InteractiveUser)
    $probeReady = $false
    if ($interactive.Count -gt 0) {
        try { Install-UserProbe; $probeReady = $true } catch { $probeReady = $false }
    }
    foreach ($u in $interactive) {
        # A probe can take its full timeout: start none that could end past the budget.
        if (-not $probeReady -or [DateTime]::UtcNow.AddSeconds($Config.UserProbeTimeoutSeconds) -gt $script:Deadline) {
            $probeFailures++
            continue
        }
        try {
            $entry = Invoke-UserProbe $u
            if (-not $entry) { $probeFailures++; continue }
            if ($Config.CollectEvidence) {
                $userEvidence = Get-UserEvidence $u.Sid
                if ($userEvidence.Count -gt 0) { $entry.evidence = $userEvidence }
            }
            $users.Add($entry)
        }
        catch { $probeFailures++ }
    }
    $bodyJson = New-ReportJson $systemDsreg $users.ToArray() $runMode $evidence
    $droppedUsers = 0
    if ($Utf8.GetByteCount($bodyJson) -gt $MaxBodyBytes) {
        # Too big for the service: drop the optional key listings first, then the last users.
        foreach ($u in $users) { $u.passportKeys = $null }
        $bodyJson = New-ReportJson $systemDsreg $users.ToArray() $runMode $evidence
        while ($Utf8.GetByteCount($bodyJson) -gt $MaxBodyBytes -and $users.Count -gt 0) {
            $users.RemoveAt($users.Count - 1)
            $droppedUsers++
            $bodyJson = New-ReportJson $systemDsreg $users.ToArray() $runMode $evidence
        }
    }

    [Net.ServicePointManager]::SecurityProtocol = [Net.ServicePointManager]::SecurityProtocol -bor [Net.SecurityProtocolType]::Tls12
    $client = New-ReportHttpClient ([Uri]$Config.EndpointUrl)
    try {
        # Older reports first, so the service sees history in order.
        $resent = 0
        $stillSpooled = 0
        $offline = $false
        foreach ($file in (Get-SpooledReport)) {
            if ($offline) { $stillSpooled++; continue }
            $spooledBody = Read-SpooledBody $file
            if (-not $spooledBody) { Remove-Item -LiteralPath $file.FullName -Force; continue }
            $r = Send-WithRetry ($Utf8.GetBytes($spooledBody)) $cert $deviceId $client
            if (Test-Delivered $r.Status) { $resent++; Remove-Item -LiteralPath $file.FullName -Force }
            elseif (-not (Test-WorthSpooling $r.Status)) { Remove-Item -LiteralPath $file.FullName -Force }
            else { $stillSpooled++; $offline = $true }
        }

        if ($offline) {
            # The service did not take an older report: keep this one for next run too.
            Save-SpooledReport $bodyJson
            Write-Status ('FAIL service unreachable or refusing; report spooled ({0} waiting)' -f ($stillSpooled + 1))
            return 1
        }

        # Serialised once: these exact bytes are hashed, signed and sent.
        $bodyBytes = $Utf8.GetBytes($bodyJson)
        $result = Send-WithRetry $bodyBytes $cert $deviceId $client
        $summary = 'users={0} probeFailures={1} droppedUsers={2} resent={3} proxy={4}' -f $users.Count, $probeFailures, $droppedUsers, $resent, $script:ProxySource
        if (Test-Delivered $result.Status) {
            Write-Status ('OK HTTP {0} {1}' -f $result.Status, $summary)
            return 0
        }
        $why = if ($result.Status -eq 0) { 'no answer' } else { 'HTTP {0} {1}' -f $result.Status, $result.Detail }
        if (Test-WorthSpooling $result.Status) {
            Save-SpooledReport $bodyJson
            Write-Status ('FAIL {0}; report spooled {1}' -f $why.Trim(), $summary)
        }
        else {
            Write-Status ('FAIL {0}; report refused, not spooled {1}' -f $why.Trim(), $summary)
        }
        return 1
    }
    finally {
        $client.Dispose()
    }
}

try {
    $exitCode = Invoke-Agent | Select-Object -Last 1
}
catch {
    # The message is ours or the runtime's; never the body, signature or certificate.
    Write-Status ('FAIL ' + ($_.Exception.Message -replace '[\r\n]+', ' '))
    $exitCode = 1
}
Write-Output $script:StatusLine
exit $exitCode
