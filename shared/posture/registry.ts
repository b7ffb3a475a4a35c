/**
 * THE REASON REGISTRY: every reason code ResetReady can give, in priority order (the first code
 * a device carries is its primary reason), with the function that decides it, the inputs it
 * reads, where it attaches, the admin's next action and the Microsoft documentation it rests on.
 * A newcomer looking for "where is X decided" starts here and follows `decide`.
 *
 * Attachment (issue 11, "attribution"):
 * - `cause`: explains a user's posture (the postures in `explains`), so it can be a device's
 *   reason and its primary reason. On devices whose posture it does not explain (no key yet,
 *   no report) it is listed as a warning: what the device will meet.
 * - `warning`: never a reason; a warning on the devices it applies to.
 * - `fleet`: a tenant-wide condition: a fleet blocker in the summary and a warning on every
 *   device, never a device's reason.
 * `blocksResetNow`: while it holds, a reset started now fails (or cannot start from the lock
 * screen), so a nonDestructive device carrying it is not "resettable now".
 *
 * docs/deploy.md lists exactly these codes (test/unit/posture-registry.test.ts keeps it so).
 */

import type { Rule } from './rules/context.js';
import * as device from './rules/device.js';
import * as policy from './rules/policy.js';
import * as value from './rules/reported-value.js';
import * as tenant from './rules/tenant.js';
import * as timing from './rules/timing.js';
import type { Posture } from './types.js';

/** Microsoft Learn pages the rules and the guidance rest on. */
export const DOCS = {
  pinReset: 'https://learn.microsoft.com/windows/security/identity-protection/hello-for-business/pin-reset',
  passportForWorkCsp: 'https://learn.microsoft.com/windows/client-management/mdm/passportforwork-csp',
  helloConfigure:
    'https://learn.microsoft.com/windows/security/identity-protection/hello-for-business/configure',
  helloPolicies:
    'https://learn.microsoft.com/windows/security/identity-protection/hello-for-business/policy-settings',
  dsregcmd: 'https://learn.microsoft.com/entra/identity/devices/troubleshoot-device-dsregcmd',
  manageDevices: 'https://learn.microsoft.com/entra/identity/devices/manage-device-identities',
  hybridJoin: 'https://learn.microsoft.com/entra/identity/devices/how-to-hybrid-join',
  ssprWindows: 'https://learn.microsoft.com/entra/identity/authentication/howto-sspr-windows',
  omaDmScope:
    'https://learn.microsoft.com/windows/client-management/oma-dm-protocol-support#user-targeted-vs-device-targeted-configuration',
  intuneEnroll: 'https://learn.microsoft.com/mem/intune/fundamentals/deployment-guide-platform-windows',
  intuneAssign: 'https://learn.microsoft.com/mem/intune/configuration/device-profile-assign',
  intuneFilters: 'https://learn.microsoft.com/mem/intune/fundamentals/filters',
  intuneSync: 'https://learn.microsoft.com/mem/intune/remote-actions/device-sync',
  intuneMonitor: 'https://learn.microsoft.com/mem/intune/configuration/device-profile-monitor',
  intuneTroubleshoot: 'https://learn.microsoft.com/mem/intune/configuration/device-profile-troubleshoot',
  intuneCustom: 'https://learn.microsoft.com/mem/intune/configuration/custom-settings-windows-10',
  remediations: 'https://learn.microsoft.com/mem/intune/fundamentals/remediations',
  releaseInfo: 'https://learn.microsoft.com/windows/release-health/release-information',
} as const;

/** Codes in priority order: value problems, then the device, its policy, timing, fallbacks, then warnings. */
export const REASON_CODES = [
  'NOT_USER_CONTEXT',
  'LEGACY_VALUE_NO',
  'UNKNOWN_VALUE',
  'NOT_ENTRA_JOINED',
  'DEVICE_DISABLED',
  'OS_TOO_OLD',
  'EDITION_UNSUPPORTED',
  'NOT_INTUNE_MANAGED',
  'POLICY_NOT_TARGETED',
  'POLICY_ASSIGNMENT_UNSUPPORTED',
  'USER_POLICY_OVERRIDES',
  'POLICY_SET_FALSE',
  'POLICY_CONFLICT',
  'POLICY_DEPENDS_ON_FILTER',
  'POLICY_NOT_YET_APPLIED',
  'POLICY_BAD_OMA_URI',
  'PROTECTOR_NOT_CREATED',
  'UNEXPLAINED',
  'DESTRUCTIVE_ONLY_HYBRID',
  'PINRESET_APPS_MISSING',
  'PINRESET_APP_DISABLED',
] as const;

