import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { effectiveTargeting } from '../../shared/targeting/index.js';
import type { GroupMembership, PinRecoveryPolicy, PolicyAssignment } from '../../shared/targeting/types.js';

const DEV = 'aaaaaaaa-0000-0000-0000-000000000001';
const OTHER_DEV = 'aaaaaaaa-0000-0000-0000-000000000002';
const ALICE = 'bbbbbbbb-0000-0000-0000-000000000001';
const BOB = 'bbbbbbbb-0000-0000-0000-000000000002';

function groups(devices: Record<string, string[]>, users: Record<string, string[]> = {}): GroupMembership {
  const empty = new Set<string>();
  return {
    devicesOf: (g) => new Set(devices[g] ?? empty),
    usersOf: (g) => new Set(users[g] ?? empty),
  };
}

const membership = groups(
  { gDevices: [DEV], gOtherDevices: [OTHER_DEV], gExclDevice: [DEV] },
  { gAlice: [ALICE], gBob: [BOB], gExclAlice: [ALICE], gBoth: [ALICE, BOB] },
);

let n = 0;
function policy(p: Partial<PinRecoveryPolicy> & { assignments: PolicyAssignment[] }): PinRecoveryPolicy {
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
    ...p,
  };
}
const group = (
  groupId: string,
  filter?: Pick<PolicyAssignment, 'filterId' | 'filterType'>,
): PolicyAssignment => ({
  target: 'group',
  groupId,
  ...filter,
});
const excl = (groupId: string): PolicyAssignment => ({ target: 'exclusionGroup', groupId });
const allDevices: PolicyAssignment = { target: 'allDevices' };
const allUsers: PolicyAssignment = { target: 'allUsers' };

const device = { entraObjectId: DEV, userIds: [ALICE] };

describe('effectiveTargeting: inclusion', () => {
  it('is notConfigured when nothing reaches the device', () => {
    const p = policy({ assignments: [group('gOtherDevices'), group('gBob')] });
    expect(effectiveTargeting(device, [p], membership)).toEqual({
      result: 'notConfigured',
      decidedBy: [],
      reaching: [],
      filters: [],
      ineffective: [],
    });
    expect(effectiveTargeting(device, [], membership).result).toBe('notConfigured');
  });

  it('reaches through allDevices', () => {
    const p = policy({ assignments: [allDevices] });
    const t = effectiveTargeting(device, [p], membership);
    expect(t).toMatchObject({ result: 'enabled', decidedBy: [p.id] });
    expect(t.reaching).toEqual([{ policyId: p.id, via: 'device', value: true }]);
  });

  it('reaches through allUsers only when the device has a user', () => {
    const p = policy({ assignments: [allUsers] });
    expect(effectiveTargeting(device, [p], membership)).toMatchObject({
      result: 'enabled',
      reaching: [{ policyId: p.id, via: 'user', value: true }],
    });
    expect(effectiveTargeting({ entraObjectId: DEV, userIds: [] }, [p], membership).result).toBe(
      'notConfigured',
    );
  });

  it('reaches through a device group by Entra object id, case-insensitively', () => {
    const p = policy({ assignments: [group('gDevices')], value: false });
    expect(effectiveTargeting(device, [p], membership)).toMatchObject({
      result: 'disabled',
      decidedBy: [p.id],
    });
    expect(
      effectiveTargeting({ entraObjectId: DEV.toUpperCase(), userIds: [] }, [p], membership).result,
    ).toBe('disabled');
    expect(effectiveTargeting({ entraObjectId: OTHER_DEV, userIds: [] }, [p], membership).result).toBe(
      'notConfigured',
    );
    expect(effectiveTargeting({ entraObjectId: null, userIds: [] }, [p], membership).result).toBe(
      'notConfigured',
    );
  });

  it('reaches through a user group holding any of the device users (primary or logged on)', () => {
    const p = policy({ assignments: [group('gBob')] });
    expect(effectiveTargeting({ entraObjectId: DEV, userIds: [ALICE, BOB] }, [p], membership)).toMatchObject({
      result: 'enabled',
      reaching: [{ policyId: p.id, via: 'user', value: true }],
    });
    expect(effectiveTargeting(device, [p], membership).result).toBe('notConfigured');
  });

  it('records both paths when a policy reaches via device and via user', () => {
    const p = policy({ assignments: [group('gDevices'), group('gAlice')] });
    expect(effectiveTargeting(device, [p], membership).reaching).toEqual([
      { policyId: p.id, via: 'device', value: true },
      { policyId: p.id, via: 'user', value: true },
    ]);
  });
});

