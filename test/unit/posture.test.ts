import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DOCS,
  evaluateDevicePosture,
  osBuildOf,
  type PostureInput,
  REASON_CODES,
  type Reason,
  type ReasonCode,
  reasonDefinition,
  reasonGuidance,
} from '../../shared/posture/index.js';
import {
  type LatestUserState,
  type ManagedDeviceRecord,
  readinessFrom,
  type TenantReadiness,
} from '../../shared/posture/inputs.js';
import { effectiveTargeting } from '../../shared/targeting/index.js';
import type { PinRecoveryPolicy, PolicyAssignment, Targeting } from '../../shared/targeting/types.js';

/** Builders for the posture unit tests: realistic records with one fact changed at a time. */

const NOW = new Date('2025-06-01T12:00:00.000Z');
const DAY = 86_400_000;
const DEVICE_ID = 'd0000000-0000-4000-8000-000000000001';
const ENTRA_OBJECT_ID = 'e0000000-0000-4000-8000-000000000001';
const ALICE = 'a0000000-0000-4000-8000-000000000001';

const ago = (days: number, from: Date = NOW) => new Date(from.getTime() - days * DAY).toISOString();

function managedDevice(p: Partial<ManagedDeviceRecord> = {}): ManagedDeviceRecord {
  return {
    id: 'm0000000-0000-4000-8000-000000000001',
    deviceName: 'CPC-000001',
    azureADDeviceId: DEVICE_ID,
    osVersion: '10.0.22631.4317',
    joinType: 'azureADJoined',
    complianceState: 'compliant',
    lastSyncDateTime: ago(1),
    enrolledDateTime: ago(300),
    userPrincipalName: 'alice@contoso.com',
    userId: ALICE,
    managementAgent: 'mdm',
    ownerType: 'company',
    manufacturer: 'Dell Inc.',
    model: 'Latitude 7440',
    serialNumber: 'SN1',
    usersLoggedOn: [{ userId: ALICE, lastLogOnDateTime: ago(1) }],
    ...p,
  };
}

function userState(p: Partial<LatestUserState> = {}): LatestUserState {
  return {
    deviceId: DEVICE_ID,
    userKey: 's-1-12-1-alice',
    reportId: `r-${Math.random().toString(36).slice(2)}`,
    reportedAt: ago(1),
    canReset: 'DestructiveAndNonDestructive',
    canResetRaw: 'DestructiveAndNonDestructive',
    ngcSet: true,
    ngcKeyId: 'fa0db076-a5d7-4844-82d8-50a2fb42ec7b',
    upn: 'alice@contoso.com',
    sid: 's-1-12-1-alice',
    notUserContext: false,
    source: 'agent',
    trust: 'verified',
    ...p,
  };
}

const destructive = (p: Partial<LatestUserState> = {}) =>
  userState({ canReset: 'DestructiveOnly', canResetRaw: 'DestructiveOnly', ...p });

const present = { present: true, enabled: true, servicePrincipalId: 'sp' };
const TENANT_READY: TenantReadiness = readinessFrom(present, present);
const TENANT_SERVICE_MISSING: TenantReadiness = readinessFrom(
  { present: false, enabled: null, servicePrincipalId: null },
  present,
);
const TENANT_CLIENT_DISABLED: TenantReadiness = readinessFrom(present, {
  ...present,
  enabled: false,
});

let n = 0;
function policy(p: Partial<PinRecoveryPolicy> = {}): PinRecoveryPolicy {
  n++;
  return {
    id: `pol-${n}`,
    name: `PIN recovery ${n}`,
    kind: 'settingsCatalog',
    scope: 'device',
    value: true,
    effective: true,
    issues: [],
    lastModifiedDateTime: ago(30),
    assignments: [{ target: 'allDevices' }],
    ...p,
  };
}

const allUsers: PolicyAssignment = { target: 'allUsers' };

/** Targeting as the collector computes it, from real policies and group membership. */
function targetingFor(policies: PinRecoveryPolicy[]): Targeting {
  const empty = new Set<string>();
  return effectiveTargeting({ entraObjectId: ENTRA_OBJECT_ID, userIds: [ALICE] }, policies, {
    devicesOf: () => empty,
    usersOf: () => empty,
  });
}

/** A healthy baseline: Intune managed, joined, current OS, enabling policy, tenant ready. */
function input(p: Partial<PostureInput> & { policyList?: PinRecoveryPolicy[] } = {}): PostureInput {
  const { policyList, ...rest } = p;
  const policies = policyList ?? [policy()];
  return {
    device: managedDevice(),
    deviceId: DEVICE_ID,
    targeting: targetingFor(policies),
    policies,
    tenant: TENANT_READY,
    users: [userState()],
    now: NOW,
    ...rest,
  };
}

const codes = (r: { reasons: Reason[] }) => r.reasons.map((x) => x.code);
const warningCodes = (r: { warnings: Reason[] }) => r.warnings.map((x) => x.code);
const warningOf = (r: { warnings: Reason[] }, code: ReasonCode) => {
  const found = r.warnings.find((x) => x.code === code);
  if (!found) throw new Error(`no warning ${code} in ${warningCodes(r).join(',')}`);
  return found;
};
const reasonOf = (r: { reasons: Reason[] }, code: ReasonCode) => {
  const found = r.reasons.find((x) => x.code === code);
  if (!found) throw new Error(`no ${code} in ${codes(r).join(',')}`);
  return found;
};
const evaluate = (p: Parameters<typeof input>[0] = {}) => evaluateDevicePosture(input(p)).record;

