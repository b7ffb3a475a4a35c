/**
 * One device's report for a posture case, from a short scenario: the registry evidence an agent
 * would read and the dsregcmd text Windows would print, run through the service's own mapping
 * (assembleReport), so a posture test gets exactly what an upload would store.
 *
 *   const { report } = evidenceCase({
 *     join: 'hybridJoined',
 *     gpo: { Enabled: 1 },                      // a GPO PassportForWork value: MDM is ignored
 *     mdm: { EnablePinRecovery: 1 },
 *     users: [{ upn: 'ada@contoso.com', canReset: 'DestructiveOnly' }],
 *   });
 *   report.device.evidence        // DeviceEvidence
 *   report.users[0].evidence      // UserEvidence (trustModel: key trust, basis policy)
 *
 * Everything left out is the quiet default: Windows 11 Enterprise, no policy keys, no lock-screen
 * setting. `notReported` lists the groups the agent did not send.
 */
import { randomUUID } from 'node:crypto';
import { buildReportBody } from '../agent/reference/report-body.js';
import type { CanReset } from '../shared/dsregcmd/types.js';
import { assembleReport } from '../shared/ingest/assemble-report.js';
import type {
  RawDeviceEvidence,
  RawLockScreenDevice,
  RawLockScreenUser,
  RawPassportForWork,
  RawRegistryData,
  RawUserEvidence,
  RawWindows,
  ReportBodyV2,
} from '../shared/ingest/report-schema.js';
import type { AcceptedReport } from '../shared/reports/model.js';
import { type NgcPrerequisite, type RenderedDevice, renderDsregcmdStatus } from './dsregcmd-render.js';

export type PolicyValues = Record<string, RawRegistryData>;

export type DeviceGroup = keyof RawDeviceEvidence;
export type UserGroup = keyof RawUserEvidence;

export interface UserScenario {
  upn: string;
  /** Default: an Entra SID derived from the UPN. */
  sid?: string;
  /** Default true. */
  ngcSet?: boolean;
  /** Default DestructiveOnly when ngcSet. */
  canReset?: CanReset;
  ngcKeyId?: string;
  /** Values under HKU\<SID>\SOFTWARE\Policies\Microsoft\PassportForWork; null/undefined = key absent. */
  gpo?: PolicyValues | null;
  /** Values under …\PassportForWork\<tenant>\<SID>\Policies; null/undefined = key absent. */
  mdm?: PolicyValues | null;
  lockScreen?: Partial<RawLockScreenUser>;
  /** dsregcmd SSO State. */
  onPremTgt?: boolean;
  cloudTgt?: boolean;
  /** dsregcmd Ngc Prerequisite Check. */
  ngcPrerequisite?: NgcPrerequisite;
  notReported?: UserGroup[];
}

export interface DeviceScenario {
  join: 'entraJoined' | 'hybridJoined' | 'domainJoined' | 'notJoined';
  deviceId?: string;
  tenantId?: string;
  deviceName?: string;
  windows?: Partial<RawWindows>;
  /** Values under HKLM\SOFTWARE\Policies\Microsoft\PassportForWork; null/undefined = key absent. */
  gpo?: PolicyValues | null;
  /** Values under …\PassportForWork\<tenant>\Device\Policies; null/undefined = key absent. */
  mdm?: PolicyValues | null;
  /** Extra MDM keys of other tenants, by tenant id. */
  otherTenantsMdm?: Record<string, PolicyValues>;
  /** ConfigureWebSignInAllowedUrls, raw; default not set. */
  webSignInAllowedUrls?: string | null;
  lockScreen?: Partial<RawLockScreenDevice>;
  notReported?: DeviceGroup[];
  users: UserScenario[];
  /** Default now. */
  receivedAt?: Date;
}

export const DEFAULT_TENANT = '3c5f1f0e-2b7a-4c1d-9e8f-0a1b2c3d4e5f';

const QUIET_DEVICE_LOCKSCREEN: RawLockScreenDevice = {
  NoLockScreen: null,
  DontDisplayLastUserName: null,
  HideFastUserSwitching: null,
  BlockNonAdminUserInstall: null,
  'ApplicationManagement/BlockNonAdminUserInstall': null,
  scforceoption: null,
  EnableLUA: 1,
  DisableLockScreenAppNotifications: null,
  DisableCAD: null,
  Shell: 'explorer.exe',
  thirdPartyCredentialProviders: [],
};

const QUIET_USER_LOCKSCREEN: RawLockScreenUser = {
  NoToastApplicationNotificationOnLockScreen: null,
  NOC_GLOBAL_SETTING_ALLOW_TOASTS_ABOVE_LOCK: null,
  Shell: null,
};

