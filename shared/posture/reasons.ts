/**
 * Reasons derived from collected data (domain.md §7.1). Each builder looks at one source and
 * returns only what that source shows; the evaluator decides which apply to which posture.
 */
import type { PinRecoveryPolicy, Targeting } from '../targeting/types.js';
import {
  BUILD_NON_DESTRUCTIVE_MIN,
  BUILD_POLICY_MIN,
  editionProblem,
  type JoinFacts,
  notEntraJoinedEvidence,
} from './device-facts.js';
import type { TenantReadiness } from './inputs.js';
import { REASON_CODES, type Reason, type ReasonCode } from './types.js';

export type PolicyLookup = (id: string) => PinRecoveryPolicy | undefined;

export function policyLookup(
  policies: ReadonlyMap<string, PinRecoveryPolicy> | readonly PinRecoveryPolicy[],
): PolicyLookup {
  const map = Array.isArray(policies)
    ? new Map((policies as readonly PinRecoveryPolicy[]).map((p) => [p.id, p]))
    : (policies as ReadonlyMap<string, PinRecoveryPolicy>);
  return (id) => map.get(id);
}

function names(ids: readonly string[], lookup: PolicyLookup): string {
  return ids.map((id) => `"${lookup(id)?.name ?? id}"`).join(', ');
}

// --- tenant -------------------------------------------------------------------------------

/** Missing or disabled PIN reset apps: the reset service refuses the reset (CAA20004). */
export function tenantReasons(tenant: TenantReadiness | null): Reason[] {
  if (!tenant) return [];
  const values = {
    serviceAppPresent: tenant.service.present,
    clientAppPresent: tenant.client.present,
    serviceAppEnabled: tenant.service.enabled,
    clientAppEnabled: tenant.client.enabled,
  };
  if (tenant.state === 'missing') {
    const missing = [
      tenant.service.present === false ? 'Microsoft Pin Reset Service Production' : null,
      tenant.client.present === false ? 'Microsoft Pin Reset Client Production' : null,
    ].filter((x) => x !== null);
    return [
      {
        code: 'PINRESET_APPS_MISSING',
        message: `Grant admin consent to ${missing.join(' and ')} in Entra ID, or the PIN reset service refuses the reset.`,
        evidence: { values },
      },
    ];
  }
  if (tenant.state === 'disabled') {
    return [
      {
        code: 'PINRESET_APP_DISABLED',
        message:
          'Enable sign-in for the PIN reset enterprise applications in Entra ID (a disabled service principal blocks the reset).',
        evidence: { values },
      },
    ];
  }
  return [];
}

// --- device -------------------------------------------------------------------------------

export interface DeviceFactsInput {
  intuneManaged: boolean;
  removed: boolean;
  deviceId: string;
  join: JoinFacts;
  deviceEnabled: boolean | null;
  osVersion: string | null;
  osBuild: number | null;
  edition: string | null;
}

export function deviceReasons(d: DeviceFactsInput): Reason[] {
  const out: Reason[] = [];
  if (!d.intuneManaged || d.removed) {
    out.push({
      code: 'NOT_INTUNE_MANAGED',
      message: d.removed
        ? 'The device left Intune, so no MDM policy can enable PIN recovery; re-enroll it or retire it.'
        : 'No Intune managed device matches this Entra device id; enroll it in Intune so the PIN recovery policy can reach it.',
      evidence: { values: { deviceId: d.deviceId, removedFromIntune: d.removed } },
    });
  }
  const notJoined = notEntraJoinedEvidence(d.join);
  if (notJoined) {
    out.push({
      code: 'NOT_ENTRA_JOINED',
      message:
        'Entra join or hybrid join the device: registered-only and domain-only devices cannot use non-destructive PIN reset.',
      evidence: { values: notJoined },
    });
  }
  if (d.deviceEnabled === false) {
    out.push({
      code: 'DEVICE_DISABLED',
      message:
        'Re-enable the device object in Entra ID (or re-register the device); a disabled device cannot use the PIN reset service.',
      evidence: { values: { accountEnabled: false } },
    });
  }
  if (d.osBuild !== null && d.osBuild < BUILD_NON_DESTRUCTIVE_MIN) {
    const noPolicy = d.osBuild < BUILD_POLICY_MIN;
    out.push({
      code: 'OS_TOO_OLD',
      message: noPolicy
        ? `Upgrade Windows: build ${d.osBuild} predates the EnablePinRecovery policy (needs ${BUILD_POLICY_MIN}+) and non-destructive reset (${BUILD_NON_DESTRUCTIVE_MIN}+).`
        : `Upgrade Windows: build ${d.osBuild} predates non-destructive PIN reset (needs ${BUILD_NON_DESTRUCTIVE_MIN}+).`,
      evidence: { values: { osVersion: d.osVersion, osBuild: d.osBuild, policySupported: !noPolicy } },
    });
  }
  const edition = editionProblem(d.edition, d.osBuild);
  if (edition) {
    out.push({
      code: 'EDITION_UNSUPPORTED',
      message: `Move the device to a supported edition or build (${edition}).`,
      evidence: { values: { edition: d.edition, osBuild: d.osBuild } },
    });
  }
  return out;
}