describe('per-user posture from CanReset / NgcSet', () => {
  it.each([
    ['DestructiveAndNonDestructive', 'nonDestructive'],
    ['NonDestructiveOnly', 'nonDestructive'],
    ['DestructiveOnly', 'destructiveOnly'],
  ] as const)('CanReset %s → %s', (canReset, posture) => {
    const r = evaluate({ users: [userState({ canReset, canResetRaw: canReset })] });
    expect(r.posture).toBe(posture);
    expect(r.users[0]?.posture).toBe(posture);
  });

  it('NgcSet NO without a CanReset line → noHelloKey, with no value reason', () => {
    const r = evaluate({
      users: [userState({ ngcSet: false, ngcKeyId: null, canReset: null, canResetRaw: null })],
    });
    expect(r.posture).toBe('noHelloKey');
    expect(r.users[0]?.reasonCodes).toEqual([]);
  });

  it('CanReset NO is its own unknown state (LEGACY_VALUE_NO), never destructiveOnly', () => {
    const r = evaluate({ users: [userState({ canReset: 'NO', canResetRaw: 'NO' })] });
    expect(r.posture).toBe('unknown');
    expect(r.primaryReason).toBe('LEGACY_VALUE_NO');
    expect(reasonOf(r, 'LEGACY_VALUE_NO').evidence.values).toEqual({ canResetRaw: 'NO' });
  });

  it('CanReset Unknown and an unrecognised raw value → unknown with UNKNOWN_VALUE and the raw text', () => {
    const u1 = evaluate({ users: [userState({ canReset: 'Unknown', canResetRaw: 'Unknown' })] });
    expect(u1.posture).toBe('unknown');
    expect(reasonOf(u1, 'UNKNOWN_VALUE').evidence.values).toMatchObject({ canReset: 'Unknown' });
    const u2 = evaluate({ users: [userState({ canReset: null, canResetRaw: 'PartiallyDestructive' })] });
    expect(u2.posture).toBe('unknown');
    expect(reasonOf(u2, 'UNKNOWN_VALUE').evidence.values).toMatchObject({
      canReset: null,
      canResetRaw: 'PartiallyDestructive',
    });
  });

  it('a SYSTEM-context run is unknown (NOT_USER_CONTEXT) even when it says DestructiveOnly', () => {
    const r = evaluate({ users: [destructive({ notUserContext: true, reportId: 'rep-sys' })] });
    expect(r.posture).toBe('unknown');
    expect(r.primaryReason).toBe('NOT_USER_CONTEXT');
    expect(reasonOf(r, 'NOT_USER_CONTEXT').evidence.values).toEqual({ reportId: 'rep-sys' });
    expect(r.destructiveOnlySince).toBeNull();
  });
});

describe('device roll-up: the worst fresh user decides, every user is listed', () => {
  const nd = userState({ userKey: 'u-nd', reportedAt: ago(1) });
  const nokey = userState({
    userKey: 'u-nokey',
    ngcSet: false,
    ngcKeyId: null,
    canReset: null,
    canResetRaw: null,
  });
  const unk = userState({ userKey: 'u-unk', canReset: 'Unknown', canResetRaw: 'Unknown' });
  const dest = destructive({ userKey: 'u-dest', reportedAt: ago(2) });

  it('destructiveOnly beats unknown, noHelloKey and nonDestructive', () => {
    const r = evaluate({ users: [nd, nokey, unk, dest] });
    expect(r.posture).toBe('destructiveOnly');
    expect(r.userCount).toBe(4);
    expect(Object.fromEntries(r.users.map((u) => [u.userKey, u.posture]))).toEqual({
      'u-nd': 'nonDestructive',
      'u-nokey': 'noHelloKey',
      'u-unk': 'unknown',
      'u-dest': 'destructiveOnly',
    });
    // Reasons of the deciding user only: the unknown user's value reason is on its own entry.
    expect(codes(r)).not.toContain('UNKNOWN_VALUE');
    expect(r.users.find((u) => u.userKey === 'u-unk')?.reasonCodes).toEqual(['UNKNOWN_VALUE']);
  });

  it('unknown beats noHelloKey; noHelloKey beats nonDestructive', () => {
    expect(evaluate({ users: [nd, nokey, unk] }).posture).toBe('unknown');
    expect(evaluate({ users: [nd, nokey] }).posture).toBe('noHelloKey');
    expect(evaluate({ users: [nd] }).posture).toBe('nonDestructive');
  });

  it('lists a user once: the newest of several rows for the same user key', () => {
    const r = evaluate({
      users: [
        destructive({ userKey: 'u-x', reportedAt: ago(3) }),
        userState({ userKey: 'u-x', reportedAt: ago(1) }),
      ],
    });
    expect(r.userCount).toBe(1);
    expect(r.posture).toBe('nonDestructive');
    expect(r.users[0]?.reportedAt).toBe(ago(1));
  });

  it('a stale user is listed but does not decide', () => {
    const old = destructive({ userKey: 'u-old', reportedAt: ago(20) });
    const r = evaluate({ users: [nd, old] });
    expect(r.posture).toBe('nonDestructive');
    expect(r.users.find((u) => u.userKey === 'u-old')).toMatchObject({
      posture: 'destructiveOnly',
      stale: true,
    });
    expect(r.lastReportAt).toBe(nd.reportedAt);
  });
});

describe('notReported and stale boundaries', () => {
  it('no reports at all → notReported: no reason (nothing to explain), the configuration problems as warnings', () => {
    const r = evaluate({ users: [], policyList: [] });
    expect(r).toMatchObject({
      posture: 'notReported',
      userCount: 0,
      lastReportAt: null,
      primaryReason: null,
    });
    expect(codes(r)).toEqual([]);
    expect(warningCodes(r)).toEqual(['POLICY_NOT_TARGETED']);
  });

  it('exactly staleDays old is fresh; one millisecond more is stale', () => {
    const edge = new Date(NOW.getTime() - 7 * DAY).toISOString();
    const past = new Date(NOW.getTime() - 7 * DAY - 1).toISOString();
    expect(evaluate({ users: [destructive({ reportedAt: edge })] }).posture).toBe('destructiveOnly');
    const r = evaluate({ users: [destructive({ reportedAt: past })] });
    expect(r.posture).toBe('stale');
    expect(r.hybridKeyTrustRisk).toBe(false);
    expect(r.destructiveOnlySince).toBeNull();
  });

  it('staleDays is a parameter', () => {
    const users = [userState({ reportedAt: ago(4) })];
    expect(evaluate({ users, staleDays: 3 }).posture).toBe('stale');
    expect(evaluate({ users, staleDays: 5 }).posture).toBe('nonDestructive');
  });

  it('a report with an unreadable time counts as stale', () => {
    expect(evaluate({ users: [userState({ reportedAt: 'yesterday' })] }).posture).toBe('stale');
  });
});

