import { describe, expect, it } from 'vitest';
import {
  aggregatePostures,
  type DestructiveResetEvent,
  type DevicePosture,
  dailySnapshot,
  POSTURES,
  type Posture,
  REASON_CODES,
} from '../../shared/posture/index.js';
import { readinessFrom } from '../../shared/posture/inputs.js';

const NOW = new Date('2025-06-01T12:00:00.000Z');
const DAY = 86_400_000;
const ago = (days: number) => new Date(NOW.getTime() - days * DAY).toISOString();

let n = 0;
function device(p: Partial<DevicePosture>): DevicePosture {
  n++;
  return {
    managedDeviceId: `m-${n}`,
    deviceId: `d-${n}`,
    deviceName: `PC-${n}`,
    userPrincipalName: null,
    posture: 'nonDestructive',
    reasonCodes: '',
    reasons: [],
    primaryReason: null,
    complianceState: 'compliant',
    joinType: 'azureADJoined',
    osVersion: '10.0.22631.1',
    osBuild: 22631,
    lastSyncDateTime: ago(1),
    lastReportAt: ago(1),
    destructiveOnlySince: null,
    daysDestructiveOnly: null,
    targetingResult: 'enabled',
    targetingPolicyIds: 'p1',
    hybridKeyTrustRisk: false,
    resettableNow: false,
    removed: false,
    userCount: 1,
    users: [],
    warnings: [],
    warningCodes: '',
    evaluatedAt: NOW.toISOString(),
    ...p,
  };
}

/** A hand-made fleet: one row per device, every column the summary groups by varies. */
const FLEET: DevicePosture[] = [
  device({ posture: 'nonDestructive', userCount: 2, resettableNow: true }),
  device({ posture: 'nonDestructive', warningCodes: 'PINRESET_APPS_MISSING', osBuild: 19045 }),
  device({ posture: 'nonDestructive', complianceState: 'noncompliant', joinType: 'hybridAzureADJoined' }),
  device({
    posture: 'destructiveOnly',
    reasonCodes: 'POLICY_NOT_TARGETED,DESTRUCTIVE_ONLY_HYBRID',
    joinType: 'hybridAzureADJoined',
    hybridKeyTrustRisk: true,
    osBuild: 19045,
  }),
  device({ posture: 'destructiveOnly', reasonCodes: 'POLICY_NOT_TARGETED', complianceState: 'noncompliant' }),
  device({ posture: 'destructiveOnly', reasonCodes: 'OS_TOO_OLD,POLICY_SET_FALSE', osBuild: 15063 }),
  device({ posture: 'destructiveOnly', reasonCodes: 'UNEXPLAINED', complianceState: null }),
  device({ posture: 'unknown', reasonCodes: 'LEGACY_VALUE_NO', joinType: null, osBuild: null }),
  device({ posture: 'noHelloKey', reasonCodes: 'POLICY_NOT_TARGETED', userCount: 3 }),
  device({ posture: 'stale', reasonCodes: '', lastReportAt: ago(20) }),
  device({ posture: 'notReported', userCount: 0, lastReportAt: null }),
  device({ posture: 'notReported', userCount: 0, lastReportAt: null, reasonCodes: 'NOT_INTUNE_MANAGED' }),
  // BYOD: its own posture, outside the share denominator, not "never reported".
  device({ posture: 'entraRegistered', userCount: 0, lastReportAt: null, reasonCodes: 'NOT_ENTRA_JOINED' }),
  // Left Intune: counted only as removed.
  device({ posture: 'destructiveOnly', reasonCodes: 'NOT_INTUNE_MANAGED', removed: true, userCount: 5 }),
];

function event(daysAgo: number, likelyDestructive: boolean): DestructiveResetEvent {
  return {
    kind: 'KEY_REPROVISIONED',
    deviceId: 'd-x',
    userKey: 'u',
    upn: null,
    oldKeyId: 'old',
    newKeyId: 'new',
    previousReportAt: ago(daysAgo + 1),
    detectedReportAt: ago(daysAgo),
    likelyDestructive,
  };
}

const EVENTS = [
  event(0.5, true),
  event(6.9, false),
  event(7, true), // exactly 7 days: outside the 7-day window, inside 30
  event(29, true),
  event(30, false), // exactly 30 days: outside both
  event(45, true),
];

const TENANT = readinessFrom(
  { present: true, enabled: true, servicePrincipalId: 's' },
  { present: false, enabled: null, servicePrincipalId: null },
);

const counted = FLEET.filter((d) => !d.removed);
const countWhere = (pred: (d: DevicePosture) => boolean) => counted.filter(pred).length;

