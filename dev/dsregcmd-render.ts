/**
 * Renders a `dsregcmd /status` output in the current Windows layout (banners, keys
 * right-aligned to column 26) from a device's facts. The demo devices, the reference
 * agent's examples and the benchmarks upload these, so the one parser reads the same
 * shape it meets on real devices.
 */
import type { CanReset } from '../shared/dsregcmd/types.js';

export interface RenderedDevice {
  deviceId: string;
  tenantId: string;
  tenantName: string;
  deviceName: string;
  azureAdJoined: boolean;
  domainJoined: boolean;
  thumbprint?: string;
}

export interface RenderedUser {
  upn: string;
  ngcSet: boolean;
  /** GUID without braces; rendered upper-case in braces as Windows does. */
  ngcKeyId?: string;
  canReset?: CanReset;
  /** SSO State `OnPremTgt` / `CloudTgt` (Windows 11 21H2 and later); not printed when undefined. */
  onPremTgt?: boolean;
  cloudTgt?: boolean;
  /** The Ngc Prerequisite Check block; not printed when undefined ("might not" be shown after provisioning). */
  ngcPrerequisite?: NgcPrerequisite;
}

/** [dsreg] "NGC prerequisites check". */
export interface NgcPrerequisite {
  certEnrollment: 'none' | 'enrollment authority' | 'mobile device management';
  /** Cloud Kerberos ticket for on-premises (printed only with CertEnrollment none). */
  onPremTgt?: boolean;
  /** Print it as `CloudTGT`, its name before Windows 11 23H2. */
  legacyCloudTgtName?: boolean;
  preReqResult?: 'WillProvision' | 'WillNotProvision';
}

const RULE = `+${'-'.repeat(70)}+`;

function banner(title: string): string[] {
  return [RULE, `| ${title.padEnd(69)}|`, RULE, ''];
}

function field(key: string, value: string): string {
  return `${key.padStart(26)} : ${value}`.trimEnd();
}

const yesNo = (b: boolean) => (b ? 'YES' : 'NO');

/** SYSTEM-context output when `user` is omitted (User State then shows the machine's view). */
export function renderDsregcmdStatus(device: RenderedDevice, user?: RenderedUser): string {
  const joined = device.azureAdJoined;
  const lines: string[] = [
    ...banner('Device State'),
    field('AzureAdJoined', yesNo(device.azureAdJoined)),
    field('EnterpriseJoined', 'NO'),
    field('DomainJoined', yesNo(device.domainJoined)),
    ...(device.domainJoined ? [field('DomainName', 'CONTOSO')] : []),
    field('Device Name', device.deviceName),
    '',
  ];
  if (joined) {
    lines.push(
      ...banner('Device Details'),
      field('DeviceId', device.deviceId),
      field('Thumbprint', device.thumbprint ?? '0'.repeat(40)),
      field('DeviceCertificateValidity', '[ 2025-01-06 08:12:41.000 UTC -- 2035-01-06 08:42:41.000 UTC ]'),
      field('KeyContainerId', '3f9b1c2e-6a7d-4e8f-9a0b-1c2d3e4f5a6b'),
      field('KeyProvider', 'Microsoft Platform Crypto Provider'),
      field('TpmProtected', 'YES'),
      field('DeviceAuthStatus', 'SUCCESS'),
      '',
      ...banner('Tenant Details'),
      field('TenantName', device.tenantName),
      field('TenantId', device.tenantId),
      field('Idp', 'login.windows.net'),
      field('AuthCodeUrl', `https://login.microsoftonline.com/${device.tenantId}/oauth2/authorize`),
      field('AccessTokenUrl', `https://login.microsoftonline.com/${device.tenantId}/oauth2/token`),
      field('MdmUrl', 'https://enrollment.manage.microsoft.com/enrollmentserver/discovery.svc'),
      field('JoinSrvVersion', '2.0'),
      field('JoinSrvUrl', 'https://enterpriseregistration.windows.net/EnrollmentServer/device/'),
      '',
    );
  }
  lines.push(...banner('User State'));
  if (user) {
    lines.push(field('NgcSet', yesNo(user.ngcSet)));
    if (user.ngcSet) {
      if (user.ngcKeyId) lines.push(field('NgcKeyId', `{${user.ngcKeyId.toUpperCase()}}`));
      if (user.canReset) lines.push(field('CanReset', user.canReset));
    }
  } else {
    lines.push(field('NgcSet', 'NO'));
  }
  lines.push(
    field('WorkplaceJoined', 'NO'),
    field('WamDefaultSet', user ? 'YES' : 'NO'),
    ...(user
      ? [
          field('WamDefaultAuthority', 'organizations'),
          field('WamDefaultId', 'https://login.microsoft.com'),
          field('WamDefaultGUID', '{B16898C6-A148-4967-9171-64D755DA8520} (AzureAd)'),
        ]
      : []),
    '',
    ...banner('SSO State'),
    field('AzureAdPrt', yesNo(Boolean(user) && joined)),
    field('EnterprisePrt', 'NO'),
    ...(user?.onPremTgt !== undefined ? [field('OnPremTgt', yesNo(user.onPremTgt))] : []),
    ...(user?.cloudTgt !== undefined ? [field('CloudTgt', yesNo(user.cloudTgt))] : []),
    '',
    ...banner('Diagnostic Data'),
    field('AadRecoveryEnabled', 'NO'),
    field(
      'Executing Account Name',
      user ? `AzureAD\\${user.upn.split('@')[0]}, ${user.upn}` : `CONTOSO\\${device.deviceName}$`,
    ),
    field('KeySignTest', 'PASSED'),
    '',
    ...(user?.ngcPrerequisite ? ngcPrerequisiteBlock(device, user.ngcPrerequisite) : []),
    'For more information, please visit https://www.microsoft.com/aadjerrors',
  );
  return `${lines.join('\r\n')}\r\n`;
}

function ngcPrerequisiteBlock(device: RenderedDevice, p: NgcPrerequisite): string[] {
  const cert = p.certEnrollment === 'enrollment authority';
  return [
    ...banner('Ngc Prerequisite Check'),
    field('IsDeviceJoined', yesNo(device.azureAdJoined)),
    field('IsUserAzureAD', 'YES'),
    field('PolicyEnabled', 'YES'),
    field('PostLogonEnabled', 'YES'),
    field('DeviceEligible', 'YES'),
    field('SessionIsNotRemote', 'YES'),
    field('CertEnrollment', p.certEnrollment),
    ...(cert
      ? [
          field('AdfsRefreshToken', 'YES'),
          field('AdfsRaIsReady', 'YES'),
          field('LogonCertTemplateReady', 'YES ( StateReady )'),
        ]
      : []),
    ...(!cert && p.onPremTgt !== undefined
      ? [field(p.legacyCloudTgtName ? 'CloudTGT' : 'OnPremTGT', yesNo(p.onPremTgt))]
      : []),
    field('PreReqResult', p.preReqResult ?? 'WillProvision'),
    '',
  ];
}