describe('reason codes and their evidence (destructiveOnly devices)', () => {
  const dest = [destructive()];

  it('a DestructiveOnly device with nothing against it is UNEXPLAINED', () => {
    const r = evaluate({ users: dest });
    expect(r.posture).toBe('destructiveOnly');
    expect(codes(r)).toEqual(['UNEXPLAINED']);
    expect(r.primaryReason).toBe('UNEXPLAINED');
    expect(r.reasonCodes).toBe('UNEXPLAINED');
    expect(reasonOf(r, 'UNEXPLAINED').evidence.values).toEqual({ targetingResult: 'enabled' });
  });

  it('PINRESET_APPS_MISSING is a fleet blocker: a warning naming the missing app, never the reason', () => {
    // Missing consent does not keep CanReset at DestructiveOnly (the reset is attempted and
    // refused with CAA20004), so it explains no device's DestructiveOnly.
    const r = evaluate({ users: dest, tenant: TENANT_SERVICE_MISSING });
    expect(codes(r)).toEqual(['UNEXPLAINED']);
    const w = warningOf(r, 'PINRESET_APPS_MISSING');
    expect(w.message).toContain('Microsoft Pin Reset Service Production');
    expect(w.message).not.toContain('Client');
    expect(w.evidence.values).toMatchObject({ serviceAppPresent: false, clientAppPresent: true });
    const withCause = evaluate({ users: dest, tenant: TENANT_SERVICE_MISSING, policyList: [] });
    expect(withCause.primaryReason).toBe('POLICY_NOT_TARGETED');
    expect(withCause.warningCodes).toContain('PINRESET_APPS_MISSING');
  });

  it('PINRESET_APP_DISABLED when a service principal is disabled, also a warning only', () => {
    const r = evaluate({ users: dest, tenant: TENANT_CLIENT_DISABLED });
    expect(warningOf(r, 'PINRESET_APP_DISABLED').evidence.values).toMatchObject({ clientAppEnabled: false });
    expect(codes(r)).not.toContain('PINRESET_APP_DISABLED');
  });

  it('tenant readiness unknown or not collected adds nothing', () => {
    const unknown = readinessFrom(
      { present: null, enabled: null, servicePrincipalId: null },
      { present: null, enabled: null, servicePrincipalId: null },
    );
    expect(codes(evaluate({ users: dest, tenant: unknown }))).toEqual(['UNEXPLAINED']);
    expect(codes(evaluate({ users: dest, tenant: null }))).toEqual(['UNEXPLAINED']);
  });

  it('POLICY_NOT_TARGETED when no policy reaches the device', () => {
    const elsewhere = policy({ assignments: [{ target: 'group', groupId: 'g-other' }] });
    const r = evaluate({ users: dest, policyList: [elsewhere] });
    expect(r.targetingResult).toBe('notConfigured');
    expect(reasonOf(r, 'POLICY_NOT_TARGETED').evidence).toEqual({});
  });

  it('POLICY_SET_FALSE names the deciding policies', () => {
    const off = policy({ value: false, name: 'WHfB baseline' });
    const r = evaluate({ users: dest, policyList: [off] });
    const reason = reasonOf(r, 'POLICY_SET_FALSE');
    expect(reason.evidence.policyIds).toEqual([off.id]);
    expect(reason.message).toContain('"WHfB baseline"');
    expect(r.targetingPolicyIds).toBe(off.id);
  });

  it('USER_POLICY_OVERRIDES when a user-scope false beats a device-scope true', () => {
    const deviceOn = policy({ scope: 'device', value: true });
    const userOff = policy({ scope: 'user', value: false, assignments: [allUsers] });
    const r = evaluate({ users: dest, policyList: [deviceOn, userOff] });
    expect(r.targetingResult).toBe('disabled');
    expect(reasonOf(r, 'USER_POLICY_OVERRIDES').evidence.policyIds).toEqual([userOff.id, deviceOn.id]);
    expect(codes(r)).not.toContain('POLICY_SET_FALSE');
  });

  it('POLICY_CONFLICT with each policy value', () => {
    const on = policy({ value: true });
    const off = policy({ value: false });
    const r = evaluate({ users: dest, policyList: [on, off] });
    expect(reasonOf(r, 'POLICY_CONFLICT').evidence).toEqual({
      policyIds: [on.id, off.id],
      values: { [on.id]: true, [off.id]: false },
    });
  });

  it('POLICY_DEPENDS_ON_FILTER with the filters', () => {
    const filtered = policy({
      assignments: [{ target: 'allDevices', filterId: 'flt-1', filterType: 'include' }],
    });
    const r = evaluate({ users: dest, policyList: [filtered] });
    expect(r.targetingResult).toBe('dependsOnFilter');
    expect(reasonOf(r, 'POLICY_DEPENDS_ON_FILTER').evidence).toEqual({
      policyIds: [filtered.id],
      values: { 'flt-1': 'include' },
    });
  });

  it('POLICY_BAD_OMA_URI when the wrong profile is all that reaches the device (instead of POLICY_NOT_TARGETED)', () => {
    const bad = policy({
      kind: 'omaUri',
      effective: false,
      issues: ['POLICY_BAD_OMA_URI', 'OMA_URI_OTHER_TENANT'],
    });
    const r = evaluate({ users: dest, policyList: [bad] });
    expect(codes(r)).toEqual(['POLICY_BAD_OMA_URI']);
    expect(reasonOf(r, 'POLICY_BAD_OMA_URI').evidence).toEqual({
      policyIds: [bad.id],
      values: { issues: 'OMA_URI_OTHER_TENANT' },
    });
  });

  it('POLICY_BAD_OMA_URI never on a device whose targeting another policy decides', () => {
    const bad = policy({
      kind: 'omaUri',
      effective: false,
      issues: ['POLICY_BAD_OMA_URI', 'OMA_URI_OTHER_TENANT'],
    });
    const good = policy();
    const r = evaluate({ users: dest, policyList: [bad, good] });
    expect(r.targetingResult).toBe('enabled');
    expect(codes(r)).toEqual(['UNEXPLAINED']);
    // A non-Boolean profile that does decide is named, after POLICY_NOT_YET_APPLIED.
    const intOma = policy({
      kind: 'omaUri',
      issues: ['POLICY_BAD_OMA_URI', 'OMA_VALUE_NOT_BOOLEAN'],
      lastModifiedDateTime: ago(0.5),
    });
    const r2 = evaluate({
      users: [destructive({ reportedAt: ago(0.2) })],
      policyList: [intOma],
      device: managedDevice({ lastSyncDateTime: ago(1) }),
    });
    expect(codes(r2)).toEqual(['POLICY_NOT_YET_APPLIED', 'POLICY_BAD_OMA_URI']);
    // Non-canonical but documented forms (the PIN reset page's Policy/ path, braces, no ./Device) are not wrong.
    const docForm = policy({ kind: 'omaUri', issues: ['OMA_URI_NONCANONICAL', 'OMA_URI_DOC_FORM'] });
    expect(codes(evaluate({ users: dest, policyList: [docForm] }))).toEqual(['UNEXPLAINED']);
  });

  it('POLICY_NOT_YET_APPLIED when the device has not synced since the deciding policy changed', () => {
    const fresh = policy({ lastModifiedDateTime: ago(0.5) });
    const r = evaluate({
      users: [destructive({ reportedAt: ago(0.1) })],
      device: managedDevice({ lastSyncDateTime: ago(2) }),
      policyList: [fresh],
    });
    const reason = reasonOf(r, 'POLICY_NOT_YET_APPLIED');
    expect(reason.evidence.policyIds).toEqual([fresh.id]);
    expect(reason.evidence.dates).toMatchObject({ policyModified: ago(0.5), lastSync: ago(2) });
    expect(codes(r)).not.toContain('UNEXPLAINED');
  });

  it('POLICY_NOT_YET_APPLIED when the report predates the policy change (device synced since)', () => {
    const fresh = policy({ lastModifiedDateTime: ago(1) });
    const r = evaluate({
      users: [destructive({ reportedAt: ago(2) })],
      device: managedDevice({ lastSyncDateTime: ago(0.2) }),
      policyList: [fresh],
    });
    expect(reasonOf(r, 'POLICY_NOT_YET_APPLIED').evidence.dates).toMatchObject({ reportedAt: ago(2) });
  });

  it('PROTECTOR_NOT_CREATED (hypothesis): applied and synced after, key unchanged since before the policy', () => {
    const pol = policy({ lastModifiedDateTime: ago(10) });
    const key = '11111111-2222-3333-4444-555555555555';
    const previous = {
      posture: 'destructiveOnly' as const,
      destructiveOnlySince: ago(40),
      users: [
        {
          userKey: 's-1-12-1-alice',
          lastKeyId: key,
          lastKeyReportAt: ago(8),
          lastKeyCanReset: 'DestructiveOnly' as const,
          keyFirstSeenAt: ago(40),
        },
      ],
    };
    const r = evaluate({ users: [destructive({ ngcKeyId: key })], policyList: [pol], previous });
    const reason = reasonOf(r, 'PROTECTOR_NOT_CREATED');
    expect(reason.hypothesis).toBe(true);
    expect(reason.evidence.dates).toMatchObject({ policyModified: ago(10), keyFirstSeenAt: ago(40) });
    expect(codes(r)).toEqual(['PROTECTOR_NOT_CREATED']);

    // Without history we cannot tell the key's age: no hypothesis, UNEXPLAINED instead.
    expect(codes(evaluate({ users: [destructive({ ngcKeyId: key })], policyList: [pol] }))).toEqual([
      'UNEXPLAINED',
    ]);
  });

  it('Entra registered devices get their own posture with NOT_ENTRA_JOINED, from Intune, Entra or the report', () => {
    const r1 = evaluate({ users: [], device: managedDevice({ joinType: 'azureADRegistered' }) });
    expect(r1.posture).toBe('entraRegistered');
    expect(codes(r1)).toEqual(['NOT_ENTRA_JOINED']);
    expect(reasonOf(r1, 'NOT_ENTRA_JOINED').evidence.values).toEqual({
      joinType: 'entraRegistered',
      joinSource: 'intune',
    });
    const r2 = evaluate({
      users: dest,
      device: managedDevice({ joinType: 'unknown' }),
      entraTrustType: 'Workplace',
    });
    expect(r2.posture).toBe('entraRegistered');
    const r3 = evaluate({
      users: dest,
      reportedDevice: { joinType: 'entraRegistered', osVersion: null, deviceName: null },
    });
    expect(reasonOf(r3, 'NOT_ENTRA_JOINED').evidence.values).toEqual({
      joinType: 'entraRegistered',
      joinSource: 'report',
    });
  });

  it('NOT_ENTRA_JOINED for a domain-joined-only device; a report without join flags never overrides Intune', () => {
    const domain = evaluate({
      users: dest,
      reportedDevice: { joinType: 'domainJoined', osVersion: null, deviceName: null },
    });
    expect(domain.posture).toBe('destructiveOnly');
    expect(domain.primaryReason).toBe('NOT_ENTRA_JOINED');
    // A partial capture (no join flags) parses as notJoined: Intune's azureADJoined stands.
    const partial = evaluate({
      users: dest,
      reportedDevice: { joinType: 'notJoined', osVersion: null, deviceName: null },
    });
    expect(codes(partial)).not.toContain('NOT_ENTRA_JOINED');
    // ...and Entra's trustType too, when Intune does not say.
    const entraOnly = evaluate({
      users: dest,
      device: managedDevice({ joinType: null }),
      entraTrustType: 'AzureAd',
      reportedDevice: { joinType: 'notJoined', osVersion: null, deviceName: null },
    });
    expect(codes(entraOnly)).not.toContain('NOT_ENTRA_JOINED');
    // Only when nobody else knows the device does a reported notJoined count.
    const nobody = evaluate({
      users: dest,
      device: null,
      targeting: null,
      reportedDevice: { joinType: 'notJoined', osVersion: null, deviceName: null },
    });
    expect(codes(nobody)).toContain('NOT_ENTRA_JOINED');
    const r3 = evaluate({
      users: dest,
      device: managedDevice({ joinType: 'unknown' }),
      reportedDevice: { joinType: 'entraJoined', osVersion: null, deviceName: null },
    });
    expect(codes(r3)).not.toContain('NOT_ENTRA_JOINED');
  });

  it('NOT_INTUNE_MANAGED when reported but not in Intune, and when removed from Intune', () => {
    const r = evaluateDevicePosture(
      input({
        users: dest,
        device: null,
        targeting: null,
        reportedDevice: { joinType: 'entraJoined', osVersion: '10.0.19045.5011', deviceName: 'LAPTOP-7' },
      }),
    ).record;
    expect(r).toMatchObject({
      managedDeviceId: null,
      deviceName: 'LAPTOP-7',
      osBuild: 19045,
      joinType: 'entraJoined',
    });
    expect(codes(r)).toEqual(['NOT_INTUNE_MANAGED']);
    expect(reasonOf(r, 'NOT_INTUNE_MANAGED').evidence.values).toEqual({
      deviceId: DEVICE_ID,
      removedFromIntune: false,
    });
    const gone = evaluate({ users: dest, removed: true });
    expect(gone.removed).toBe(true);
    expect(reasonOf(gone, 'NOT_INTUNE_MANAGED').evidence.values).toMatchObject({ removedFromIntune: true });
  });

  it('OS_TOO_OLD below 16299, saying whether the policy exists (15063)', () => {
    const r1 = evaluate({ users: dest, device: managedDevice({ osVersion: '10.0.15063.2679' }) });
    expect(r1.osBuild).toBe(15063);
    expect(reasonOf(r1, 'OS_TOO_OLD').evidence.values).toMatchObject({
      osBuild: 15063,
      policySupported: true,
    });
    const r2 = evaluate({ users: dest, device: managedDevice({ osVersion: '10.0.14393.0' }) });
    expect(reasonOf(r2, 'OS_TOO_OLD').evidence.values).toMatchObject({
      osBuild: 14393,
      policySupported: false,
    });
    const r3 = evaluate({ users: dest, device: managedDevice({ osVersion: '10.0.16299.15' }) });
    expect(codes(r3)).not.toContain('OS_TOO_OLD');
  });

  it('EDITION_UNSUPPORTED only when an edition is known: Home, or Pro before 1903', () => {
    const old = managedDevice({ osVersion: '10.0.17763.1' });
    expect(codes(evaluate({ users: dest, device: old, edition: 'Professional' }))).toContain(
      'EDITION_UNSUPPORTED',
    );
    expect(codes(evaluate({ users: dest, edition: 'Core' }))).toContain('EDITION_UNSUPPORTED');
    expect(codes(evaluate({ users: dest, device: old, edition: 'Enterprise' }))).not.toContain(
      'EDITION_UNSUPPORTED',
    );
    expect(codes(evaluate({ users: dest, edition: 'Professional' }))).not.toContain('EDITION_UNSUPPORTED');
    expect(codes(evaluate({ users: dest, device: old }))).not.toContain('EDITION_UNSUPPORTED');
    expect(
      reasonOf(evaluate({ users: dest, device: old, edition: 'Professional' }), 'EDITION_UNSUPPORTED')
        .evidence.values,
    ).toEqual({ edition: 'Professional', editionSource: 'report', osBuild: 17763 });
    // Intune's skuFamily speaks when the device's own evidence does not.
    const home = evaluate({ users: dest, device: managedDevice({ skuFamily: 'Core' }) });
    expect(reasonOf(home, 'EDITION_UNSUPPORTED').evidence.values).toMatchObject({
      edition: 'Core',
      editionSource: 'intune',
    });
    // The device's own EditionID wins over skuFamily.
    expect(
      codes(evaluate({ users: dest, device: managedDevice({ skuFamily: 'Core' }), edition: 'Enterprise' })),
    ).not.toContain('EDITION_UNSUPPORTED');
  });

  it('DEVICE_DISABLED only when Entra says so', () => {
    expect(
      reasonOf(evaluate({ users: dest, deviceEnabled: false }), 'DEVICE_DISABLED').evidence.values,
    ).toEqual({
      accountEnabled: false,
      deviceId: DEVICE_ID,
    });
    expect(codes(evaluate({ users: dest, deviceEnabled: null }))).not.toContain('DEVICE_DISABLED');
    // On a ready device it is a warning that keeps it from "resettable now".
    const ready = evaluate({ deviceEnabled: false });
    expect(ready).toMatchObject({
      posture: 'nonDestructive',
      resettableNow: false,
      warningCodes: 'DEVICE_DISABLED',
    });
    expect(evaluate({ deviceEnabled: true }).resettableNow).toBe(true);
  });

  it('DESTRUCTIVE_ONLY_HYBRID flags hybrid DestructiveOnly devices as a warning, never a reason', () => {
    const hybrid = managedDevice({ joinType: 'hybridAzureADJoined' });
    const r = evaluate({ users: dest, device: hybrid, policyList: [] });
    expect(codes(r)).toEqual(['POLICY_NOT_TARGETED']);
    expect(warningCodes(r)).toEqual(['DESTRUCTIVE_ONLY_HYBRID']);
    expect(r.primaryReason).toBe('POLICY_NOT_TARGETED');
    expect(r.hybridKeyTrustRisk).toBe(true);
    // With no other cause the flag does not count as one.
    expect(codes(evaluate({ users: dest, device: hybrid }))).toEqual(['UNEXPLAINED']);
    const ready = evaluate({ device: hybrid });
    expect(ready.hybridKeyTrustRisk).toBe(false);
    expect(codes(ready)).toEqual([]);
    expect(warningCodes(ready)).toEqual([]);
  });

  it('reasons are ordered by priority and the primary reason is the first', () => {
    const r = evaluate({
      users: dest,
      device: managedDevice({ osVersion: '10.0.15063.0', joinType: 'azureADJoined' }),
      reportedDevice: { joinType: 'domainJoined', osVersion: null, deviceName: null },
      tenant: TENANT_SERVICE_MISSING,
      policyList: [],
    });
    expect(r.reasonCodes).toBe('NOT_ENTRA_JOINED,OS_TOO_OLD,POLICY_NOT_TARGETED');
    expect(r.primaryReason).toBe('NOT_ENTRA_JOINED');
    expect(r.warningCodes).toBe('PINRESET_APPS_MISSING');
    expect(r.users[0]?.reasonCodes).toEqual(r.reasons.map((x) => x.code));
  });
});

