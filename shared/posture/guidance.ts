/**
 * Operator guidance per reason code, for the weekly report and dashboards. Links point at the
 * Microsoft Learn pages the handbook cites (domain.md §0), so a reader can check our claims.
 */
import type { ReasonCode, ReasonGuidance } from './types.js';

export const DOCS = {
  pinReset: 'https://learn.microsoft.com/windows/security/identity-protection/hello-for-business/pin-reset',
  passportForWorkCsp: 'https://learn.microsoft.com/windows/client-management/mdm/passportforwork-csp',
  dsregcmd: 'https://learn.microsoft.com/entra/identity/devices/troubleshoot-device-dsregcmd',
  manageDevices: 'https://learn.microsoft.com/entra/identity/devices/manage-device-identities',
  intuneEnroll: 'https://learn.microsoft.com/mem/intune/fundamentals/deployment-guide-platform-windows',
  intuneAssign: 'https://learn.microsoft.com/mem/intune/configuration/device-profile-assign',
  intuneFilters: 'https://learn.microsoft.com/mem/intune/fundamentals/filters',
  intuneSync: 'https://learn.microsoft.com/mem/intune/remote-actions/device-sync',
  intuneTroubleshoot: 'https://learn.microsoft.com/mem/intune/configuration/device-profile-troubleshoot',
  remediations: 'https://learn.microsoft.com/mem/intune/fundamentals/remediations',
  releaseInfo: 'https://learn.microsoft.com/windows/release-health/release-information',
  helloPolicies:
    'https://learn.microsoft.com/windows/security/identity-protection/hello-for-business/policy-settings',
} as const;

const GUIDANCE: Record<ReasonCode, ReasonGuidance> = {
  NOT_USER_CONTEXT: {
    title: 'Report not taken in the user session',
    action:
      'Run the detection script with the logged-on credentials; dsregcmd run as SYSTEM or elevated shows no valid User State.',
    docsUrl: DOCS.remediations,
  },
  LEGACY_VALUE_NO: {
    title: 'CanReset reported the legacy value NO',
    action:
      'Update Windows to a current build and collect again; the value is undocumented and not treated as DestructiveOnly.',
    docsUrl: DOCS.dsregcmd,
  },
  UNKNOWN_VALUE: {
    title: 'CanReset unknown or unrecognised',
    action: "Check the device's Entra registration with dsregcmd /status and collect again.",
    docsUrl: DOCS.dsregcmd,
  },
  NOT_INTUNE_MANAGED: {
    title: 'Not managed by Intune',
    action:
      'Enroll the device in Intune (or deliver EnablePinRecovery through Group Policy) so the policy can reach it.',
    docsUrl: DOCS.intuneEnroll,
  },
  NOT_ENTRA_JOINED: {
    title: 'Not Entra joined',
    action:
      'Entra join or hybrid join the device; registered-only and domain-only devices cannot use non-destructive PIN reset.',
    docsUrl: DOCS.pinReset,
  },
  DEVICE_DISABLED: {
    title: 'Device disabled in Entra ID',
    action: 'Re-enable the device object in Entra ID, or re-register the device.',
    docsUrl: DOCS.manageDevices,
  },
  OS_TOO_OLD: {
    title: 'Windows build too old',
    action:
      'Upgrade to a supported Windows release (non-destructive reset needs 1709 / build 16299 or later).',
    docsUrl: DOCS.releaseInfo,
  },
  EDITION_UNSUPPORTED: {
    title: 'Windows edition not supported',
    action: 'Use Enterprise, Education or Pro on 1903 or later.',
    docsUrl: DOCS.passportForWorkCsp,
  },
  PINRESET_APPS_MISSING: {
    title: 'PIN reset apps not consented',
    action:
      'Grant admin consent to Microsoft Pin Reset Service Production and Microsoft Pin Reset Client Production in Entra ID.',
    docsUrl: DOCS.pinReset,
  },
  PINRESET_APP_DISABLED: {
    title: 'PIN reset app disabled',
    action: 'Set "Enabled for users to sign-in" to Yes on both Microsoft Pin Reset enterprise applications.',
    docsUrl: DOCS.pinReset,
  },
  POLICY_NOT_TARGETED: {
    title: 'No PIN recovery policy reaches the device',
    action:
      'Assign a Settings catalog policy with Windows Hello for Business > Enable Pin Recovery = true to the device or its users.',
    docsUrl: DOCS.pinReset,
  },
  POLICY_BAD_OMA_URI: {
    title: 'Custom OMA-URI is wrong',
    action:
      'Use ./Device/Vendor/MSFT/PassportForWork/<tenant id, no braces>/Policies/EnablePinRecovery with data type Boolean, or the Settings catalog.',
    docsUrl: DOCS.passportForWorkCsp,
  },
  USER_POLICY_OVERRIDES: {
    title: 'User-scope setting overrides the device setting',
    action: 'Set the user-scope EnablePinRecovery to true or remove it; user policy wins over device policy.',
    docsUrl: DOCS.helloPolicies,
  },
  POLICY_SET_FALSE: {
    title: 'PIN recovery explicitly disabled',
    action: 'Set EnablePinRecovery to true in the deciding policy, or remove its assignment.',
    docsUrl: DOCS.passportForWorkCsp,
  },
  POLICY_CONFLICT: {
    title: 'Policies conflict',
    action: 'Make every policy that reaches the device set the same EnablePinRecovery value.',
    docsUrl: DOCS.intuneTroubleshoot,
  },
  POLICY_DEPENDS_ON_FILTER: {
    title: 'Result depends on an assignment filter',
    action: "Review the assignment filter: whether it matches this device decides the device's setting.",
    docsUrl: DOCS.intuneFilters,
  },
  POLICY_NOT_YET_APPLIED: {
    title: 'Policy not applied yet',
    action: 'Sync the device (Intune > Devices > Sync) and wait for the next report.',
    docsUrl: DOCS.intuneSync,
  },
  PROTECTOR_NOT_CREATED: {
    title: 'Key may predate the policy (hypothesis)',
    action:
      'Unverified: the WHfB key existed before the policy; test re-provisioning the key on one device before acting fleet-wide.',
    docsUrl: DOCS.pinReset,
  },
  UNEXPLAINED: {
    title: 'DestructiveOnly without a visible cause',
    action:
      'Inspect the device: PassportForWork GPO/registry values, the Ngc prerequisite check and event logs.',
    docsUrl: DOCS.pinReset,
  },
  DESTRUCTIVE_ONLY_HYBRID: {
    title: 'Hybrid joined and DestructiveOnly',
    action:
      'Prioritise: on hybrid key trust a forgotten PIN cannot be reset from the lock screen at all until non-destructive reset works.',
    docsUrl: DOCS.pinReset,
  },
};

export function reasonGuidance(code: ReasonCode): ReasonGuidance {
  return GUIDANCE[code];
}