describe('aggregatePostures on a hand-made fleet', () => {
  const summary = aggregatePostures(FLEET, { tenant: TENANT, events: EVENTS, now: NOW });

  it('counts devices by posture, leaving removed devices out', () => {
    for (const p of POSTURES) expect(summary.byPosture[p], p).toBe(countWhere((d) => d.posture === p));
    expect(summary.byPosture).toMatchObject({ destructiveOnly: 4, nonDestructive: 3, notReported: 2 });
    expect(summary.totals).toEqual({
      devices: counted.length,
      removed: 1,
      reported: countWhere((d) => d.posture !== 'notReported' && d.posture !== 'entraRegistered'),
      users: counted.reduce((s, d) => s + d.userCount, 0),
    });
  });

  it('counts each device once per reason code, zero for codes nobody has', () => {
    for (const code of REASON_CODES) {
      expect(summary.byReason[code], code).toBe(countWhere((d) => d.reasonCodes.split(',').includes(code)));
    }
    expect(summary.byReason.POLICY_NOT_TARGETED).toBe(3);
    expect(summary.byReason.NOT_INTUNE_MANAGED).toBe(1);
    expect(summary.byReason.EDITION_UNSUPPORTED).toBe(0);
    expect(summary.byWarning).toEqual({ PINRESET_APPS_MISSING: 1 });
  });

  it('groups by compliance state, join type and OS build, with unknown for missing values', () => {
    const group = (key: (d: DevicePosture) => string) => {
      const out: Record<string, number> = {};
      for (const d of counted) out[key(d)] = (out[key(d)] ?? 0) + 1;
      return out;
    };
    expect(summary.byComplianceState).toEqual(group((d) => d.complianceState ?? 'unknown'));
    expect(summary.byJoinType).toEqual(group((d) => d.joinType ?? 'unknown'));
    expect(summary.byOsBuild).toEqual(group((d) => (d.osBuild === null ? 'unknown' : String(d.osBuild))));
    expect(summary.byOsBuild).toMatchObject({ '15063': 1, '19045': 2, unknown: 1 });
  });

  it('reports tenant readiness, hybrid risk and both shares over one denominator', () => {
    expect(summary.tenantReadiness).toBe('missing');
    expect(summary.hybridKeyTrustRisk).toBe(1);
    const reported = countWhere((d) => !['notReported', 'entraRegistered'].includes(d.posture));
    expect(reported).toBe(10);
    expect(summary.shares).toEqual({
      denominator: reported,
      configuredReady: 3,
      configuredReadyShare: 3 / reported,
      resettableNow: 1,
      resettableNowShare: 1 / reported,
    });
    expect(summary.nonDestructiveShare).toBe(summary.shares.configuredReadyShare);
    expect(summary.resettableNow).toBe(1);
    expect(summary.byPosture.entraRegistered).toBe(1);
    expect(summary.evaluatedAt).toBe(NOW.toISOString());
  });

  it('counts key re-provisioning in the last 7 and 30 days (window end exclusive)', () => {
    expect(summary.destructiveResets).toEqual({
      last7Days: 2,
      last30Days: 4,
      likelyDestructiveLast7Days: 1,
      likelyDestructiveLast30Days: 3,
    });
  });

  it('an empty fleet has no share and says when readiness was not collected', () => {
    const empty = aggregatePostures([], { tenant: null, events: [], now: NOW });
    expect(empty.nonDestructiveShare).toBeNull();
    expect(empty.tenantReadiness).toBe('notCollected');
    expect(empty.totals).toEqual({ devices: 0, removed: 0, reported: 0, users: 0 });
  });
});

describe('dailySnapshot', () => {
  const summary = aggregatePostures(FLEET, { tenant: TENANT, events: EVENTS, now: NOW });

  it('is one flat row keyed by DateKey with a column per posture and per reason code', () => {
    const row = dailySnapshot(summary, '20250601');
    expect(row).toMatchObject({
      DateKey: '20250601',
      Devices: counted.length,
      DestructiveOnly: 4,
      NonDestructive: 3,
      NotReported: 2,
      Reason_POLICY_NOT_TARGETED: 3,
      Reason_EDITION_UNSUPPORTED: 0,
      DestructiveResets7d: 2,
      LikelyDestructiveResets30d: 3,
      TenantReadiness: 'missing',
    });
    for (const value of Object.values(row)) expect(['string', 'number', 'object']).toContain(typeof value);
    // Same columns every day, so Power BI can append rows.
    const other = dailySnapshot(aggregatePostures([], { tenant: null, events: [], now: NOW }), '20250602');
    expect(Object.keys(other).sort()).toEqual(Object.keys(row).sort());
    const postureColumns: Record<Posture, string> = {
      nonDestructive: 'NonDestructive',
      destructiveOnly: 'DestructiveOnly',
      noHelloKey: 'NoHelloKey',
      unknown: 'Unknown',
      stale: 'Stale',
      notReported: 'NotReported',
      entraRegistered: 'EntraRegistered',
    };
    expect(row).toMatchObject({
      ConfiguredReady: 3,
      ResettableNow: 1,
      ResettableNowShare: 0.1,
      NonDestructiveShare: 0.3,
    });
    for (const p of POSTURES) expect(row[postureColumns[p]], p).toBe(summary.byPosture[p]);
  });

  it('rejects a DateKey that is not yyyymmdd', () => {
    expect(() => dailySnapshot(summary, '2025-06-01')).toThrow(/yyyymmdd/);
  });
});