describe('reasons and warnings on the other postures', () => {
  it('nonDestructive carries no reasons; missing apps become a warning and it is not resettable now', () => {
    const r = evaluate({ tenant: TENANT_SERVICE_MISSING, policyList: [] });
    expect(r.posture).toBe('nonDestructive');
    expect(r.reasons).toEqual([]);
    expect(r.primaryReason).toBeNull();
    expect(r.warningCodes).toBe('PINRESET_APPS_MISSING');
    expect(r.resettableNow).toBe(false);
    const ok = evaluate();
    expect(ok.warnings).toEqual([]);
    expect(ok.resettableNow).toBe(true);
    // Configuration findings that do not block a reset now are not warnings on a ready device.
    expect(evaluate({ policyList: [] }).warnings).toEqual([]);
    // Unknown or uncollected readiness: not counted as resettable now.
    expect(evaluate({ tenant: null }).resettableNow).toBe(false);
  });

  it('noHelloKey and stale devices: no reason, the configuration problems they will meet as warnings', () => {
    const nokey = userState({ ngcSet: false, ngcKeyId: null, canReset: null, canResetRaw: null });
    const r = evaluate({ users: [nokey], policyList: [policy({ value: false })] });
    expect(codes(r)).toEqual([]);
    expect(warningCodes(r)).toEqual(['POLICY_SET_FALSE']);
    const stale = evaluate({ users: [destructive({ reportedAt: ago(30) })], policyList: [] });
    expect(codes(stale)).toEqual([]);
    expect(warningCodes(stale)).toEqual(['POLICY_NOT_TARGETED']);
  });

  it('unknown carries the value reason only; configuration problems are warnings', () => {
    const r = evaluate({ users: [userState({ canReset: 'NO', canResetRaw: 'NO' })], policyList: [] });
    expect(r.reasonCodes).toBe('LEGACY_VALUE_NO');
    expect(r.warningCodes).toBe('POLICY_NOT_TARGETED');
  });
});