describe('effectiveTargeting: exclusion beats inclusion', () => {
  it('an exclusion group holding the device removes every device-side reach, whatever the assignment order', () => {
    const a = policy({ assignments: [allDevices, excl('gExclDevice')] });
    const b = policy({ assignments: [excl('gExclDevice'), group('gDevices')] });
    expect(effectiveTargeting(device, [a], membership).result).toBe('notConfigured');
    expect(effectiveTargeting(device, [b], membership)).toMatchObject({
      result: 'notConfigured',
      reaching: [],
    });
  });

  it('a user-group inclusion of a device in an excluded device group is no definite answer (Intune: unsupported mix)', () => {
    // learn.microsoft.com/mem/intune/configuration/device-profile-assign: "Including user groups
    // while excluding device groups might not create the results you expect".
    const mixed = policy({ assignments: [excl('gExclDevice'), group('gDevices'), group('gAlice')] });
    const t = effectiveTargeting(device, [mixed], membership);
    expect(t).toMatchObject({
      result: 'unsupportedAssignment',
      decidedBy: [mixed.id],
      reaching: [{ policyId: mixed.id, via: 'user', mixedExclusion: { groupId: 'gExclDevice' } }],
      mixedExclusions: [{ policyId: mixed.id, groupId: 'gExclDevice' }],
    });
    const viaAllUsers = policy({ assignments: [allUsers, excl('gExclDevice')] });
    expect(effectiveTargeting(device, [viaAllUsers], membership).result).toBe('unsupportedAssignment');
    // When another policy decides definitely with the same value, the mix changes nothing.
    const definite = policy({ assignments: [group('gDevices')] });
    expect(effectiveTargeting(device, [mixed, definite], membership).result).toBe('enabled');
    // ...but a different value would: then there is no definite answer.
    const off = policy({ value: false, assignments: [group('gDevices')] });
    expect(effectiveTargeting(device, [mixed, off], membership).result).toBe('unsupportedAssignment');
  });

  it('an exclusion group holding the user removes the reach through that user only', () => {
    const p = policy({ assignments: [group('gBoth'), excl('gExclAlice')] });
    expect(effectiveTargeting(device, [p], membership).result).toBe('notConfigured');
    expect(effectiveTargeting({ entraObjectId: DEV, userIds: [ALICE, BOB] }, [p], membership).result).toBe(
      'enabled',
    );
    const viaAllUsers = policy({ assignments: [allUsers, excl('gExclAlice')] });
    expect(effectiveTargeting(device, [viaAllUsers], membership).result).toBe('notConfigured');
  });

  it('a user exclusion does not remove a reach through the device', () => {
    const p = policy({ assignments: [group('gDevices'), excl('gExclAlice')] });
    expect(effectiveTargeting(device, [p], membership)).toMatchObject({
      result: 'enabled',
      reaching: [{ via: 'device' }],
    });
  });

  it('an exclusion of a group the device is not in changes nothing', () => {
    const p = policy({ assignments: [allDevices, excl('gOtherDevices')] });
    expect(effectiveTargeting(device, [p], membership).result).toBe('enabled');
  });
});

