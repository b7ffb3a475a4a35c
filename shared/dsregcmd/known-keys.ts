/**
 * Field names dsregcmd is known to print (domain.md §2.4–§2.12). A known key makes a line a field even
 * without the ` : ` shape (`AadRecoveryEnabled: NO`); unknown keys still parse when they keep that shape.
 */
const KNOWN_KEYS = [
  // Device State (and the old layout's device/tenant fields)
  'AzureAdJoined',
  'EnterpriseJoined',
  'DomainJoined',
  'DomainName',
  'Device Name',
  'Virtual Desktop',
  // Device Details
  'DeviceId',
  'Thumbprint',
  'DeviceCertificateValidity',
  'KeyContainerId',
  'KeyProvider',
  'TpmProtected',
  'DeviceAuthStatus',
  // Tenant Details
  'TenantName',
  'TenantId',
  'Idp',
  'AuthCodeUrl',
  'AccessTokenUrl',
  'MdmUrl',
  'MdmTouUrl',
  'MdmComplianceUrl',
  'dmComplianceUrl',
  'SettingsUrl',
  'JoinSrvVersion',
  'JoinSrvUrl',
  'JoinSrvId',
  'KeySrvVersion',
  'KeySrvUrl',
  'KeySrvId',
  'WebAuthNSrvVersion',
  'WebAuthNSrvUrl',
  'WebAuthNSrvId',
  'DeviceManagementSrvVer',
  'DeviceManagementSrvUrl',
  'DeviceManagementSrvId',
  // User State
  'NgcSet',
  'NgcKeyId',
  'CanReset',
  'WorkplaceJoined',
  'WorkAccountCount',
  'WamDefaultSet',
  'WamDefaultAuthority',
  'WamDefaultId',
  'WamDefaultGUID',
  // SSO State
  'AzureAdPrt',
  'AzureAdPrtUpdateTime',
  'AzureAdPrtExpiryTime',
  'AzureAdPrtAuthority',
  'EnterprisePrt',
  'EnterprisePrtUpdateTime',
  'EnterprisePrtExpiryTime',
  'EnterprisePrtAuthority',
  'AcquirePrtDiagnostics',
  'Previous Prt Attempt',
  'Attempt Status',
  'User Identity',
  'Credential Type',
  'Correlation ID',
  'Endpoint URI',
  'HTTP Method',
  'HTTP Error',
  'HTTP status',
  'Server Error Code',
  'Server Error Description',
  'RefreshPrtDiagnostics',
  'OnPremTgt',
  'CloudTgt',
  'KerbTopLevelNames',
  // Diagnostic Data
  'Diagnostics Reference',
  'User Context',
  'Client Time',
  'AD Connectivity Test',
  'AD Configuration Test',
  'DRS Discovery Test',
  'DRS Connectivity Test',
  'Token acquisition Test',
  'Fallback to Sync-Join',
  'Previous Registration',
  'Registration Type',
  'Error Phase',
  'Client ErrorCode',
  'Server ErrorCode',
  'Server Message',
  'Https Status',
  'Request Id',
  'AadRecoveryEnabled',
  'KeySignTest',
  'Executing Account Name',
  'DisplayNameUpdated',
  'OsVersionUpdated',
  'HostNameUpdated',
  'Last HostName Update',
  // Proxy sections
  'Auto Detect Settings',
  'Auto-Configuration URL',
  'Proxy Server List',
  'Proxy Bypass List',
  'Access Type',
  // Work Account N
  'WorkplaceDeviceId',
  'WorkplaceThumbprint',
  'WorkplaceTenantId',
  'WorkplaceTenantName',
  'WorkplaceMdmUrl',
  'WorkplaceSettingsUrl',
  // Ngc Prerequisite Check
  'IsDeviceJoined',
  'IsUserAzureAD',
  'PolicyEnabled',
  'PostLogonEnabled',
  'DeviceEligible',
  'SessionIsNotRemote',
  'CertEnrollment',
  'AdfsRefreshToken',
  'AdfsRaIsReady',
  'LogonCertTemplateReady',
  'PreReqResult',
  'OnPremTGT',
  'CloudTGT',
  'X509CertRequired',
  'AadRecoveryNeeded',
] as const;

// Lookup is case-insensitive so hand-edited copies still match; the printed spelling is kept as read.
const BY_LOWER = new Map<string, string>(KNOWN_KEYS.map((k) => [k.toLowerCase(), k]));

export function isKnownKey(key: string): boolean {
  return BY_LOWER.has(key.toLowerCase());
}

/**
 * Keys whose values are short enumerations (YES/NO, CanReset) and so are never console-wrapped:
 * a stray line after them is noise, never part of their value.
 */
const SHORT_VALUE_KEYS = new Set(
  [
    'AzureAdJoined',
    'EnterpriseJoined',
    'DomainJoined',
    'WorkplaceJoined',
    'NgcSet',
    'CanReset',
    'TpmProtected',
    'WamDefaultSet',
    'AzureAdPrt',
    'EnterprisePrt',
    'OnPremTgt',
    'CloudTgt',
    'AadRecoveryEnabled',
    'IsDeviceJoined',
    'IsUserAzureAD',
    'PolicyEnabled',
    'PostLogonEnabled',
    'DeviceEligible',
    'SessionIsNotRemote',
    'PreReqResult',
  ].map((k) => k.toLowerCase()),
);

export function hasShortValue(key: string): boolean {
  return SHORT_VALUE_KEYS.has(key.toLowerCase());
}