describe('destructiveOnlySince across evaluations', () => {
  it('is set on entering, kept while staying, cleared on leaving, and set afresh on re-entering', () => {
    const t0 = NOW;
    const first = evaluateDevicePosture(
      input({ users: [destructive({ reportedAt: ago(2, t0) })], now: t0 }),
    ).record;
    expect(first.destructiveOnlySince).toBe(ago(2, t0));
    expect(first.daysDestructiveOnly).toBe(2);

    const t1 = new Date(t0.getTime() + 10 * DAY);
    const second = evaluateDevicePosture(
      input({ users: [destructive({ reportedAt: ago(1, t1) })], now: t1, previous: first }),
    ).record;
    expect(second.destructiveOnlySince).toBe(first.destructiveOnlySince);
    expect(second.daysDestructiveOnly).toBe(12);

    const t2 = new Date(t1.getTime() + 3 * DAY);
    const third = evaluateDevicePosture(
      input({ users: [userState({ reportedAt: ago(1, t2) })], now: t2, previous: second }),
    ).record;
    expect(third.posture).toBe('nonDestructive');
    expect(third.destructiveOnlySince).toBeNull();
    expect(third.daysDestructiveOnly).toBeNull();

    const t3 = new Date(t2.getTime() + 3 * DAY);
    const fourth = evaluateDevicePosture(
      input({ users: [destructive({ reportedAt: ago(0.5, t3) })], now: t3, previous: third }),
    ).record;
    expect(fourth.destructiveOnlySince).toBe(ago(0.5, t3));
    expect(fourth.daysDestructiveOnly).toBe(0);
  });

  it('on entering, the earliest DestructiveOnly report among the deciding users is the start', () => {
    const r = evaluate({
      users: [
        destructive({ userKey: 'a', reportedAt: ago(1) }),
        destructive({ userKey: 'b', reportedAt: ago(3) }),
      ],
    });
    expect(r.destructiveOnlySince).toBe(ago(3));
  });
});