describe('effectiveTargeting: ineffective policies', () => {
  it('do not decide, but are kept as evidence', () => {
    const bad = policy({
      kind: 'omaUri',
      effective: false,
      issues: ['POLICY_BAD_OMA_URI'],
      assignments: [allDevices],
    });
    const t = effectiveTargeting(device, [bad], membership);
    expect(t).toMatchObject({ result: 'notConfigured', decidedBy: [], reaching: [] });
    expect(t.ineffective).toEqual([{ policyId: bad.id, via: 'device', value: true }]);
  });

  it('cannot cause a conflict', () => {
    const good = policy({ value: true, assignments: [allDevices] });
    const bad = policy({ kind: 'omaUri', value: false, effective: false, assignments: [allDevices] });
    expect(effectiveTargeting(device, [good, bad], membership)).toMatchObject({
      result: 'enabled',
      decidedBy: [good.id],
    });
  });
});

describe('effectiveTargeting: precedence and conflicts', () => {
  it('two reaching policies with different values conflict, listing both', () => {
    const on = policy({ value: true, assignments: [allDevices] });
    const off = policy({ value: false, kind: 'omaUri', assignments: [group('gDevices')] });
    expect(effectiveTargeting(device, [on, off], membership)).toMatchObject({
      result: 'conflict',
      decidedBy: [on.id, off.id],
    });
  });

  it('agreeing policies all decide', () => {
    const a = policy({ value: true, assignments: [allDevices] });
    const b = policy({ value: true, kind: 'intent', assignments: [group('gAlice')] });
    expect(effectiveTargeting(device, [a, b], membership)).toMatchObject({
      result: 'enabled',
      decidedBy: [a.id, b.id],
    });
  });

  it('a user-scope setting beats device-scope ones (even a device-scope conflict)', () => {
    const devOn = policy({ scope: 'device', value: true, assignments: [allDevices] });
    const devOff = policy({ scope: 'device', value: false, assignments: [group('gDevices')] });
    const userOff = policy({ scope: 'user', value: false, assignments: [group('gAlice')] });
    expect(effectiveTargeting(device, [devOn, userOff], membership)).toMatchObject({
      result: 'disabled',
      decidedBy: [userOff.id],
    });
    expect(effectiveTargeting(device, [devOn, devOff, userOff], membership)).toMatchObject({
      result: 'disabled',
      decidedBy: [userOff.id],
    });
  });

  it('a user-scope setting assigned to a device group still wins over device scope', () => {
    const devOff = policy({ scope: 'device', value: false, assignments: [allDevices] });
    const userOn = policy({ scope: 'user', value: true, assignments: [group('gDevices')] });
    expect(effectiveTargeting(device, [devOff, userOn], membership)).toMatchObject({
      result: 'enabled',
      decidedBy: [userOn.id],
    });
  });

  it('user-scope policies that disagree conflict', () => {
    const a = policy({ scope: 'user', value: true, assignments: [allUsers] });
    const b = policy({ scope: 'user', value: false, assignments: [group('gAlice')] });
    expect(effectiveTargeting(device, [a, b], membership).result).toBe('conflict');
  });

  it('a policy without a readable value reaches but does not decide', () => {
    const unknown = policy({ value: null, assignments: [allDevices] });
    const t = effectiveTargeting(device, [unknown], membership);
    expect(t).toMatchObject({ result: 'notConfigured', reaching: [{ policyId: unknown.id, value: null }] });
  });
});

