/**
 * Rules about the device itself: can it take part in non-destructive PIN reset at all
 * (domain.md §1.2). Device scope: the same for every user of the device.
 */
import { BUILD_NON_DESTRUCTIVE_MIN, BUILD_POLICY_MIN, editionProblem } from '../device-facts.js';
import type { Finding, RuleContext } from './context.js';

const NOT_JOINED = new Set(['entraRegistered', 'domainJoined', 'notJoined']);

/** NOT_ENTRA_JOINED: registered-only, domain-only or not joined; the PIN reset service needs Entra (hybrid) join. */
export function notEntraJoined({ device: d }: RuleContext): Finding | null {
  if (!d.joinType || !NOT_JOINED.has(d.joinType)) return null;
  const registered = d.joinType === 'entraRegistered';
  return {
    message: registered
      ? 'Entra registered (BYOD) device: non-destructive PIN reset is only available on Entra joined and hybrid joined devices; it is outside the ready share.'
      : 'Hybrid join this domain-joined device (Entra Connect device sync): the PIN reset service only serves Entra joined and hybrid joined devices.',
    evidence: { values: { joinType: d.joinType, joinSource: d.joinSource } },
  };
}

/** NOT_INTUNE_MANAGED: no MDM policy can reach it (GPO still can). */
export function notIntuneManaged({ device: d }: RuleContext): Finding | null {
  if (d.intune !== null && !d.removed) return null;
  return {
    message: d.removed
      ? 'The device left Intune, so no Intune policy can enable PIN recovery on it; enroll it again, or deliver Use PIN Recovery by Group Policy.'
      : 'No Intune managed device matches this Entra device id; enroll it in Intune, or deliver Use PIN Recovery by Group Policy.',
    evidence: { values: { deviceId: d.deviceId, removedFromIntune: d.removed } },
  };
}

/** DEVICE_DISABLED: Entra device accountEnabled false (from the devices list). */
export function deviceDisabled({ device: d }: RuleContext): Finding | null {
  if (d.deviceEnabled !== false) return null;
  return {
    message:
      'The device object is disabled in Entra ID: the device cannot authenticate, so no PIN reset can complete. Re-enable it in Entra ID if it was disabled by mistake.',
    evidence: { values: { accountEnabled: false, deviceId: d.deviceId } },
  };
}

/** OS_TOO_OLD: below 1709 (no non-destructive reset), saying whether the policy exists (1703). */
export function osTooOld({ device: d }: RuleContext): Finding | null {
  if (d.osBuild === null || d.osBuild >= BUILD_NON_DESTRUCTIVE_MIN) return null;
  const noPolicy = d.osBuild < BUILD_POLICY_MIN;
  return {
    message: noPolicy
      ? `Upgrade Windows: build ${d.osBuild} predates the EnablePinRecovery policy (needs ${BUILD_POLICY_MIN}+) and non-destructive reset (${BUILD_NON_DESTRUCTIVE_MIN}+).`
      : `Upgrade Windows: build ${d.osBuild} predates non-destructive PIN reset (needs ${BUILD_NON_DESTRUCTIVE_MIN}+).`,
    evidence: { values: { osVersion: d.osVersion, osBuild: d.osBuild, policySupported: !noPolicy } },
  };
}

/** EDITION_UNSUPPORTED: Home/Server, or Pro on 1709–1809; from the device's evidence or Intune's skuFamily. */
export function editionUnsupported({ device: d }: RuleContext): Finding | null {
  const problem = editionProblem(d.edition, d.osBuild);
  if (!problem) return null;
  return {
    message: `Move the device to a supported edition or build: ${problem}.`,
    evidence: { values: { edition: d.edition, editionSource: d.editionSource, osBuild: d.osBuild } },
  };
}