describe('destructive reset detection (KEY_REPROVISIONED)', () => {
  const OLD = 'aaaaaaaa-1111-2222-3333-444444444444';
  const NEW = 'bbbbbbbb-1111-2222-3333-444444444444';

  it('a changed key after a DestructiveOnly report is a likely destructive reset', () => {
    const before = evaluateDevicePosture(
      input({ users: [destructive({ ngcKeyId: OLD, reportedAt: ago(3) })] }),
    );
    expect(before.events).toEqual([]);
    const after = evaluateDevicePosture(
      input({ users: [destructive({ ngcKeyId: NEW, reportedAt: ago(1) })], previous: before.record }),
    );
    expect(after.events).toEqual([
      {
        kind: 'KEY_REPROVISIONED',
        deviceId: DEVICE_ID,
        userKey: 's-1-12-1-alice',
        upn: 'alice@contoso.com',
        oldKeyId: OLD,
        newKeyId: NEW,
        previousReportAt: ago(3),
        detectedReportAt: ago(1),
        likelyDestructive: true,
      },
    ]);
    expect(after.record.users[0]).toMatchObject({ lastKeyId: NEW, keyFirstSeenAt: ago(1) });
  });

  it('a changed key after a non-destructive report is re-provisioned but not likely destructive', () => {
    const before = evaluateDevicePosture(
      input({ users: [userState({ ngcKeyId: OLD, reportedAt: ago(3) })] }),
    );
    const after = evaluateDevicePosture(
      input({ users: [destructive({ ngcKeyId: NEW, reportedAt: ago(1) })], previous: before.record }),
    );
    expect(after.events).toHaveLength(1);
    expect(after.events[0]?.likelyDestructive).toBe(false);
  });

  it('an unchanged key (any case) gives no event and keeps when the key was first seen', () => {
    const before = evaluateDevicePosture(
      input({ users: [destructive({ ngcKeyId: OLD, reportedAt: ago(3) })] }),
    );
    const after = evaluateDevicePosture(
      input({
        users: [destructive({ ngcKeyId: OLD.toUpperCase(), reportedAt: ago(1) })],
        previous: before.record,
      }),
    );
    expect(after.events).toEqual([]);
    expect(after.record.users[0]).toMatchObject({ keyFirstSeenAt: ago(3), lastKeyReportAt: ago(1) });
  });

  it('re-evaluating the same report gives no second event', () => {
    const before = evaluateDevicePosture(
      input({ users: [destructive({ ngcKeyId: OLD, reportedAt: ago(3) })] }),
    );
    const changed = input({
      users: [destructive({ ngcKeyId: NEW, reportedAt: ago(1) })],
      previous: before.record,
    });
    const once = evaluateDevicePosture(changed);
    expect(once.events).toHaveLength(1);
    expect(evaluateDevicePosture({ ...changed, previous: once.record }).events).toEqual([]);
  });

  it('YES → NO → YES with a new key is caught, against the last report that had the old key', () => {
    const r1 = evaluateDevicePosture(input({ users: [destructive({ ngcKeyId: OLD, reportedAt: ago(5) })] }));
    const r2 = evaluateDevicePosture(
      input({
        users: [
          userState({ ngcSet: false, ngcKeyId: null, canReset: null, canResetRaw: null, reportedAt: ago(3) }),
        ],
        previous: r1.record,
      }),
    );
    expect(r2.events).toEqual([]);
    expect(r2.record.users[0]?.lastKeyId).toBe(OLD);
    const r3 = evaluateDevicePosture(
      input({ users: [userState({ ngcKeyId: NEW, reportedAt: ago(1) })], previous: r2.record }),
    );
    expect(r3.events).toMatchObject([
      { oldKeyId: OLD, newKeyId: NEW, previousReportAt: ago(5), likelyDestructive: true },
    ]);
  });

  it('an older report arriving late does not count as a new key', () => {
    const r1 = evaluateDevicePosture(input({ users: [userState({ ngcKeyId: NEW, reportedAt: ago(1) })] }));
    const late = evaluateDevicePosture(
      input({ users: [userState({ ngcKeyId: OLD, reportedAt: ago(4) })], previous: r1.record }),
    );
    expect(late.events).toEqual([]);
    expect(late.record.users[0]?.lastKeyId).toBe(NEW);
  });
});

