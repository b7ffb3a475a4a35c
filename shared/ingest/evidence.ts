/**
 * Raw v2 evidence (registry values as the agent read them, report-schema.json) → the domain
 * evidence the posture rules read (shared/posture/evidence.ts). The ONE place that knows which
 * registry name means what: when Windows turns out to use another name, it is fixed here and
 * stored reports can be re-read from their raw bodies. Pure.
 */
import type { DsregcmdStatus } from '../dsregcmd/types.js';
import {
  type DeviceEvidence,
  type EvidenceSource,
  effectivePassportPolicy,
  emptyDeviceEvidence,
  NOT_REPORTED,
  type PassportForWorkKey,
  type PassportForWorkScope,
  type RegistryData,
  splitAllowedUrls,
  type UserEvidence,
} from '../posture/evidence.js';
import { type DsregTrustSignals, hybridTrustModel } from '../posture/trust-model.js';
import type {
  RawDeviceEvidence,
  RawLockScreenDevice,
  RawPassportForWork,
  RawPolicyKey,
  RawUserEvidence,
} from './report-schema.js';

/** Case-insensitive lookup: registry names are case-insensitive. */
function lookup(values: Readonly<Record<string, RegistryData>>, name: string): RegistryData | undefined {
  const wanted = name.toLowerCase();
  for (const [k, v] of Object.entries(values)) if (k.toLowerCase() === wanted) return v;
  return undefined;
}

/** A DWORD flag: non-zero is on. A numeric string (REG_SZ "1") counts; anything else is unreadable (null). */
function flag(v: RegistryData | undefined): boolean | null {
  if (typeof v === 'number') return v !== 0;
  if (typeof v === 'string' && /^\s*\d+\s*$/.test(v)) return Number(v) !== 0;
  return null;
}

function policyKey(raw: RawPolicyKey, kind: 'gpo' | 'mdm'): PassportForWorkKey {
  const values: Record<string, RegistryData> = { ...raw.values };
  const read = (name: string) => flag(lookup(values, name));
  return {
    values,
    truncated: raw.truncated === true,
    // Group Policy names per Passport.admx; MDM names are the PassportForWork CSP node names
    // (public tools read UsePassportForWork there). Microsoft Japan's identity support blog
    // (jpazureid, 2024-06-10, cloud Kerberos trust) names `Enabled` under the MDM key too, so
    // the MDM key falls back to it.
    enablePinRecovery: read('EnablePinRecovery'),
    helloEnabled: kind === 'gpo' ? read('Enabled') : (read('UsePassportForWork') ?? read('Enabled')),
    useCloudTrustForOnPremAuth: read('UseCloudTrustForOnPremAuth'),
    useCertificateForOnPremAuth: read('UseCertificateForOnPremAuth'),
  };
}

function passportForWork(raw: RawPassportForWork | undefined): PassportForWorkScope {
  if (!raw) return NOT_REPORTED;
  const mdm: Record<string, PassportForWorkKey> = {};
  for (const [tenant, key] of Object.entries(raw.mdm)) mdm[tenant.toLowerCase()] = policyKey(key, 'mdm');
  return { state: 'reported', gpo: raw.gpo ? policyKey(raw.gpo, 'gpo') : null, mdm };
}

function intOrNull(v: string | number | null): number | null {
  if (v === null) return null;
  const n = typeof v === 'number' ? v : Number(v.trim());
  return Number.isSafeInteger(n) && n >= 0 ? n : null;
}

function maxOf(a: number | null, b: number | null): number | null {
  if (a === null) return b;
  if (b === null) return a;
  return Math.max(a, b);
}

