/**
 * Which EnablePinRecovery value a device (and its users) ends up with, from policy
 * assignments and group membership alone. Rules (graph.md §6.4, domain.md §5.5, Intune
 * "Assign device profiles": learn.microsoft.com/mem/intune/configuration/device-profile-assign):
 * - inclusion via allDevices / allUsers / a group holding the device's Entra object id or one of its users;
 * - exclusion beats inclusion of the same kind: a device in an excluded device group loses every
 *   device-side reach of the policy, a user in an excluded group loses the reach through that user;
 * - a user-side inclusion of a device that sits in an excluded device group is the mix Intune
 *   documents as unreliable ("might not create the results you expect … inclusion takes
 *   precedence"): never a definite answer; when it could change the outcome the result is
 *   unsupportedAssignment;
 * - ineffective policies never decide (kept as evidence);
 * - user-scope settings beat device-scope ones;
 * - two deciding policies with different values → conflict;
 * - a reach that exists only through a filtered assignment is never a definite answer: when it
 *   could change the outcome the result is dependsOnFilter;
 * - nothing reaching → notConfigured.
 */
import type {
  FilterDependency,
  GroupMembership,
  MixedExclusion,
  PinRecoveryPolicy,
  PolicyAssignment,
  PolicyReach,
  TargetDevice,
  Targeting,
} from './types.js';

type Via = 'device' | 'user';

interface ViaReach {
  definite: boolean;
  filters: FilterDependency[];
  /** Set when the device is in an excluded device group but a user inclusion still reaches it. */
  mixedExclusion?: string;
}

interface Reach {
  policy: PinRecoveryPolicy;
  /** At least one unfiltered, unambiguous inclusion reaches the device or one of its users. */
  definite: boolean;
  vias: Map<Via, ViaReach>;
}

function has(set: ReadonlySet<string>, id: string): boolean {
  return set.has(id) || set.has(id.toLowerCase());
}

function filterOf(policyId: string, a: PolicyAssignment): FilterDependency | null {
  // filterType "none" is mapped away by the collector; a filter id without a type is still a filter.
  if (!a.filterId) return null;
  return { policyId, filterId: a.filterId, filterType: a.filterType ?? 'include' };
}

/** How one policy reaches the device, or null when it does not (or is excluded). */
export function policyReach(
  device: TargetDevice,
  policy: PinRecoveryPolicy,
  membership: GroupMembership,
): Reach | null {
  const deviceId = device.entraObjectId;
  const users = device.userIds;
  const deviceIn = (g: string) => deviceId !== null && has(membership.devicesOf(g), deviceId);
  const usersIn = (g: string) => users.filter((u) => has(membership.usersOf(g), u));

  // Exclusions first: they win whatever the order of assignments.
  const excludedUsers = new Set<string>();
  let deviceExcludedBy: string | null = null;
  for (const a of policy.assignments) {
    if (a.target !== 'exclusionGroup' || !a.groupId) continue;
    if (deviceIn(a.groupId)) deviceExcludedBy ??= a.groupId;
    for (const u of usersIn(a.groupId)) excludedUsers.add(u);
  }
  const includedUsers = (g: string) => usersIn(g).filter((u) => !excludedUsers.has(u));
  const someUser = users.some((u) => !excludedUsers.has(u));

  const vias = new Map<Via, ViaReach>();
  const add = (via: Via, a: PolicyAssignment) => {
    // An excluded device loses its device-side reach outright.
    if (via === 'device' && deviceExcludedBy) return;
    const r = vias.get(via) ?? { definite: false, filters: [] };
    if (via === 'user' && deviceExcludedBy) {
      r.mixedExclusion = deviceExcludedBy;
      vias.set(via, r);
      return;
    }
    const filter = filterOf(policy.id, a);
    if (filter) r.filters.push(filter);
    else r.definite = true;
    vias.set(via, r);
  };
  for (const a of policy.assignments) {
    switch (a.target) {
      case 'allDevices':
        add('device', a);
        break;
      case 'allUsers':
        if (someUser) add('user', a);
        break;
      case 'group':
        if (!a.groupId) break;
        if (deviceIn(a.groupId)) add('device', a);
        if (includedUsers(a.groupId).length > 0) add('user', a);
        break;
      default:
        break;
    }
  }
  if (vias.size === 0) return null;
  const definite = [...vias.values()].some((v) => v.definite && !v.mixedExclusion);
  return { policy, definite, vias };
}