describe('the record is flat where Power BI needs it', () => {
  it('carries inventory and targeting columns as scalars', () => {
    const r = evaluate({
      users: [destructive()],
      device: managedDevice({ complianceState: 'noncompliant' }),
    });
    expect(r).toMatchObject({
      managedDeviceId: 'm0000000-0000-4000-8000-000000000001',
      deviceId: DEVICE_ID,
      deviceName: 'CPC-000001',
      userPrincipalName: 'alice@contoso.com',
      complianceState: 'noncompliant',
      joinType: 'azureADJoined',
      osVersion: '10.0.22631.4317',
      osBuild: 22631,
      targetingResult: 'enabled',
      evaluatedAt: NOW.toISOString(),
    });
    for (const key of ['reasonCodes', 'targetingPolicyIds', 'warningCodes'] as const) {
      expect(typeof r[key]).toBe('string');
    }
  });

  it('osBuildOf reads dotted versions and bare builds only', () => {
    expect(osBuildOf('10.0.19045.5011')).toBe(19045);
    expect(osBuildOf('10.0.26100')).toBe(26100);
    expect(osBuildOf('22631')).toBe(22631);
    expect(osBuildOf('Windows 11')).toBeNull();
    expect(osBuildOf(null)).toBeNull();
  });
});

describe('guidance', () => {
  it('every reason code has a title, an action and a Microsoft Learn link', () => {
    for (const code of REASON_CODES) {
      const g = reasonGuidance(code);
      expect(g.title.length, code).toBeGreaterThan(5);
      expect(g.action.length, code).toBeGreaterThan(20);
      expect(g.docsUrl, code).toMatch(/^https:\/\/learn\.microsoft\.com\//);
    }
    expect(reasonGuidance('POLICY_NOT_TARGETED').docsUrl).toBe(
      'https://learn.microsoft.com/windows/security/identity-protection/hello-for-business/pin-reset',
    );
    expect(reasonGuidance('POLICY_BAD_OMA_URI').docsUrl).toBe(DOCS.passportForWorkCsp);
  });
});

describe('shared/posture stays pure', () => {
  it('imports nothing at run time outside its own folder (type-only imports are erased)', () => {
    const root = fileURLToPath(new URL('../../shared/posture/', import.meta.url));
    const files = readdirSync(root, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts'));
    expect(files).toContain(join('rules', 'device.ts'));
    for (const file of files) {
      const source = readFileSync(join(root, file), 'utf8');
      for (const m of source.matchAll(/^(import|export)\s+(type\s+)?[^'"]*from\s+'([^']+)'/gm)) {
        if (m[2]) continue;
        const target = resolve(dirname(join(root, file)), m[3] ?? '');
        expect(target.startsWith(root), `${file}: ${m[0]}`).toBe(true);
      }
    }
  });
});

describe('invariants on arbitrary inputs', () => {
  const canReset = fc.constantFrom<LatestUserState['canReset']>(
    'DestructiveOnly',
    'DestructiveAndNonDestructive',
    'NonDestructiveOnly',
    'Unknown',
    'NO',
    null,
  );
  const user = fc.record({
    userKey: fc.constantFrom('u1', 'u2', 'u3'),
    canReset,
    ngcSet: fc.constantFrom(true, false, null),
    ngcKeyId: fc.constantFrom('k1', 'k2', null),
    notUserContext: fc.boolean(),
    reportedAt: fc.oneof(
      fc.integer({ min: 0, max: 30 * 24 }).map((h) => ago(h / 24)),
      fc.constant('not a date'),
    ),
  });
  const arbPolicy = fc.record({
    scope: fc.constantFrom<'device' | 'user'>('device', 'user'),
    value: fc.constantFrom(true, false, null),
    effective: fc.boolean(),
    filtered: fc.boolean(),
    bad: fc.boolean(),
    modifiedDaysAgo: fc.option(fc.integer({ min: 0, max: 40 })),
  });
  const arbInput = fc.record({
    users: fc.array(user, { maxLength: 4 }),
    inIntune: fc.boolean(),
    joinType: fc.constantFrom('azureADJoined', 'hybridAzureADJoined', 'azureADRegistered', 'unknown', null),
    osVersion: fc.constantFrom('10.0.22631.1', '10.0.15063.0', '10.0.10240.0', 'garbage', null),
    policies: fc.array(arbPolicy, { maxLength: 3 }),
    tenant: fc.constantFrom(TENANT_READY, TENANT_SERVICE_MISSING, TENANT_CLIENT_DISABLED, null),
    removed: fc.boolean(),
  });

  it('reason columns agree, only destructiveOnly has a start date, nonDestructive has no reasons', () => {
    fc.assert(
      fc.property(arbInput, fc.boolean(), (a, chain) => {
        const pols = a.policies.map((p) =>
          policy({
            scope: p.scope,
            value: p.value,
            effective: p.effective,
            issues: p.bad ? ['POLICY_BAD_OMA_URI'] : [],
            lastModifiedDateTime: p.modifiedDaysAgo === null ? null : ago(p.modifiedDaysAgo),
            assignments: [
              {
                target: p.scope === 'user' ? 'allUsers' : 'allDevices',
                ...(p.filtered ? { filterId: 'f', filterType: 'include' as const } : {}),
              },
            ],
          }),
        );
        const base = input({
          users: a.users.map((u) => userState(u)),
          device: a.inIntune ? managedDevice({ joinType: a.joinType, osVersion: a.osVersion }) : null,
          targeting: a.inIntune ? targetingFor(pols) : null,
          policyList: pols,
          tenant: a.tenant,
          removed: a.removed,
        });
        const first = evaluateDevicePosture(base);
        // Second run over the first's record: history must never break the invariants.
        const { record: r, events } = chain
          ? evaluateDevicePosture({ ...base, previous: first.record })
          : first;
        const list = r.reasons.map((x) => x.code);
        expect(r.reasonCodes).toBe(list.join(','));
        expect(r.primaryReason).toBe(list[0] ?? null);
        expect(new Set(list).size).toBe(list.length);
        expect(r.userCount).toBe(new Set(a.users.map((u) => u.userKey)).size);
        expect(r.destructiveOnlySince !== null).toBe(r.posture === 'destructiveOnly');
        if (r.posture === 'destructiveOnly') expect(list.length).toBeGreaterThan(0);
        if (r.posture === 'nonDestructive') expect(list).toEqual([]);
        if (r.hybridKeyTrustRisk) expect(r.posture).toBe('destructiveOnly');
        const registered = a.inIntune && a.joinType === 'azureADRegistered';
        if (registered) expect(r.posture).toBe('entraRegistered');
        else if (a.users.length === 0) expect(r.posture).toBe('notReported');
        // Attribution: a reason always explains the posture; tenant conditions never are reasons.
        for (const code of list) expect(reasonDefinition(code).explains, code).toContain(r.posture);
        for (const w of r.warnings) expect(list).not.toContain(w.code);
        // Resettable now: ready, tenant apps ready, nothing that blocks a reset now.
        if (r.resettableNow) {
          expect(r.posture).toBe('nonDestructive');
          expect(a.tenant?.state).toBe('ready');
          for (const w of r.warnings) expect(reasonDefinition(w.code).blocksResetNow, w.code).toBe(false);
        }
        // The same reports again never look like a new key.
        if (chain) expect(events).toEqual([]);
      }),
      { numRuns: 400 },
    );
  });
});