export type ReasonCode = (typeof REASON_CODES)[number];

export interface ReasonDefinition {
  code: ReasonCode;
  /** Whose facts the rule reads: one user's report, the device, or the tenant. */
  scope: 'user' | 'device' | 'tenant';
  attach: 'cause' | 'warning' | 'fleet';
  /** Postures a `cause` explains (the user's posture it is a reason for). */
  explains: readonly Posture[];
  blocksResetNow: boolean;
  /** The function that decides the code. */
  decide: Rule;
  /** Where that function lives (file#function), for people reading docs or the OData Reasons set. */
  decidedBy: string;
  /** The inputs the rule reads, named as in shared/posture/inputs.ts and the collectors. */
  inputs: readonly string[];
  /** Admin guidance: a title, the next action (never a destructive step first) and its Microsoft doc. */
  title: string;
  action: string;
  docsUrl: string;
  /** Microsoft sources the rule itself rests on. */
  sources: readonly string[];
  /** documented: Microsoft says so; inference: reasoned from documented facts; unverified: a hypothesis. */
  confidence: 'documented' | 'inference' | 'unverified';
}

type Entry = Omit<ReasonDefinition, 'code' | 'decidedBy'> & { file: string };

const DESTRUCTIVE: readonly Posture[] = ['destructiveOnly'];