describe('effectiveTargeting: assignment filters', () => {
  const f1 = { filterId: 'f1', filterType: 'include' as const };
  const f2 = { filterId: 'f2', filterType: 'exclude' as const };

  it('a reach only through a filtered assignment is dependsOnFilter, never a definite yes', () => {
    const p = policy({ assignments: [{ target: 'allDevices', ...f1 }] });
    expect(effectiveTargeting(device, [p], membership)).toEqual({
      result: 'dependsOnFilter',
      decidedBy: [p.id],
      reaching: [{ policyId: p.id, via: 'device', value: true, filter: f1 }],
      filters: [{ policyId: p.id, ...f1 }],
      ineffective: [],
    });
    const q = policy({ assignments: [group('gAlice', f2)] });
    expect(effectiveTargeting(device, [q], membership)).toMatchObject({
      result: 'dependsOnFilter',
      filters: [{ policyId: q.id, ...f2 }],
    });
  });

  it('an unfiltered assignment of the same policy makes the reach definite', () => {
    const p = policy({ assignments: [{ target: 'allDevices', ...f1 }, group('gDevices')] });
    expect(effectiveTargeting(device, [p], membership)).toMatchObject({
      result: 'enabled',
      filters: [],
      reaching: [{ policyId: p.id, via: 'device', value: true }],
    });
  });

  it('a filtered policy that agrees with the definite answer does not make it uncertain', () => {
    const on = policy({ value: true, assignments: [allDevices] });
    const alsoOn = policy({ value: true, assignments: [group('gAlice', f1)] });
    expect(effectiveTargeting(device, [on, alsoOn], membership)).toMatchObject({
      result: 'enabled',
      decidedBy: [on.id],
      filters: [{ policyId: alsoOn.id, ...f1 }],
    });
  });

  it('a filtered policy that would turn the answer into a conflict makes it dependsOnFilter', () => {
    const on = policy({ value: true, assignments: [allDevices] });
    const maybeOff = policy({ value: false, assignments: [group('gDevices', f1)] });
    expect(effectiveTargeting(device, [on, maybeOff], membership)).toMatchObject({
      result: 'dependsOnFilter',
      decidedBy: [on.id, maybeOff.id],
    });
  });

  it('a filtered user-scope policy with another value can override a definite device-scope answer', () => {
    const devOn = policy({ scope: 'device', value: true, assignments: [allDevices] });
    const userOff = policy({ scope: 'user', value: false, assignments: [group('gAlice', f1)] });
    expect(effectiveTargeting(device, [devOn, userOff], membership)).toMatchObject({
      result: 'dependsOnFilter',
      decidedBy: [devOn.id, userOff.id],
    });
  });

  it('a filtered user-scope policy with the same value leaves the device-scope answer definite', () => {
    const devOn = policy({ scope: 'device', value: true, assignments: [allDevices] });
    const userOn = policy({ scope: 'user', value: true, assignments: [{ target: 'allUsers', ...f1 }] });
    expect(effectiveTargeting(device, [devOn, userOn], membership)).toMatchObject({
      result: 'enabled',
      decidedBy: [devOn.id],
      filters: [{ policyId: userOn.id, ...f1 }],
    });
  });

  it('a filtered user-scope policy could settle a device-scope conflict, so the result depends on it', () => {
    const devOn = policy({ scope: 'device', value: true, assignments: [allDevices] });
    const devOff = policy({ scope: 'device', value: false, assignments: [group('gDevices')] });
    const userOn = policy({ scope: 'user', value: true, assignments: [group('gAlice', f1)] });
    expect(effectiveTargeting(device, [devOn, devOff, userOn], membership).result).toBe('dependsOnFilter');
    expect(effectiveTargeting(device, [devOn, devOff], membership).result).toBe('conflict');
  });

  it('a same-scope filtered policy cannot undo a conflict', () => {
    const devOn = policy({ value: true, assignments: [allDevices] });
    const devOff = policy({ value: false, assignments: [group('gDevices')] });
    const maybe = policy({ value: true, assignments: [group('gDevices', f1)] });
    expect(effectiveTargeting(device, [devOn, devOff, maybe], membership).result).toBe('conflict');
  });

  it('with nothing definite, any filtered reach makes it dependsOnFilter', () => {
    const a = policy({ scope: 'device', value: false, assignments: [{ target: 'allDevices', ...f2 }] });
    expect(effectiveTargeting(device, [a], membership)).toMatchObject({
      result: 'dependsOnFilter',
      decidedBy: [a.id],
    });
  });

  it('a filtered device-scope policy cannot change a definite user-scope answer', () => {
    const userOn = policy({ scope: 'user', value: true, assignments: [allUsers] });
    const devOff = policy({ scope: 'device', value: false, assignments: [{ target: 'allDevices', ...f2 }] });
    expect(effectiveTargeting(device, [userOn, devOff], membership)).toMatchObject({
      result: 'enabled',
      decidedBy: [userOn.id],
    });
  });

  it('an exclusion still wins over a filtered inclusion', () => {
    const p = policy({ assignments: [{ target: 'allDevices', ...f1 }, excl('gExclDevice')] });
    expect(effectiveTargeting(device, [p], membership)).toMatchObject({
      result: 'notConfigured',
      filters: [],
    });
  });
});

