/**
 * Why a PIN recovery policy reaches a device or not, assignment by assignment, the way
 * Intune's assignment checker reads: included through which group (the device itself or
 * which user), excluded through which group, reaching only if an assignment filter matches,
 * or not assigned at all. It replays the engine's own rule (policyReach) on the group
 * membership the collection recorded for this device, so the explanation and the stored
 * targeting result always agree. Pure.
 */
import { policyReach } from './effective-targeting.js';
import type { GroupMembership, PinRecoveryPolicy, PolicyAssignment, Targeting } from './types.js';

/** The assigned groups the collection found the device object and each user in (transitively). */
export interface GroupFacts {
  /** Entra object id of the device (null: it is a member of none of the assigned groups). */
  entraObjectId: string | null;
  userIds: readonly string[];
  deviceGroups: readonly string[];
  userGroups: Readonly<Record<string, readonly string[]>>;
}

export type AssignmentEffect = 'includes' | 'excludes' | 'noMatch';

export interface AssignmentMatch {
  assignment: PolicyAssignment;
  effect: AssignmentEffect;
  /** The device object matched (a member of the group, or All devices). */
  device: boolean;
  /** Users of the device that matched (members of the group, or all of them for All users). */
  users: string[];
}

/**
 * applies: at least one unfiltered inclusion reaches the device or a user;
 * appliesIfFilterMatches: only filtered inclusions reach it (filters are not evaluated here);
 * excluded: an exclusion group holds the device (or every user it would reach through);
 * notAssigned: no assignment touches the device or its users;
 * cannotApply: it reaches the device but can never take effect (e.g. a bad OMA-URI).
 */
export type PolicyOutcome = 'applies' | 'appliesIfFilterMatches' | 'excluded' | 'notAssigned' | 'cannotApply';

export interface PolicyExplanation {
  policy: PinRecoveryPolicy;
  outcome: PolicyOutcome;
  /** Among the policies that decided the device's targeting result. */
  decides: boolean;
  /** How it reaches: through the device, through a user, or both. */
  via: ('device' | 'user')[];
  assignments: AssignmentMatch[];
}

export function factsMembership(facts: GroupFacts): GroupMembership {
  const device = new Set(facts.deviceGroups.map((g) => g.toLowerCase()));
  const byGroup = new Map<string, Set<string>>();
  for (const [user, groups] of Object.entries(facts.userGroups)) {
    for (const g of groups) {
      const key = g.toLowerCase();
      const set = byGroup.get(key) ?? new Set<string>();
      set.add(user);
      byGroup.set(key, set);
    }
  }
  const none: ReadonlySet<string> = new Set();
  return {
    devicesOf: (g) =>
      facts.entraObjectId && device.has(g.toLowerCase()) ? new Set([facts.entraObjectId]) : none,
    usersOf: (g) => byGroup.get(g.toLowerCase()) ?? none,
  };
}

function assignmentMatch(
  a: PolicyAssignment,
  facts: GroupFacts,
  membership: GroupMembership,
  excludedUsers: ReadonlySet<string>,
): AssignmentMatch {
  const deviceIn = (g: string) =>
    facts.entraObjectId !== null && membership.devicesOf(g).has(facts.entraObjectId);
  const usersIn = (g: string) => facts.userIds.filter((u) => membership.usersOf(g).has(u));
  switch (a.target) {
    case 'exclusionGroup': {
      const device = !!a.groupId && deviceIn(a.groupId);
      const users = a.groupId ? usersIn(a.groupId) : [];
      return { assignment: a, effect: device || users.length > 0 ? 'excludes' : 'noMatch', device, users };
    }
    case 'allDevices':
      return { assignment: a, effect: 'includes', device: true, users: [] };
    case 'allUsers': {
      const users = facts.userIds.filter((u) => !excludedUsers.has(u));
      return { assignment: a, effect: users.length > 0 ? 'includes' : 'noMatch', device: false, users };
    }
    case 'group': {
      const device = !!a.groupId && deviceIn(a.groupId);
      const users = a.groupId ? usersIn(a.groupId).filter((u) => !excludedUsers.has(u)) : [];
      return { assignment: a, effect: device || users.length > 0 ? 'includes' : 'noMatch', device, users };
    }
    default:
      return { assignment: a, effect: 'noMatch', device: false, users: [] };
  }
}

const ORDER: Record<PolicyOutcome, number> = {
  applies: 0,
  appliesIfFilterMatches: 1,
  cannotApply: 2,
  excluded: 3,
  notAssigned: 4,
};

export function explainTargeting(
  facts: GroupFacts,
  policies: readonly PinRecoveryPolicy[],
  targeting: Pick<Targeting, 'decidedBy'> | null,
): PolicyExplanation[] {
  const membership = factsMembership(facts);
  const decided = new Set(targeting?.decidedBy ?? []);
  const out = policies.map((policy): PolicyExplanation => {
    const excludedUsers = new Set<string>();
    for (const a of policy.assignments) {
      if (a.target === 'exclusionGroup' && a.groupId) {
        for (const u of facts.userIds) if (membership.usersOf(a.groupId).has(u)) excludedUsers.add(u);
      }
    }
    const assignments = policy.assignments.map((a) => assignmentMatch(a, facts, membership, excludedUsers));
    const reach = policyReach(
      { entraObjectId: facts.entraObjectId, userIds: [...facts.userIds] },
      policy,
      membership,
    );
    let outcome: PolicyOutcome;
    if (reach)
      outcome = !policy.effective ? 'cannotApply' : reach.definite ? 'applies' : 'appliesIfFilterMatches';
    else outcome = assignments.some((m) => m.effect === 'excludes') ? 'excluded' : 'notAssigned';
    return {
      policy,
      outcome,
      decides: decided.has(policy.id),
      via: reach ? [...reach.vias.keys()].sort() : [],
      assignments,
    };
  });
  return out.sort(
    (a, b) =>
      Number(b.decides) - Number(a.decides) ||
      ORDER[a.outcome] - ORDER[b.outcome] ||
      a.policy.name.localeCompare(b.policy.name),
  );
}