const REGISTRY: { readonly [C in ReasonCode]: Entry } = {
  NOT_USER_CONTEXT: {
    scope: 'user',
    attach: 'cause',
    explains: ['unknown'],
    blocksResetNow: false,
    decide: value.notUserContext,
    file: 'rules/reported-value.ts',
    inputs: [
      'LatestUserState.notUserContext (dsregcmd Diagnostic Data: User Context / Executing Account Name)',
    ],
    title: 'Report not taken in the user session',
    action:
      'Run the detection script with the logged-on credentials (or the agent in the user session); dsregcmd run as SYSTEM or elevated shows no valid User State.',
    docsUrl: DOCS.dsregcmd,
    sources: [DOCS.dsregcmd, DOCS.remediations],
    confidence: 'documented',
  },
  LEGACY_VALUE_NO: {
    scope: 'user',
    attach: 'cause',
    explains: ['unknown'],
    blocksResetNow: false,
    decide: value.legacyValueNo,
    file: 'rules/reported-value.ts',
    inputs: ['LatestUserState.canReset = NO'],
    title: 'CanReset reported the legacy value NO',
    action:
      'Update Windows to a current build and collect again; the value is undocumented and not treated as DestructiveOnly.',
    docsUrl: DOCS.dsregcmd,
    sources: [DOCS.dsregcmd],
    confidence: 'unverified',
  },
  UNKNOWN_VALUE: {
    scope: 'user',
    attach: 'cause',
    explains: ['unknown'],
    blocksResetNow: false,
    decide: value.unknownValue,
    file: 'rules/reported-value.ts',
    inputs: ['LatestUserState.canReset, canResetRaw, ngcSet'],
    title: 'CanReset unknown or unrecognised',
    action: "Check the device's Entra registration with dsregcmd /status and collect again.",
    docsUrl: DOCS.dsregcmd,
    sources: [DOCS.dsregcmd],
    confidence: 'documented',
  },
  NOT_ENTRA_JOINED: {
    scope: 'device',
    attach: 'cause',
    explains: ['destructiveOnly', 'entraRegistered'],
    blocksResetNow: true,
    decide: device.notEntraJoined,
    file: 'rules/device.ts',
    inputs: [
      'report joinType (dsregcmd AzureAdJoined/DomainJoined/WorkplaceJoined, positive values only)',
      'ManagedDeviceRecord.joinType (beta)',
      'EntraDeviceRecord.trustType',
    ],
    title: 'Not Entra joined or hybrid joined',
    action:
      'Hybrid join domain-joined devices (Entra Connect device sync). Entra registered (BYOD) devices cannot use non-destructive PIN reset; they are reported apart, outside the ready share.',
    docsUrl: DOCS.pinReset,
    sources: [DOCS.pinReset, DOCS.dsregcmd],
    confidence: 'documented',
  },
  DEVICE_DISABLED: {
    scope: 'device',
    attach: 'cause',
    explains: DESTRUCTIVE,
    blocksResetNow: true,
    decide: device.deviceDisabled,
    file: 'rules/device.ts',
    inputs: ['EntraDeviceRecord.accountEnabled (GET /devices list)'],
    title: 'Device disabled in Entra ID',
    action:
      'Re-enable the device object in Entra ID if it was disabled by mistake (Entra admin center > Devices > Enable). Do not re-join the device to fix it: re-joining deletes every Windows Hello container on it.',
    docsUrl: DOCS.manageDevices,
    sources: [DOCS.manageDevices, DOCS.dsregcmd],
    confidence: 'inference',
  },
  OS_TOO_OLD: {
    scope: 'device',
    attach: 'cause',
    explains: DESTRUCTIVE,
    blocksResetNow: false,
    decide: device.osTooOld,
    file: 'rules/device.ts',
    inputs: ['ManagedDeviceRecord.osVersion', 'report osVersion'],
    title: 'Windows build too old',
    action:
      'Upgrade to a supported Windows release with an in-place upgrade (non-destructive reset needs 1709 / build 16299 or later; the policy needs 1703).',
    docsUrl: DOCS.passportForWorkCsp,
    sources: [DOCS.passportForWorkCsp, DOCS.releaseInfo],
    confidence: 'documented',
  },
  EDITION_UNSUPPORTED: {
    scope: 'device',
    attach: 'cause',
    explains: DESTRUCTIVE,
    blocksResetNow: false,
    decide: device.editionUnsupported,
    file: 'rules/device.ts',
    inputs: ['report Windows EditionID (evidence)', 'ManagedDeviceRecord.skuFamily (beta)', 'OS build'],
    title: 'Windows edition not supported',
    action:
      'Upgrade the edition in place (for example Pro to Enterprise with a subscription activation) or the build (Pro needs 1903 or later).',
    docsUrl: DOCS.pinReset,
    sources: [DOCS.pinReset, DOCS.passportForWorkCsp],
    confidence: 'documented',
  },
  NOT_INTUNE_MANAGED: {
    scope: 'device',
    attach: 'cause',
    explains: DESTRUCTIVE,
    blocksResetNow: false,
    decide: device.notIntuneManaged,
    file: 'rules/device.ts',
    inputs: ['ManagedDeviceRecord (none for this Entra deviceId, or removed)'],
    title: 'Not managed by Intune',
    action:
      'Enroll the device in Intune, or deliver Use PIN Recovery through Group Policy, so the policy can reach it.',
    docsUrl: DOCS.intuneEnroll,
    sources: [DOCS.pinReset],
    confidence: 'inference',
  },
  POLICY_NOT_TARGETED: {
    scope: 'device',
    attach: 'cause',
    explains: DESTRUCTIVE,
    blocksResetNow: false,
    decide: policy.policyNotTargeted,
    file: 'rules/policy.ts',
    inputs: ['Targeting.result = notConfigured', 'PinRecoveryPolicy assignments', 'group members'],
    title: 'No PIN recovery policy reaches the device',
    action:
      'Assign a Settings catalog policy with Windows Hello for Business > Enable Pin Recovery = true to the device or its users; check exclusion groups.',
    docsUrl: DOCS.pinReset,
    sources: [DOCS.pinReset, DOCS.passportForWorkCsp, DOCS.intuneAssign],
    confidence: 'documented',
  },
  POLICY_ASSIGNMENT_UNSUPPORTED: {
    scope: 'device',
    attach: 'cause',
    explains: DESTRUCTIVE,
    blocksResetNow: false,
    decide: policy.policyAssignmentUnsupported,
    file: 'rules/policy.ts',
    inputs: ['Targeting.result = unsupportedAssignment', 'Targeting.mixedExclusions'],
    title: 'User-group assignment with a device-group exclusion',
    action:
      'Exclude users from user-group assignments and devices from device-group assignments: Intune does not support excluding device groups from a user-group assignment.',
    docsUrl: DOCS.intuneAssign,
    sources: [DOCS.intuneAssign],
    confidence: 'documented',
  },
  USER_POLICY_OVERRIDES: {
    scope: 'device',
    attach: 'cause',
    explains: DESTRUCTIVE,
    blocksResetNow: false,
    decide: policy.userPolicyOverrides,
    file: 'rules/policy.ts',
    inputs: ['Targeting (user-scope decider false, device-scope true reaching)'],
    title: 'User-scope setting overrides the device setting',
    action:
      'Set the user-scope Enable Pin Recovery to true or remove it; user policy wins over device policy.',
    docsUrl: DOCS.helloConfigure,
    sources: [DOCS.helloConfigure, DOCS.passportForWorkCsp],
    confidence: 'documented',
  },
  POLICY_SET_FALSE: {
    scope: 'device',
    attach: 'cause',
    explains: DESTRUCTIVE,
    blocksResetNow: false,
    decide: policy.policySetFalse,
    file: 'rules/policy.ts',
    inputs: ['Targeting.result = disabled'],
    title: 'PIN recovery explicitly disabled',
    action: 'Set Enable Pin Recovery to true in the deciding policy, or remove its assignment.',
    docsUrl: DOCS.passportForWorkCsp,
    sources: [DOCS.passportForWorkCsp],
    confidence: 'documented',
  },
  POLICY_CONFLICT: {
    scope: 'device',
    attach: 'cause',
    explains: DESTRUCTIVE,
    blocksResetNow: false,
    decide: policy.policyConflict,
    file: 'rules/policy.ts',
    inputs: ['Targeting.result = conflict'],
    title: 'Policies conflict',
    action: 'Make every policy that reaches the device set the same Enable Pin Recovery value.',
    docsUrl: DOCS.intuneTroubleshoot,
    sources: [DOCS.intuneTroubleshoot],
    confidence: 'inference',
  },
  POLICY_DEPENDS_ON_FILTER: {
    scope: 'device',
    attach: 'cause',
    explains: DESTRUCTIVE,
    blocksResetNow: false,
    decide: policy.policyDependsOnFilter,
    file: 'rules/policy.ts',
    inputs: ['Targeting.result = dependsOnFilter', 'assignment filter ids'],
    title: 'Result depends on an assignment filter',
    action: "Review the assignment filter: whether it matches this device decides the device's setting.",
    docsUrl: DOCS.intuneFilters,
    sources: [DOCS.intuneFilters],
    confidence: 'documented',
  },
  POLICY_NOT_YET_APPLIED: {
    scope: 'user',
    attach: 'cause',
    explains: DESTRUCTIVE,
    blocksResetNow: false,
    decide: timing.policyNotYetApplied,
    file: 'rules/timing.ts',
    inputs: [
      'deciding policy lastModifiedDateTime',
      'ManagedDeviceRecord.lastSyncDateTime',
      'LatestUserState.reportedAt',
    ],
    title: 'Policy not applied yet',
    action: 'Sync the device (Intune > Devices > Sync) and wait for the next report.',
    docsUrl: DOCS.intuneSync,
    sources: [DOCS.intuneSync],
    confidence: 'inference',
  },
  POLICY_BAD_OMA_URI: {
    scope: 'device',
    attach: 'cause',
    explains: DESTRUCTIVE,
    blocksResetNow: false,
    decide: policy.policyBadOmaUri,
    file: 'rules/policy.ts',
    inputs: ['custom profile omaUri (tenant id) and data type, when the profile decides targeting'],
    title: 'Custom OMA-URI is wrong',
    action:
      "Use ./Device/Vendor/MSFT/PassportForWork/<this tenant's id>/Policies/EnablePinRecovery with data type Boolean, or the Settings catalog.",
    docsUrl: DOCS.passportForWorkCsp,
    sources: [DOCS.passportForWorkCsp, DOCS.pinReset, DOCS.omaDmScope, DOCS.intuneCustom],
    confidence: 'documented',
  },
  PROTECTOR_NOT_CREATED: {
    scope: 'user',
    attach: 'cause',
    explains: DESTRUCTIVE,
    blocksResetNow: false,
    decide: timing.protectorNotCreated,
    file: 'rules/timing.ts',
    inputs: ['deciding policy lastModifiedDateTime', 'lastSyncDateTime', 'key first seen (report history)'],
    title: 'Key may predate the policy (hypothesis)',
    action:
      'Have the user sign in with the PIN (or lock and unlock the device), then wait for the next report. Only if it still says DestructiveOnly and the user agrees, as a last resort: re-provisioning Windows Hello deletes the container, with every key and certificate in it.',
    docsUrl: DOCS.pinReset,
    sources: [DOCS.pinReset],
    confidence: 'unverified',
  },
  UNEXPLAINED: {
    scope: 'user',
    attach: 'cause',
    explains: DESTRUCTIVE,
    blocksResetNow: false,
    decide: timing.unexplained,
    file: 'rules/timing.ts',
    inputs: ['no other cause found'],
    title: 'DestructiveOnly without a visible cause',
    action:
      'Inspect the device: PassportForWork Group Policy and MDM registry values, the Ngc prerequisite check in dsregcmd /status, and the Intune profile status.',
    docsUrl: DOCS.pinReset,
    sources: [DOCS.pinReset, DOCS.dsregcmd],
    confidence: 'documented',
  },
  DESTRUCTIVE_ONLY_HYBRID: {
    scope: 'user',
    attach: 'warning',
    explains: DESTRUCTIVE,
    blocksResetNow: false,
    decide: timing.destructiveOnlyHybrid,
    file: 'rules/timing.ts',
    inputs: ['resolved joinType = hybridJoined', 'user posture destructiveOnly'],
    title: 'Hybrid joined and DestructiveOnly',
    action:
      'Prioritise: on hybrid key trust a forgotten PIN cannot be reset from the lock screen at all until non-destructive reset works.',
    docsUrl: DOCS.pinReset,
    sources: [DOCS.pinReset],
    confidence: 'documented',
  },
  PINRESET_APPS_MISSING: {
    scope: 'tenant',
    attach: 'fleet',
    explains: [],
    blocksResetNow: true,
    decide: tenant.pinResetAppsMissing,
    file: 'rules/tenant.ts',
    inputs: ['TenantReadiness (servicePrincipals by appId)'],
    title: 'PIN reset apps not consented',
    action:
      'Grant admin consent to Microsoft Pin Reset Service Production and Microsoft Pin Reset Client Production in Entra ID.',
    docsUrl: DOCS.pinReset,
    sources: [DOCS.pinReset],
    confidence: 'documented',
  },
  PINRESET_APP_DISABLED: {
    scope: 'tenant',
    attach: 'fleet',
    explains: [],
    blocksResetNow: true,
    decide: tenant.pinResetAppDisabled,
    file: 'rules/tenant.ts',
    inputs: ['TenantReadiness (servicePrincipal.accountEnabled)'],
    title: 'PIN reset app disabled',
    action: 'Set "Enabled for users to sign-in" to Yes on both Microsoft Pin Reset enterprise applications.',
    docsUrl: DOCS.pinReset,
    sources: [DOCS.pinReset],
    confidence: 'unverified',
  },
};

const DEFINITIONS: ReadonlyMap<ReasonCode, ReasonDefinition & { priority: number }> = new Map(
  REASON_CODES.map((code, i) => {
    const { file, ...entry } = REGISTRY[code];
    const fn = entry.decide.name;
    return [code, { ...entry, code, decidedBy: `shared/posture/${file}#${fn}`, priority: i + 1 }];
  }),
);

/** The definition of one code, with its priority (1 = first). */
export function reasonDefinition(code: ReasonCode): ReasonDefinition & { priority: number } {
  const d = DEFINITIONS.get(code);
  if (!d) throw new Error(`unknown reason code ${code}`);
  return d;
}

/** Every definition, in priority order. */
export function reasonDefinitions(): (ReasonDefinition & { priority: number })[] {
  return REASON_CODES.map(reasonDefinition);
}

export function isReasonCode(code: string): code is ReasonCode {
  return DEFINITIONS.has(code as ReasonCode);
}
