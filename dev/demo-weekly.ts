/**
 * A deterministic demo fleet for the weekly report: 320 devices seeded as posture rows with a
 * story per device (always ready, fixed on some day, destructiveOnly since some day, no key,
 * stale, never reported), 12 weeks of daily snapshots computed from those stories with the
 * real aggregatePostures/dailySnapshot, a few key re-provisioning events, a recent collection.
 * Same seed → same report, so the docs PNG and the Chromium test show the same thing.
 */

import { aggregatePostures, dailySnapshot } from '../shared/posture/aggregate.js';
import { reasonGuidance } from '../shared/posture/guidance.js';
import type { TenantReadiness } from '../shared/posture/inputs.js';
import type {
  DestructiveResetEvent,
  DevicePosture,
  Posture,
  Reason,
  ReasonCode,
} from '../shared/posture/types.js';
import { dailyPointOf } from '../shared/weekly-report/data.js';
import type { WeeklyReportInput } from '../shared/weekly-report/render/model.js';
import { Prng } from './graph-sim/prng.js';

/** A Monday 07:00 UTC, the default schedule. */
export const DEMO_NOW = new Date('2025-06-02T07:00:00.000Z');
export const DEMO_DEVICES = 320;
const DAYS = 84;
const DAY_MS = 86_400_000;

type Story =
  | { kind: 'ready' }
  | { kind: 'fixed'; fixedDay: number; reason: ReasonCode }
  | { kind: 'destructive'; sinceDay: number; reason: ReasonCode; hybrid: boolean }
  | { kind: 'constant'; posture: Exclude<Posture, 'nonDestructive' | 'destructiveOnly'> };

interface DemoDevice {
  deviceId: string;
  managedDeviceId: string;
  deviceName: string;
  upn: string;
  osBuild: number;
  joinType: string;
  /** Day index (0 = 83 days ago) the device first appears in Intune. */
  enrolledDay: number;
  story: Story;
}

const DESTRUCTIVE_REASONS: ReasonCode[] = [
  'POLICY_NOT_TARGETED',
  'POLICY_NOT_TARGETED',
  'POLICY_NOT_TARGETED',
  'POLICY_SET_FALSE',
  'POLICY_NOT_YET_APPLIED',
  'POLICY_NOT_YET_APPLIED',
  'OS_TOO_OLD',
  'POLICY_DEPENDS_ON_FILTER',
  'PROTECTOR_NOT_CREATED',
  'USER_POLICY_OVERRIDES',
];

