/**
 * The registry evidence a demo device's agent would send (report schema v2), derived from the
 * device's own demo facts so the posture it gets stays believable: a user who can reset
 * non-destructively has the MDM EnablePinRecovery value; hybrid devices split between cloud
 * Kerberos trust and key trust; nothing on the lock screen blocks a reset. Deterministic.
 * For a posture case with specific evidence use dev/evidence-case.ts instead.
 */
import type { CanReset } from '../shared/dsregcmd/types.js';
import type { RawDeviceEvidence, RawUserEvidence, RawWindows } from '../shared/ingest/report-schema.js';
import type { RenderedDevice } from './dsregcmd-render.js';

/** Windows 11 keeps "Windows 10" in ProductName; DisplayVersion by build. */
const DISPLAY_VERSION: Record<string, string> = {
  '19045': '22H2',
  '22621': '22H2',
  '22631': '23H2',
  '26100': '24H2',
};

/** Intune skuFamily (or an EditionID) → EditionID. */
function editionId(edition: string | undefined): string {
  const e = (edition ?? 'Enterprise').toLowerCase();
  if (e.startsWith('pro')) return 'Professional';
  if (e.startsWith('edu')) return 'Education';
  if (e.startsWith('home') || e.startsWith('core')) return 'Core';
  return 'Enterprise';
}

export function demoWindows(osVersion: string, edition?: string): RawWindows {
  const [, , build = '22631', ubr = '0'] = osVersion.split('.');
  const id = editionId(edition);
  const productEdition = id === 'Professional' ? 'Pro' : id === 'Core' ? 'Home' : id;
  return {
    EditionID: id,
    ProductName: `Windows 10 ${productEdition}`,
    CurrentBuild: build,
    UBR: Number(ubr) || 0,
    DisplayVersion: DISPLAY_VERSION[build] ?? null,
    InstallationType: 'Client',
  };
}

export interface DemoEvidenceInput {
  device: RenderedDevice;
  users: { canReset?: CanReset }[];
  osVersion: string;
  edition?: string;
}

export function demoDeviceEvidence(input: DemoEvidenceInput): RawDeviceEvidence {
  const { device } = input;
  const ready = input.users.some(
    (u) => u.canReset === 'DestructiveAndNonDestructive' || u.canReset === 'NonDestructiveOnly',
  );
  // Half of the hybrid devices on cloud Kerberos trust, the rest on key trust (no policy of its own).
  const cloudTrust = device.domainJoined && Number.parseInt(device.deviceId.slice(0, 1), 16) % 2 === 0;
  return {
    passportForWork: {
      gpo: null,
      mdm: {
        [device.tenantId.toLowerCase()]: {
          values: {
            UsePassportForWork: 1,
            ...(ready ? { EnablePinRecovery: 1 } : {}),
            ...(cloudTrust ? { UseCloudTrustForOnPremAuth: 1 } : {}),
          },
        },
      },
    },
    windows: demoWindows(input.osVersion, input.edition),
    webSignIn: { ConfigureWebSignInAllowedUrls: null },
    lockScreen: {
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
    },
  };
}

export function demoUserEvidence(): RawUserEvidence {
  return {
    passportForWork: { gpo: null, mdm: {} },
    lockScreen: {
      NoToastApplicationNotificationOnLockScreen: null,
      NOC_GLOBAL_SETTING_ALLOW_TOASTS_ABOVE_LOCK: null,
      Shell: null,
    },
  };
}
