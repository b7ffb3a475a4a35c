/**
 * The device page's "which policies include or exclude it, through which assignment, group and
 * filter": each case an admin meets, and a property that the explanation never disagrees with
 * the targeting answer the posture engine used (same rule, replayed on the recorded membership).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { membershipOf } from '../../shared/graph/collectors/groups.js';
import { effectiveTargeting } from '../../shared/targeting/effective-targeting.js';
import { explainTargeting, factsMembership, type GroupFacts } from '../../shared/targeting/explain.js';
import type { PinRecoveryPolicy, PolicyAssignment } from '../../shared/targeting/types.js';

const DEV = 'aaaaaaaa-0000-4000-8000-000000000001';
const ALICE = 'bbbbbbbb-0000-4000-8000-000000000001';
const BOB = 'bbbbbbbb-0000-4000-8000-000000000002';

const facts: GroupFacts = {
  entraObjectId: DEV,
  userIds: [ALICE, BOB],
  deviceGroups: ['g-devices', 'g-kiosk'],
  userGroups: { [ALICE]: ['g-pilot', 'g-excl-alice'], [BOB]: ['g-pilot'] },
};

let n = 0;
function policy(assignments: PolicyAssignment[], p: Partial<PinRecoveryPolicy> = {}): PinRecoveryPolicy {
  n++;
  return {
    id: `p${n}`,
    name: `policy ${n}`,
    kind: 'settingsCatalog',
    scope: 'device',
    value: true,
    effective: true,
    issues: [],
    lastModifiedDateTime: null,
    assignments,
    ...p,
  };
}
const group = (groupId: string, f: Partial<PolicyAssignment> = {}): PolicyAssignment => ({
  target: 'group',
  groupId,
  ...f,
});
const excl = (groupId: string): PolicyAssignment => ({ target: 'exclusionGroup', groupId });

describe('explainTargeting', () => {
  it('names the group through which the device object is included', () => {
    const p = policy([group('g-other'), group('g-devices')]);
    const [e] = explainTargeting(facts, [p], { decidedBy: [p.id] });
    expect(e).toMatchObject({ outcome: 'applies', decides: true, via: ['device'] });
    expect(e!.assignments.map((a) => [a.assignment.groupId, a.effect, a.device])).toEqual([
      ['g-other', 'noMatch', false],
      ['g-devices', 'includes', true],
    ]);
  });

  it('includes through users, leaving out a user an exclusion group removes', () => {
    const p = policy([group('g-pilot'), excl('g-excl-alice')], { scope: 'user' });
    const [e] = explainTargeting(facts, [p], null);
    expect(e).toMatchObject({ outcome: 'applies', via: ['user'] });
    expect(e!.assignments[0]).toMatchObject({ effect: 'includes', device: false, users: [BOB] });
    expect(e!.assignments[1]).toMatchObject({ effect: 'excludes', device: false, users: [ALICE] });
  });

  it('an exclusion group holding the device removes the policy, whatever includes it', () => {
    const p = policy([{ target: 'allDevices' }, group('g-devices'), excl('g-kiosk')]);
    const [e] = explainTargeting(facts, [p], null);
    expect(e).toMatchObject({ outcome: 'excluded', via: [] });
    expect(e!.assignments[2]).toMatchObject({ effect: 'excludes', device: true });
  });

  it('reaching only through a filtered assignment applies only if the filter matches', () => {
    const p = policy([{ target: 'allUsers', filterId: 'f1', filterType: 'include' }]);
    const [e] = explainTargeting(facts, [p], null);
    expect(e).toMatchObject({ outcome: 'appliesIfFilterMatches', via: ['user'] });
    expect(e!.assignments[0]).toMatchObject({ effect: 'includes', users: [ALICE, BOB] });
  });

  it('a policy that cannot take effect is shown as reaching but not applying', () => {
    const p = policy([group('g-devices')], {
      kind: 'omaUri',
      effective: false,
      issues: ['POLICY_BAD_OMA_URI'],
    });
    expect(explainTargeting(facts, [p], null)[0]).toMatchObject({ outcome: 'cannotApply' });
  });

  it('lists deciding policies first and unassigned ones last', () => {
    const none = policy([group('g-nobody')], { name: 'a none' });
    const applies = policy([group('g-devices')], { name: 'b applies' });
    const decides = policy([group('g-pilot')], { name: 'c decides', scope: 'user' });
    const out = explainTargeting(facts, [none, applies, decides], { decidedBy: [decides.id] });
    expect(out.map((e) => [e.policy.name, e.outcome])).toEqual([
      ['c decides', 'applies'],
      ['b applies', 'applies'],
      ['a none', 'notAssigned'],
    ]);
  });

  it('a device in none of the assigned groups (no Entra object id known) is reached only by All devices/users', () => {
    const bare: GroupFacts = { entraObjectId: null, userIds: [], deviceGroups: [], userGroups: {} };
    const out = explainTargeting(
      bare,
      [policy([group('g-devices')]), policy([{ target: 'allDevices' }])],
      null,
    );
    expect(out.map((e) => e.outcome).sort()).toEqual(['applies', 'notAssigned']);
  });
});

describe('explanation and targeting agree', () => {
  const GROUPS = ['g1', 'g2', 'g3', 'g4'];
  const USERS = [ALICE, BOB];
  const assignment = fc.oneof(
    fc.record({ target: fc.constant('group' as const), groupId: fc.constantFrom(...GROUPS) }),
    fc.record({ target: fc.constant('exclusionGroup' as const), groupId: fc.constantFrom(...GROUPS) }),
    fc.constant({ target: 'allDevices' as const }),
    fc.constant({ target: 'allUsers' as const }),
  );
  const withFilter = fc
    .tuple(assignment, fc.boolean())
    .map(
      ([a, f]): PolicyAssignment =>
        f && a.target !== 'exclusionGroup' ? { ...a, filterId: 'flt', filterType: 'include' } : a,
    );
  const policies = fc.array(
    fc.record({
      assignments: fc.array(withFilter, { maxLength: 4 }),
      scope: fc.constantFrom('device' as const, 'user' as const),
      value: fc.constantFrom(true, false, null),
      effective: fc.boolean(),
    }),
    { minLength: 1, maxLength: 5 },
  );
  const membership = fc.record({
    device: fc.subarray(GROUPS),
    alice: fc.subarray(GROUPS),
    bob: fc.subarray(GROUPS),
    users: fc.subarray(USERS),
  });

  it('a policy applies (or may, by filter) exactly when the engine sees it reach the device', () => {
    fc.assert(
      fc.property(policies, membership, (ps, m) => {
        const list = ps.map((p, i) => policy(p.assignments, { ...p, id: `q${i}` }));
        const f: GroupFacts = {
          entraObjectId: DEV,
          userIds: m.users,
          deviceGroups: m.device,
          userGroups: Object.fromEntries(
            m.users.map((u) => [u, u === ALICE ? m.alice : m.bob] as const).filter(([, g]) => g.length > 0),
          ),
        };
        const t = effectiveTargeting({ entraObjectId: DEV, userIds: m.users }, list, factsMembership(f));
        const reached = new Set([...t.reaching, ...t.ineffective].map((r) => r.policyId));
        for (const e of explainTargeting(f, list, t)) {
          const reaches =
            e.outcome === 'applies' || e.outcome === 'appliesIfFilterMatches' || e.outcome === 'cannotApply';
          expect(reaches).toBe(reached.has(e.policy.id));
          expect(e.decides).toBe(t.decidedBy.includes(e.policy.id));
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('membership recorded by the collection', () => {
  it('keeps only the assigned groups that hold the device object or each user', () => {
    const groups = new Map([
      ['g1', { devices: new Set([DEV]), users: new Set([ALICE]), found: true }],
      ['g2', { devices: new Set<string>(), users: new Set([BOB]), found: true }],
      ['g3', { devices: new Set<string>(), users: new Set<string>(), found: true }],
    ]);
    const collected = {
      groups,
      objectIdByDeviceId: new Map(),
      unmappedDeviceMembers: 0,
      devicesOf: (g: string) => groups.get(g)?.devices ?? new Set<string>(),
      usersOf: (g: string) => groups.get(g)?.users ?? new Set<string>(),
      userIdBySid: () => undefined,
      userIdByUpn: () => undefined,
    };
    expect(membershipOf({ entraObjectId: DEV, userIds: [ALICE, BOB] }, collected)).toEqual({
      deviceGroups: ['g1'],
      userGroups: { [ALICE]: ['g1'], [BOB]: ['g2'] },
    });
    expect(membershipOf({ entraObjectId: null, userIds: [] }, collected)).toEqual({
      deviceGroups: [],
      userGroups: {},
    });
  });
});