function uuid(p: Prng): string {
  const h = Array.from({ length: 4 }, () => p.uint32().toString(16).padStart(8, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

function pick<T>(p: Prng, xs: readonly T[]): T {
  return xs[Math.floor(p.next() * xs.length)]!;
}

function story(p: Prng): Story {
  const r = p.next();
  if (r < 0.42) return { kind: 'ready' };
  // The trend: devices moved to ready as policies were assigned over the quarter.
  if (r < 0.72) return { kind: 'fixed', fixedDay: p.int(5, DAYS - 2), reason: pick(p, DESTRUCTIVE_REASONS) };
  if (r < 0.86) {
    return {
      kind: 'destructive',
      sinceDay: p.int(0, DAYS - 1),
      reason: pick(p, DESTRUCTIVE_REASONS),
      hybrid: p.next() < 0.2,
    };
  }
  if (r < 0.92) return { kind: 'constant', posture: 'noHelloKey' };
  if (r < 0.95) return { kind: 'constant', posture: 'unknown' };
  if (r < 0.98) return { kind: 'constant', posture: 'stale' };
  return { kind: 'constant', posture: 'notReported' };
}

export function demoFleet(seed = 'resetready-weekly-demo'): DemoDevice[] {
  const p = new Prng(seed);
  return Array.from({ length: DEMO_DEVICES }, (_, i) => {
    const s = story(p);
    const hybrid = s.kind === 'destructive' && s.hybrid;
    return {
      deviceId: uuid(p),
      managedDeviceId: uuid(p),
      deviceName: `CONTOSO-${String(1000 + i)}`,
      upn: `user${String(i + 1).padStart(3, '0')}@contoso.example`,
      osBuild:
        s.kind !== 'ready' && 'reason' in s && s.reason === 'OS_TOO_OLD'
          ? 15063
          : pick(p, [19045, 22631, 26100]),
      joinType: hybrid ? 'hybridAzureADJoined' : 'azureADJoined',
      // A tenth of the fleet enrolled during the quarter: the reporting count grows too.
      enrolledDay: p.next() < 0.1 ? p.int(1, DAYS - 10) : 0,
      story: s,
    };
  });
}

function reason(code: ReasonCode): Reason {
  return {
    code,
    message: reasonGuidance(code).action,
    evidence: {},
    ...(code === 'PROTECTOR_NOT_CREATED' ? { hypothesis: true } : {}),
  };
}

function at(day: number, now: Date, hour = 9): string {
  const d = new Date(now.getTime() - (DAYS - 1 - day) * DAY_MS);
  d.setUTCHours(hour, 0, 0, 0);
  return d.toISOString();
}

/** The device's posture record as it was evaluated on `day` (null before it enrolled). */
function recordOn(d: DemoDevice, day: number, now: Date): DevicePosture | null {
  if (day < d.enrolledDay) return null;
  const s = d.story;
  let posture: Posture;
  let codes: ReasonCode[] = [];
  let since: string | null = null;
  if (s.kind === 'ready') posture = 'nonDestructive';
  else if (s.kind === 'fixed') {
    posture = day < s.fixedDay ? 'destructiveOnly' : 'nonDestructive';
    if (posture === 'destructiveOnly') {
      codes = [s.reason];
      since = at(d.enrolledDay, now);
    }
  } else if (s.kind === 'destructive') {
    // Before it turned destructiveOnly it had not reported yet (a newly deployed agent).
    posture = day < Math.max(s.sinceDay, d.enrolledDay) ? 'notReported' : 'destructiveOnly';
    if (posture === 'destructiveOnly') {
      codes = s.hybrid ? [s.reason, 'DESTRUCTIVE_ONLY_HYBRID'] : [s.reason];
      since = at(Math.max(s.sinceDay, d.enrolledDay), now);
    }
  } else {
    posture = s.posture;
    if (posture === 'unknown') codes = ['UNKNOWN_VALUE'];
  }
  const evaluatedAt = at(day, now, 6);
  const reported = posture !== 'notReported';
  return {
    managedDeviceId: d.managedDeviceId,
    deviceId: d.deviceId,
    deviceName: d.deviceName,
    userPrincipalName: d.upn,
    posture,
    reasonCodes: codes.join(','),
    reasons: codes.map(reason),
    primaryReason: codes[0] ?? null,
    complianceState: posture === 'stale' ? 'noncompliant' : 'compliant',
    joinType: d.joinType,
    osVersion: `10.0.${d.osBuild}.1000`,
    osBuild: d.osBuild,
    lastSyncDateTime: at(day, now, 5),
    lastReportAt: reported
      ? posture === 'stale'
        ? at(Math.max(d.enrolledDay, day - 20), now)
        : at(day, now, 4)
      : null,
    destructiveOnlySince: since,
    daysDestructiveOnly: since ? Math.floor((Date.parse(evaluatedAt) - Date.parse(since)) / DAY_MS) : null,
    targetingResult:
      codes[0] === 'POLICY_NOT_TARGETED'
        ? 'notConfigured'
        : codes[0] === 'POLICY_SET_FALSE'
          ? 'disabled'
          : 'enabled',
    targetingPolicyIds: '',
    hybridKeyTrustRisk: codes.includes('DESTRUCTIVE_ONLY_HYBRID'),
    resettableNow: posture === 'nonDestructive',
    removed: false,
    userCount: reported ? 1 : 0,
    users: [],
    warnings: [],
    warningCodes: '',
    evaluatedAt,
  };
}

const READY_TENANT: TenantReadiness = {
  service: { present: true, enabled: true, servicePrincipalId: 'demo-service' },
  client: { present: true, enabled: true, servicePrincipalId: 'demo-client' },
  state: 'ready',
};

/** Key re-provisioning in the last week: a few, two on destructiveOnly devices. */
function demoEvents(fleet: readonly DemoDevice[], now: Date): DestructiveResetEvent[] {
  const p = new Prng('resetready-weekly-demo-events');
  return Array.from({ length: 5 }, (_, i) => {
    const d = fleet[p.int(0, fleet.length - 1)]!;
    return {
      kind: 'KEY_REPROVISIONED' as const,
      deviceId: d.deviceId,
      userKey: d.upn,
      upn: d.upn,
      oldKeyId: `old-${i}`,
      newKeyId: `new-${i}`,
      previousReportAt: new Date(now.getTime() - (i + 3) * DAY_MS).toISOString(),
      detectedReportAt: new Date(now.getTime() - (i + 1) * DAY_MS + 3_600_000).toISOString(),
      likelyDestructive: i < 2,
    };
  });
}

export interface DemoWeekly {
  input: WeeklyReportInput;
  /** The 84 snapshot rows as dailySnapshot wrote them (to seed a store in tests). */
  dailyRows: ReturnType<typeof dailySnapshot>[];
}

export function demoWeekly(now: Date = DEMO_NOW): DemoWeekly {
  const fleet = demoFleet();
  const events = demoEvents(fleet, now);
  const dailyRows = Array.from({ length: DAYS }, (_, day) => {
    const records = fleet.map((d) => recordOn(d, day, now)).filter((r) => r !== null);
    const evaluatedAt = new Date(at(day, now, 6));
    const summary = aggregatePostures(records, { tenant: READY_TENANT, events, now: evaluatedAt });
    return dailySnapshot(summary, evaluatedAt.toISOString().slice(0, 10).replaceAll('-', ''));
  });
  // Today's state as of the report: the records of the last day, evaluated at `now`.
  const devices = fleet.map((d) => recordOn(d, DAYS - 1, now)).filter((r) => r !== null);
  const summary = aggregatePostures(devices, { tenant: READY_TENANT, events, now });
  return {
    input: {
      now,
      summary,
      daily: dailyRows.map(dailyPointOf),
      devices,
      resetEvents: events,
      latestCollection: {
        status: 'succeeded',
        startedAt: new Date(now.getTime() - 3 * 3_600_000).toISOString(),
        endedAt: new Date(now.getTime() - 3 * 3_600_000 + 95_000).toISOString(),
      },
      lastReportAt: new Date(now.getTime() - 40 * 60_000).toISOString(),
      options: { linkUrl: 'https://resetready-demo.example/api/reports/latest' },
    },
    dailyRows,
  };
}
