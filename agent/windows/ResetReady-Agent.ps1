#Requires -Version 5.1
<#
.SYNOPSIS
    ResetReady agent: uploads, signed with the Entra device key, the raw `dsregcmd /status`
    of SYSTEM and of every signed-in user, so the service can tell per user whether a
    forgotten Windows Hello for Business PIN can be reset without a wipe (CanReset).

.DESCRIPTION
    Runs as SYSTEM (scheduled task, or Intune Remediation in system context): only SYSTEM
    can use the device key. CanReset/NgcSet are only valid in the user's own session, so
    each signed-in user's dsregcmd runs through a one-shot scheduled task with that user as
    principal. Protocol: docs/agent-protocol.md (agent upload protocol v1).

    Prints ONE status line; exit 0 = report delivered, 1 = not delivered (spooled, or an
    error). Never prints the report body, the signature or the certificate.

.PARAMETER Mode
    scheduled-task | remediation | auto (default: remediation when Intune runs the script
    from its IMECache, else scheduled-task). Only recorded in the report.

.PARAMETER NoDelay
    Skip the random start delay (testing, or a run started by hand).

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
}
$AgentVersion = '1.0.0'

# Canonical string of protocol v1, one entry per line (joined by "`n", no trailing newline).
# Literal entries are sent as is; {name} entries are replaced by the request's values.
# Must mirror CANONICAL_LINES in shared/trust/canonical.ts (test/unit/powershell-parse.test.ts).
$CanonicalFormat = @('RESETREADY-V1', '{method}', '{path}', '{deviceId}', '{timestamp}', '{nonce}', '{bodySha256Hex}')

$MaxUsers = 16
$MaxRawTextBytes = 65536
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

# Runs in the user's session (task principal = the user, not elevated). __OUT__ and
# __KEYS__ are filled in before encoding. Writes UTF-8 files, then 'done' last.
$UserProbeScript = @'
$ErrorActionPreference = 'Continue'
$out = '__OUT__'
$enc = New-Object System.Text.UTF8Encoding($false)
$sys = Join-Path $env:SystemRoot 'System32'
$dsreg = (& (Join-Path $sys 'dsregcmd.exe') /status 2>&1 | Out-String)
[IO.File]::WriteAllText((Join-Path $out 'dsregcmd.txt'), $dsreg, $enc)
$upn = (& (Join-Path $sys 'whoami.exe') /upn 2>$null | Out-String).Trim()
[IO.File]::WriteAllText((Join-Path $out 'upn.txt'), $upn, $enc)
if (__KEYS__) {
    $keys = (& (Join-Path $sys 'certutil.exe') -csp 'Microsoft Passport Key Storage Provider' -key 2>&1 | Out-String)
    [IO.File]::WriteAllText((Join-Path $out 'keys.txt'), $keys, $enc)
}
[IO.File]::WriteAllText((Join-Path $out 'done'), 'ok', $enc)
'@

function Read-ProbeFile([string]$Dir, [string]$Name) {
    $path = Join-Path $Dir $Name
    if (-not (Test-Path -LiteralPath $path)) { return $null }
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
        $keysFlag = if ($Config.CollectPassportKeys) { '$true' } else { '$false' }
        $script = $UserProbeScript.Replace('__OUT__', $dir).Replace('__KEYS__', $keysFlag)
        $encoded = [Convert]::ToBase64String([Text.Encoding]::Unicode.GetBytes($script))
        $action = New-ScheduledTaskAction -Execute (Get-System32Path 'WindowsPowerShell\v1.0\powershell.exe') `
            -Argument "-NoProfile -NonInteractive -ExecutionPolicy Bypass -WindowStyle Hidden -EncodedCommand $encoded"
        # Interactive + Limited: runs in the user's own session, not elevated, so User State is valid.
        $principal = New-ScheduledTaskPrincipal -UserId $User.Account -LogonType Interactive -RunLevel Limited
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

function New-ReportJson([string]$SystemDsreg, $Users, [string]$RunMode) {
    $device = [ordered]@{ name = $env:COMPUTERNAME; osVersion = (Get-OsVersion) }
    $intuneId = Get-IntuneDeviceId
    if ($intuneId) { $device.intuneDeviceId = $intuneId }
    $body = [ordered]@{
        schemaVersion = 1
        collectedAt   = (Get-UtcTimestamp)
        agent         = [ordered]@{ version = $AgentVersion; mode = $RunMode }
        device        = $device
        system        = [ordered]@{ dsregcmd = (Limit-RawText $SystemDsreg) }
        users         = @($Users)
    }
    return (ConvertTo-Json -InputObject $body -Depth 8 -Compress)
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
    if (-not $NoDelay -and $Config.MaxRandomDelaySeconds -gt 0) {
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

    $users = New-Object System.Collections.Generic.List[object]
    $probeFailures = 0
    foreach ($u in (Get-InteractiveUser)) {
        try {
            $entry = Invoke-UserProbe $u
            if ($entry) { $users.Add($entry) } else { $probeFailures++ }
        }
        catch { $probeFailures++ }
    }
    $bodyJson = New-ReportJson $systemDsreg $users.ToArray() $runMode
    $droppedUsers = 0
    if ($Utf8.GetByteCount($bodyJson) -gt $MaxBodyBytes) {
        # Too big for the service: drop the optional key listings first, then the last users.
        foreach ($u in $users) { $u.passportKeys = $null }
        $bodyJson = New-ReportJson $systemDsreg $users.ToArray() $runMode
        while ($Utf8.GetByteCount($bodyJson) -gt $MaxBodyBytes -and $users.Count -gt 0) {
            $users.RemoveAt($users.Count - 1)
            $droppedUsers++
            $bodyJson = New-ReportJson $systemDsreg $users.ToArray() $runMode
        }
    }

    [Net.ServicePointManager]::SecurityProtocol = [Net.ServicePointManager]::SecurityProtocol -bor [Net.SecurityProtocolType]::Tls12
    Add-Type -AssemblyName System.Net.Http
    $client = New-Object System.Net.Http.HttpClient
    $client.Timeout = [TimeSpan]::FromSeconds($Config.HttpTimeoutSeconds)
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
        $summary = 'users={0} probeFailures={1} droppedUsers={2} resent={3}' -f $users.Count, $probeFailures, $droppedUsers, $resent
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