describe('effectiveTargeting: properties', () => {
  const arbAssignment = fc.oneof(
    fc.constant<PolicyAssignment>(allDevices),
    fc.constant<PolicyAssignment>(allUsers),
    fc.constantFrom('gDevices', 'gOtherDevices', 'gAlice', 'gBob', 'gBoth').map((g) => group(g)),
    fc.constantFrom('gExclDevice', 'gExclAlice').map(excl),
    fc.constantFrom('gDevices', 'gAlice').map((g) => group(g, { filterId: 'f', filterType: 'include' })),
    fc.constant<PolicyAssignment>({ target: 'allUsers', filterId: 'fu', filterType: 'exclude' }),
  );
  const arbPolicy = fc.record({
    scope: fc.constantFrom<'device' | 'user'>('device', 'user'),
    value: fc.constantFrom(true, false, null),
    effective: fc.boolean(),
    assignments: fc.array(arbAssignment, { maxLength: 4 }),
  });
  const arbPolicies = fc.array(arbPolicy, { maxLength: 6 }).map((ps) => ps.map((p) => policy(p)));

  it('does not depend on the order of policies (except the order of ids listed)', () => {
    fc.assert(
      fc.property(arbPolicies, (ps) => {
        const a = effectiveTargeting(device, ps, membership);
        const b = effectiveTargeting(device, [...ps].reverse(), membership);
        expect(b.result).toBe(a.result);
        expect([...b.decidedBy].sort()).toEqual([...a.decidedBy].sort());
      }),
    );
  });

  it('an answer other than dependsOnFilter holds whether every filter matches or none does', () => {
    const strip = ({ filterId: _i, filterType: _t, ...a }: PolicyAssignment): PolicyAssignment => a;
    fc.assert(
      fc.property(arbPolicies, (ps) => {
        const t = effectiveTargeting(device, ps, membership);
        if (t.result === 'dependsOnFilter' || t.result === 'unsupportedAssignment') return;
        const allMatch = ps.map((p) => ({ ...p, assignments: p.assignments.map(strip) }));
        const noneMatch = ps.map((p) => ({ ...p, assignments: p.assignments.filter((a) => !a.filterId) }));
        expect(effectiveTargeting(device, allMatch, membership).result).toBe(t.result);
        expect(effectiveTargeting(device, noneMatch, membership).result).toBe(t.result);
      }),
      { numRuns: 500 },
    );
  });

  it('never depends on a filter when no assignment has one', () => {
    fc.assert(
      fc.property(arbPolicies, (ps) => {
        const unfiltered = ps.map((p) => ({ ...p, assignments: p.assignments.filter((a) => !a.filterId) }));
        const t = effectiveTargeting(device, unfiltered, membership);
        expect(t.result).not.toBe('dependsOnFilter');
        expect(t.filters).toEqual([]);
      }),
    );
  });

  it('enabled/disabled are decided only by unfiltered effective policies with that value', () => {
    fc.assert(
      fc.property(arbPolicies, (ps) => {
        const t = effectiveTargeting(device, ps, membership);
        if (t.result !== 'enabled' && t.result !== 'disabled') return;
        const byId = new Map(ps.map((p) => [p.id, p]));
        expect(t.decidedBy.length).toBeGreaterThan(0);
        for (const id of t.decidedBy) {
          const p = byId.get(id)!;
          expect(p.effective).toBe(true);
          expect(p.value).toBe(t.result === 'enabled');
        }
        // Adding an exclusion of the device to every policy leaves nothing definite: at most the
        // user-side inclusions Intune calls unsupported.
        const excluded = ps.map((p) => ({ ...p, assignments: [...p.assignments, excl('gExclDevice')] }));
        expect(['notConfigured', 'unsupportedAssignment']).toContain(
          effectiveTargeting(device, excluded, membership).result,
        );
      }),
    );
  });
});
