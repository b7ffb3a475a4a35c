/**
 * Which EnablePinRecovery value a device (and its users) ends up with, from policy
 * assignments and group membership alone. Rules (graph.md §6.4, domain.md §5.5):
 * - inclusion via allDevices / allUsers / a group holding the device's Entra object id or one of its users;
 * - exclusion beats inclusion: a device in an exclusion group removes the policy's whole reach
 *   to this device, a user in one removes the reach through that user;
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
}

interface Reach {
  policy: PinRecoveryPolicy;
  /** At least one unfiltered inclusion reaches the device or one of its users. */
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
  for (const a of policy.assignments) {
    if (a.target !== 'exclusionGroup' || !a.groupId) continue;
    if (deviceIn(a.groupId)) return null;
    for (const u of usersIn(a.groupId)) excludedUsers.add(u);
  }
  const includedUsers = (g: string) => usersIn(g).filter((u) => !excludedUsers.has(u));
  const someUser = users.some((u) => !excludedUsers.has(u));

  const vias = new Map<Via, ViaReach>();
  const add = (via: Via, a: PolicyAssignment) => {
    const filter = filterOf(policy.id, a);
    const r = vias.get(via) ?? { definite: false, filters: [] };
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
  const definite = [...vias.values()].some((v) => v.definite);
  return { policy, definite, vias };
}

function reachEntries(r: Reach): PolicyReach[] {
  return [...r.vias.entries()].map(([via, v]) => {
    const entry: PolicyReach = { policyId: r.policy.id, via, value: r.policy.value };
    const f = v.filters[0];
    if (!v.definite && f) entry.filter = { filterId: f.filterId, filterType: f.filterType };
    return entry;
  });
}

const TIERS = ['user', 'device'] as const;

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
  // Only filter-only reaches matter: a policy that also reaches without a filter is certain.
  const filtered = reaches.filter((r) => !r.definite && r.policy.value !== null);
  const filters = filtered.flatMap((r) => [...r.vias.values()].flatMap((v) => v.filters));
  const base = { reaching, filters, ineffective };

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

  // Filtered reaches that could change that answer if their filter matches the device.
  const rank = (scope: 'user' | 'device') => (scope === 'user' ? 0 : 1);
  const swing = filtered.filter((r) => {
    if (tier === null) return true;
    const differs = outcome === 'conflict' || r.policy.value !== (outcome === 'enabled');
    // A higher tier would take over (it can also settle a conflict); the same tier would add a
    // conflict. Either way only a different value changes the answer.
    if (rank(r.policy.scope) < rank(tier)) return differs;
    return r.policy.scope === tier && outcome !== 'conflict' && differs;
  });
  if (swing.length > 0) {
    return {
      result: 'dependsOnFilter',
      decidedBy: [...deciders, ...swing].map((r) => r.policy.id),
      ...base,
    };
  }
  return { result: outcome, decidedBy: deciders.map((r) => r.policy.id), ...base };
}