/** Windows 11 23H2 Enterprise. */
export const DEFAULT_WINDOWS: RawWindows = {
  EditionID: 'Enterprise',
  ProductName: 'Windows 10 Enterprise',
  CurrentBuild: '22631',
  UBR: 4460,
  DisplayVersion: '23H2',
  InstallationType: 'Client',
};

function passportForWork(
  tenantId: string,
  gpo: PolicyValues | null | undefined,
  mdm: PolicyValues | null | undefined,
  others: Record<string, PolicyValues> = {},
): RawPassportForWork {
  const keys: Record<string, { values: PolicyValues }> = {};
  for (const [t, values] of Object.entries(others)) keys[t] = { values };
  if (mdm) keys[tenantId] = { values: mdm };
  return { gpo: gpo ? { values: gpo } : null, mdm: keys };
}

/** The raw device evidence a v2 agent would send for the scenario. */
export function rawDeviceEvidence(s: DeviceScenario): RawDeviceEvidence {
  const tenantId = s.tenantId ?? DEFAULT_TENANT;
  const skip = new Set(s.notReported ?? []);
  const out: RawDeviceEvidence = {};
  if (!skip.has('passportForWork'))
    out.passportForWork = passportForWork(tenantId, s.gpo, s.mdm, s.otherTenantsMdm);
  if (!skip.has('windows')) out.windows = { ...DEFAULT_WINDOWS, ...s.windows };
  if (!skip.has('webSignIn'))
    out.webSignIn = { ConfigureWebSignInAllowedUrls: s.webSignInAllowedUrls ?? null };
  if (!skip.has('lockScreen')) out.lockScreen = { ...QUIET_DEVICE_LOCKSCREEN, ...s.lockScreen };
  return out;
}

export function rawUserEvidence(u: UserScenario, tenantId = DEFAULT_TENANT): RawUserEvidence {
  const skip = new Set(u.notReported ?? []);
  const out: RawUserEvidence = {};
  if (!skip.has('passportForWork')) out.passportForWork = passportForWork(tenantId, u.gpo, u.mdm);
  if (!skip.has('lockScreen')) out.lockScreen = { ...QUIET_USER_LOCKSCREEN, ...u.lockScreen };
  return out;
}

function sidOf(upn: string): string {
  let h = 0;
  for (const c of upn) h = (h * 31 + c.charCodeAt(0)) >>> 0;
  return `S-1-12-1-${h}-1277470036-2437364914-3128165475`;
}

/** The v2 body (upload it with the reference agent) and what the service stores for it. */
export function evidenceCase(s: DeviceScenario): { body: ReportBodyV2; report: AcceptedReport } {
  const tenantId = s.tenantId ?? DEFAULT_TENANT;
  const device: RenderedDevice = {
    deviceId: s.deviceId ?? randomUUID(),
    tenantId,
    tenantName: 'Contoso',
    deviceName: s.deviceName ?? 'PC-CASE',
    azureAdJoined: s.join === 'entraJoined' || s.join === 'hybridJoined',
    domainJoined: s.join === 'hybridJoined' || s.join === 'domainJoined',
  };
  const windows = { ...DEFAULT_WINDOWS, ...s.windows };
  const body = buildReportBody({
    deviceName: device.deviceName,
    osVersion: `10.0.${windows.CurrentBuild ?? '22631'}.${windows.UBR ?? 0}`,
    systemDsregcmd: renderDsregcmdStatus(device),
    collectedAt: (s.receivedAt ?? new Date()).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    agentVersion: 'evidence-case',
    evidence: rawDeviceEvidence(s),
    users: s.users.map((u) => {
      const ngcSet = u.ngcSet ?? true;
      return {
        upn: u.upn,
        sid: u.sid ?? sidOf(u.upn),
        dsregcmd: renderDsregcmdStatus(device, {
          upn: u.upn,
          ngcSet,
          ...(ngcSet
            ? { ngcKeyId: u.ngcKeyId ?? randomUUID(), canReset: u.canReset ?? 'DestructiveOnly' }
            : {}),
          ...(u.onPremTgt !== undefined ? { onPremTgt: u.onPremTgt } : {}),
          ...(u.cloudTgt !== undefined ? { cloudTgt: u.cloudTgt } : {}),
          ...(u.ngcPrerequisite ? { ngcPrerequisite: u.ngcPrerequisite } : {}),
        }),
        evidence: rawUserEvidence(u, tenantId),
      };
    }),
  }) as ReportBodyV2;
  const assembled = assembleReport({
    reportId: randomUUID(),
    deviceId: device.deviceId,
    receivedAt: s.receivedAt ?? new Date(),
    body,
    rawBody: JSON.stringify(body),
    source: 'agent',
    trust: 'verified',
  });
  if (!assembled.ok) throw new Error(`evidenceCase: ${assembled.message}`);
  return { body, report: assembled.report };
}