// --- policy -------------------------------------------------------------------------------

/** Latest lastModifiedDateTime among the given policies (ISO), or null when none is known. */
export function latestModified(ids: readonly string[], lookup: PolicyLookup): string | null {
  let best: string | null = null;
  let bestMs = Number.NEGATIVE_INFINITY;
  for (const id of ids) {
    const at = lookup(id)?.lastModifiedDateTime;
    const ms = at ? Date.parse(at) : Number.NaN;
    if (at && Number.isFinite(ms) && ms > bestMs) {
      best = at;
      bestMs = ms;
    }
  }
  return best;
}

/** What the targeting result and the reaching policies show (not sync timing: see the evaluator). */
export function targetingReasons(t: Targeting | null, lookup: PolicyLookup): Reason[] {
  if (!t) return [];
  const out: Reason[] = [];
  switch (t.result) {
    case 'notConfigured': {
      const ineffective = unique(t.ineffective.map((r) => r.policyId));
      out.push({
        code: 'POLICY_NOT_TARGETED',
        message:
          'Assign a policy with EnablePinRecovery = true (Settings catalog > Windows Hello for Business > Enable Pin Recovery) to this device or its users.',
        evidence: ineffective.length > 0 ? { policyIds: ineffective, values: { onlyIneffective: true } } : {},
      });
      break;
    }
    case 'disabled': {
      const override = userOverride(t, lookup);
      if (override) out.push(override);
      else {
        out.push({
          code: 'POLICY_SET_FALSE',
          message: `Set EnablePinRecovery to true in ${names(t.decidedBy, lookup)}, or stop assigning it to this device.`,
          evidence: { policyIds: [...t.decidedBy], values: { value: false } },
        });
      }
      break;
    }
    case 'conflict': {
      const values: Record<string, boolean | null> = {};
      for (const id of t.decidedBy) values[id] = lookup(id)?.value ?? reachValue(t, id);
      out.push({
        code: 'POLICY_CONFLICT',
        message: `Resolve the conflict between ${names(t.decidedBy, lookup)}: they set EnablePinRecovery to different values.`,
        evidence: { policyIds: [...t.decidedBy], values },
      });
      break;
    }
    case 'dependsOnFilter': {
      const values: Record<string, string> = {};
      for (const f of t.filters) values[f.filterId] = f.filterType;
      out.push({
        code: 'POLICY_DEPENDS_ON_FILTER',
        message: `Check the assignment filters of ${names(unique(t.filters.map((f) => f.policyId)), lookup)}: whether this device matches decides its PIN recovery setting.`,
        evidence: { policyIds: [...t.decidedBy], values },
      });
      break;
    }
    case 'enabled':
      break;
  }
  const bad = unique([...t.reaching, ...t.ineffective].map((r) => r.policyId)).filter((id) =>
    lookup(id)?.issues.includes('POLICY_BAD_OMA_URI'),
  );
  if (bad.length > 0) {
    const issues = unique(bad.flatMap((id) => lookup(id)?.issues ?? [])).filter(
      (i) => i !== 'POLICY_BAD_OMA_URI',
    );
    out.push({
      code: 'POLICY_BAD_OMA_URI',
      message: `Fix the custom OMA-URI in ${names(bad, lookup)}: use ./Device/Vendor/MSFT/PassportForWork/<tenant id without braces>/Policies/EnablePinRecovery as a Boolean.`,
      evidence: { policyIds: bad, values: { issues: issues.join(',') } },
    });
  }
  return out;
}

/** A user-scope false beats a device-scope true (domain.md §5.5). */
function userOverride(t: Targeting, lookup: PolicyLookup): Reason | null {
  const deciders = t.decidedBy.map(lookup);
  if (deciders.length === 0 || deciders.some((p) => p?.scope !== 'user')) return null;
  const deviceTrue = unique(
    t.reaching
      .filter((r) => r.value === true && lookup(r.policyId)?.scope === 'device')
      .map((r) => r.policyId),
  );
  if (deviceTrue.length === 0) return null;
  return {
    code: 'USER_POLICY_OVERRIDES',
    message: `User-scope ${names(t.decidedBy, lookup)} disables PIN recovery and wins over device-scope ${names(deviceTrue, lookup)}; set the user setting to true or remove it.`,
    evidence: { policyIds: [...t.decidedBy, ...deviceTrue], values: { userValue: false, deviceValue: true } },
  };
}

function reachValue(t: Targeting, id: string): boolean | null {
  return t.reaching.find((r) => r.policyId === id)?.value ?? null;
}

function unique<T>(xs: readonly T[]): T[] {
  return [...new Set(xs)];
}

// --- ordering -----------------------------------------------------------------------------

const RANK = new Map<ReasonCode, number>(REASON_CODES.map((c, i) => [c, i]));

/** One reason per code (the first wins), in priority order. */
export function orderReasons(reasons: readonly Reason[]): Reason[] {
  const byCode = new Map<ReasonCode, Reason>();
  for (const r of reasons) if (!byCode.has(r.code)) byCode.set(r.code, r);
  return [...byCode.values()].sort((a, b) => (RANK.get(a.code) ?? 0) - (RANK.get(b.code) ?? 0));
}