function reachEntries(r: Reach): PolicyReach[] {
  return [...r.vias.entries()].map(([via, v]) => {
    const entry: PolicyReach = { policyId: r.policy.id, via, value: r.policy.value };
    const f = v.filters[0];
    if (v.mixedExclusion) entry.mixedExclusion = { groupId: v.mixedExclusion };
    else if (!v.definite && f) entry.filter = { filterId: f.filterId, filterType: f.filterType };
    return entry;
  });
}

const TIERS = ['user', 'device'] as const;

function mixedOf(r: Reach): MixedExclusion[] {
  return [...r.vias.values()].flatMap((v) =>
    v.mixedExclusion ? [{ policyId: r.policy.id, groupId: v.mixedExclusion }] : [],
  );
}

export function effectiveTargeting(
  device: TargetDevice,
  policies: readonly PinRecoveryPolicy[],
  membership: GroupMembership,
): Targeting {
  const reaches: Reach[] = [];
  const ineffective: PolicyReach[] = [];
  for (const p of policies) {
    const r = policyReach(device, p, membership);
    if (!r) continue;
    if (p.effective) reaches.push(r);
    else ineffective.push(...reachEntries(r));
  }
  const reaching = reaches.flatMap(reachEntries);
  // Only uncertain-only reaches matter: a policy that also reaches definitely is certain.
  const uncertain = reaches.filter((r) => !r.definite && r.policy.value !== null);
  const mixed = uncertain.filter((r) => mixedOf(r).length > 0);
  const filtered = uncertain.filter((r) => mixedOf(r).length === 0);
  const filters = filtered.flatMap((r) => [...r.vias.values()].flatMap((v) => v.filters));
  const mixedExclusions = mixed.flatMap(mixedOf);
  const base = { reaching, filters, ineffective, ...(mixedExclusions.length > 0 ? { mixedExclusions } : {}) };

  // The definite answer, user tier first (user policies win over device policies).
  const definite = reaches.filter((r) => r.definite && r.policy.value !== null);
  let tier: 'user' | 'device' | null = null;
  let deciders: Reach[] = [];
  for (const t of TIERS) {
    deciders = definite.filter((r) => r.policy.scope === t);
    if (deciders.length > 0) {
      tier = t;
      break;
    }
  }
  const values = new Set(deciders.map((r) => r.policy.value));
  const outcome: 'enabled' | 'disabled' | 'conflict' | 'notConfigured' =
    tier === null
      ? 'notConfigured'
      : values.size > 1
        ? 'conflict'
        : values.has(true)
          ? 'enabled'
          : 'disabled';

  // Uncertain reaches that could change that answer if they do apply to the device.
  const rank = (scope: 'user' | 'device') => (scope === 'user' ? 0 : 1);
  const swings = (r: Reach) => {
    if (tier === null) return true;
    const differs = outcome === 'conflict' || r.policy.value !== (outcome === 'enabled');
    // A higher tier would take over (it can also settle a conflict); the same tier would add a
    // conflict. Either way only a different value changes the answer.
    if (rank(r.policy.scope) < rank(tier)) return differs;
    return r.policy.scope === tier && outcome !== 'conflict' && differs;
  };
  const mixedSwing = mixed.filter(swings);
  if (mixedSwing.length > 0) {
    return {
      result: 'unsupportedAssignment',
      decidedBy: [...deciders, ...mixedSwing].map((r) => r.policy.id),
      ...base,
    };
  }
  const swing = filtered.filter(swings);
  if (swing.length > 0) {
    return {
      result: 'dependsOnFilter',
      decidedBy: [...deciders, ...swing].map((r) => r.policy.id),
      ...base,
    };
  }
  return { result: outcome, decidedBy: deciders.map((r) => r.policy.id), ...base };
}