function lockScreenDevice(raw: RawLockScreenDevice | undefined): DeviceEvidence['lockScreen'] {
  if (!raw) return NOT_REPORTED;
  return {
    state: 'reported',
    noLockScreen: raw.NoLockScreen,
    dontDisplayLastUserName: raw.DontDisplayLastUserName,
    hideFastUserSwitching: raw.HideFastUserSwitching,
    // Group Policy or the Policy CSP: either one enabled blocks.
    blockNonAdminUserInstall: maxOf(
      raw.BlockNonAdminUserInstall,
      raw['ApplicationManagement/BlockNonAdminUserInstall'],
    ),
    smartCardRequired: raw.scforceoption,
    enableLua: raw.EnableLUA,
    disableLockScreenAppNotifications: raw.DisableLockScreenAppNotifications,
    disableCad: raw.DisableCAD,
    shell: raw.Shell,
    thirdPartyCredentialProviders: raw.thirdPartyCredentialProviders.map((p) => ({
      clsid: p.clsid.toLowerCase(),
      name: p.name === '' ? null : p.name,
      dll: p.dll === '' ? null : p.dll,
    })),
  };
}

export function deviceEvidenceFrom(
  raw: RawDeviceEvidence | undefined,
  source: EvidenceSource,
): DeviceEvidence {
  if (!raw) return emptyDeviceEvidence();
  return {
    source,
    passportForWork: passportForWork(raw.passportForWork),
    windows: raw.windows
      ? {
          state: 'reported',
          editionId: raw.windows.EditionID,
          productName: raw.windows.ProductName,
          currentBuild: intOrNull(raw.windows.CurrentBuild),
          ubr: intOrNull(raw.windows.UBR),
          displayVersion: raw.windows.DisplayVersion,
          installationType: raw.windows.InstallationType,
        }
      : NOT_REPORTED,
    webSignIn: raw.webSignIn
      ? {
          state: 'reported',
          allowedUrlsRaw: raw.webSignIn.ConfigureWebSignInAllowedUrls,
          ...splitAllowedUrls(raw.webSignIn.ConfigureWebSignInAllowedUrls),
        }
      : NOT_REPORTED,
    lockScreen: lockScreenDevice(raw.lockScreen),
  };
}

/** The SYSTEM run's join state, null when it printed no join flag at all. */
export function reportedJoinType(system: DsregcmdStatus): DsregcmdStatus['joinType'] | null {
  const f = system.fields;
  const any = ['AzureAdJoined', 'DomainJoined', 'EnterpriseJoined', 'WorkplaceJoined'].some((k) => k in f);
  return any ? system.joinType : null;
}

export interface UserEvidenceInput {
  raw: RawUserEvidence | undefined;
  source: EvidenceSource;
  /** The device evidence of the same report (device-scope policy for the effective value). */
  device: DeviceEvidence;
  /** Join state from the SYSTEM dsregcmd (reportedJoinType); null when it printed none. */
  joinType: DsregcmdStatus['joinType'] | null;
  /** The device's tenant (SYSTEM dsregcmd TenantId), which picks the MDM keys. */
  tenantId: string | null;
  /** The user's own dsregcmd trust signals (trustSignalsFromDsregcmd). */
  dsregcmd: DsregTrustSignals;
}

export function userEvidenceFrom(input: UserEvidenceInput): UserEvidence {
  const { raw, device } = input;
  const pfw = passportForWork(raw?.passportForWork);
  const trustModel = hybridTrustModel({
    joinType: input.joinType,
    policy: effectivePassportPolicy(device.passportForWork, pfw, input.tenantId),
    dsregcmd: input.dsregcmd,
  });
  return {
    source: raw ? input.source : 'none',
    passportForWork: pfw,
    lockScreen: raw?.lockScreen
      ? {
          state: 'reported',
          noToastOnLockScreen: raw.lockScreen.NoToastApplicationNotificationOnLockScreen,
          toastsAboveLock: raw.lockScreen.NOC_GLOBAL_SETTING_ALLOW_TOASTS_ABOVE_LOCK,
          shell: raw.lockScreen.Shell,
        }
      : NOT_REPORTED,
    trustModel,
  };
}
