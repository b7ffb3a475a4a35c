/**
 * Rules about Intune's PIN recovery policies: what targeting decided for the device
 * (shared/targeting) and what is wrong with the policies that decided it. Device scope.
 */
import { latestModified, policyNames, unique } from '../policy-lookup.js';
import type { Finding, RuleContext } from './context.js';

/**
 * Issues that make a custom OMA-URI profile wrong, not just unusual: another tenant's GUID
 * (the node configures nothing for ours) or a non-Boolean data type (the CSP node is bool).
 * The PIN reset page's own `./Vendor/MSFT/Policy/PassportForWork/…`, braces around the
 * tenant id and a missing `./Device` are non-canonical, not wrong.
 */
export const BAD_OMA_ISSUES = ['OMA_URI_OTHER_TENANT', 'OMA_VALUE_NOT_BOOLEAN'] as const;

function badOma(ctx: RuleContext, id: string): boolean {
  const p = ctx.device.lookup(id);
  return p?.kind === 'omaUri' && p.issues.some((i) => (BAD_OMA_ISSUES as readonly string[]).includes(i));
}

/** Profiles with a wrong OMA-URI that decide this device's targeting (or are all that reaches it). */
function badDeciders(ctx: RuleContext): string[] {
  const t = ctx.device.targeting;
  if (!t) return [];
  const deciding = t.decidedBy.filter((id) => badOma(ctx, id));
  if (deciding.length > 0) return unique(deciding);
  // Nothing effective reaches the device: a wrong profile that reaches it is why.
  if (t.result === 'notConfigured')
    return unique(t.ineffective.map((r) => r.policyId).filter((id) => badOma(ctx, id)));
  return [];
}

/** POLICY_NOT_TARGETED: no effective policy with a value reaches the device or its users. */
export function policyNotTargeted(ctx: RuleContext): Finding | null {
  const t = ctx.device.targeting;
  if (t?.result !== 'notConfigured' || badDeciders(ctx).length > 0) return null;
  const ineffective = unique(t.ineffective.map((r) => r.policyId));
  return {
    message:
      'Assign a policy with Enable Pin Recovery = true (Settings catalog > Windows Hello for Business) to this device or its users.',
    evidence: ineffective.length > 0 ? { policyIds: ineffective, values: { onlyIneffective: true } } : {},
  };
}

/** POLICY_ASSIGNMENT_UNSUPPORTED: a user-group inclusion meets a device-group exclusion. */
export function policyAssignmentUnsupported(ctx: RuleContext): Finding | null {
  const t = ctx.device.targeting;
  if (t?.result !== 'unsupportedAssignment') return null;
  const mixed = t.mixedExclusions ?? [];
  const ids = unique(mixed.map((m) => m.policyId));
  const values: Record<string, string> = {};
  for (const m of mixed) values[m.policyId] = m.groupId;
  return {
    message: `${policyNames(ids.length > 0 ? ids : t.decidedBy, ctx.device.lookup)} include this device's user through a user group while the device is in an excluded device group, a mix Intune does not support (it may still apply the policy); exclude users from user assignments and devices from device assignments.`,
    evidence: { policyIds: [...t.decidedBy], values },
  };
}

/** USER_POLICY_OVERRIDES: a user-scope false (the decider) beats a device-scope true (domain.md §5.5). */
function userOverride(ctx: RuleContext): { deciders: string[]; deviceTrue: string[] } | null {
  const t = ctx.device.targeting;
  if (t?.result !== 'disabled') return null;
  const deciders = t.decidedBy.map(ctx.device.lookup);
  if (deciders.length === 0 || deciders.some((p) => p?.scope !== 'user')) return null;
  const deviceTrue = unique(
    t.reaching
      .filter((r) => r.value === true && ctx.device.lookup(r.policyId)?.scope === 'device')
      .map((r) => r.policyId),
  );
  return deviceTrue.length > 0 ? { deciders: [...t.decidedBy], deviceTrue } : null;
}

export function userPolicyOverrides(ctx: RuleContext): Finding | null {
  const o = userOverride(ctx);
  if (!o) return null;
  const names = (ids: string[]) => policyNames(ids, ctx.device.lookup);
  return {
    message: `User-scope ${names(o.deciders)} disables PIN recovery and wins over device-scope ${names(o.deviceTrue)}; set the user setting to true or remove it.`,
    evidence: {
      policyIds: [...o.deciders, ...o.deviceTrue],
      values: { userValue: false, deviceValue: true },
    },
  };
}

/** POLICY_SET_FALSE: the deciding policies set EnablePinRecovery to false. */
export function policySetFalse(ctx: RuleContext): Finding | null {
  const t = ctx.device.targeting;
  if (t?.result !== 'disabled' || userOverride(ctx)) return null;
  return {
    message: `Set Enable Pin Recovery to true in ${policyNames(t.decidedBy, ctx.device.lookup)}, or stop assigning it to this device.`,
    evidence: { policyIds: [...t.decidedBy], values: { value: false } },
  };
}

/** POLICY_CONFLICT: deciding policies of the same tier set different values. */
export function policyConflict(ctx: RuleContext): Finding | null {
  const t = ctx.device.targeting;
  if (t?.result !== 'conflict') return null;
  const values: Record<string, boolean | null> = {};
  for (const id of t.decidedBy) {
    values[id] = ctx.device.lookup(id)?.value ?? t.reaching.find((r) => r.policyId === id)?.value ?? null;
  }
  return {
    message: `Resolve the conflict between ${policyNames(t.decidedBy, ctx.device.lookup)}: they set Enable Pin Recovery to different values.`,
    evidence: { policyIds: [...t.decidedBy], values },
  };
}

/** POLICY_DEPENDS_ON_FILTER: an assignment filter we do not evaluate decides the outcome. */
export function policyDependsOnFilter(ctx: RuleContext): Finding | null {
  const t = ctx.device.targeting;
  if (t?.result !== 'dependsOnFilter') return null;
  const values: Record<string, string> = {};
  for (const f of t.filters) values[f.filterId] = f.filterType;
  return {
    message: `Check the assignment filters of ${policyNames(unique(t.filters.map((f) => f.policyId)), ctx.device.lookup)}: whether this device matches decides its PIN recovery setting.`,
    evidence: { policyIds: [...t.decidedBy], values },
  };
}

/** POLICY_BAD_OMA_URI: only where the wrong profile decides the device's targeting (or is all that reaches it). */
export function policyBadOmaUri(ctx: RuleContext): Finding | null {
  const bad = badDeciders(ctx);
  if (bad.length === 0) return null;
  const issues = unique(bad.flatMap((id) => ctx.device.lookup(id)?.issues ?? [])).filter((i) =>
    (BAD_OMA_ISSUES as readonly string[]).includes(i),
  );
  return {
    message: `Fix the custom OMA-URI in ${policyNames(bad, ctx.device.lookup)}: ./Device/Vendor/MSFT/PassportForWork/<this tenant's id>/Policies/EnablePinRecovery, data type Boolean (or use the Settings catalog).`,
    evidence: { policyIds: bad, values: { issues: issues.join(',') } },
  };
}

/** The newest change among the policies that enable recovery for this device, when targeting is enabled. */
export function enablingPolicyChange(ctx: RuleContext): { ids: string[]; modified: string } | null {
  const t = ctx.device.targeting;
  if (t?.result !== 'enabled') return null;
  const modified = latestModified(t.decidedBy, ctx.device.lookup);
  return modified ? { ids: [...t.decidedBy], modified } : null;
}
