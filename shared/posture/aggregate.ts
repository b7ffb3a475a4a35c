/**
 * Fleet roll-up of device postures for /api/summary, and a flat daily row for trends. Pure.
 * Removed devices (left Intune) are counted only in totals.removed: they would otherwise
 * inflate notReported forever. Shares come from shares.ts, the one definition.
 */

import type { TenantReadiness } from './inputs.js';
import { readyShares } from './shares.js';
import {
  type DestructiveResetEvent,
  type DevicePosture,
  POSTURES,
  type Posture,
  type PostureSummary,
  REASON_CODES,
  type ReasonCode,
} from './types.js';

const DAY_MS = 86_400_000;

export interface AggregateOptions {
  tenant: TenantReadiness | null;
  /** Re-provisioned-key events (any period; only the last 30 days are counted). */
  events: readonly DestructiveResetEvent[];
  now: Date;
}

function bump(counts: Record<string, number>, key: string): void {
  counts[key] = (counts[key] ?? 0) + 1;
}

function zeros<K extends string>(keys: readonly K[]): Record<K, number> {
  return Object.fromEntries(keys.map((k) => [k, 0])) as Record<K, number>;
}

function codesOf(csv: string): string[] {
  return csv ? csv.split(',') : [];
}

export function aggregatePostures(
  records: readonly DevicePosture[],
  { tenant, events, now }: AggregateOptions,
): PostureSummary {
  const byPosture = zeros<Posture>(POSTURES);
  const byReason = zeros<ReasonCode>(REASON_CODES);
  const byWarning: Partial<Record<ReasonCode, number>> = {};
  const byComplianceState: Record<string, number> = {};
  const byJoinType: Record<string, number> = {};
  const byOsBuild: Record<string, number> = {};
  let devices = 0;
  let removed = 0;
  let users = 0;
  let hybridKeyTrustRisk = 0;
  let resettableNow = 0;
  for (const r of records) {
    if (r.removed) {
      removed++;
      continue;
    }
    devices++;
    users += r.userCount;
    byPosture[r.posture]++;
    for (const c of new Set(codesOf(r.reasonCodes))) bump(byReason, c);
    for (const c of new Set(codesOf(r.warningCodes))) bump(byWarning, c);
    bump(byComplianceState, r.complianceState ?? 'unknown');
    bump(byJoinType, r.joinType ?? 'unknown');
    bump(byOsBuild, r.osBuild === null ? 'unknown' : String(r.osBuild));
    if (r.hybridKeyTrustRisk) hybridKeyTrustRisk++;
    if (r.resettableNow) resettableNow++;
  }
  const shares = readyShares(byPosture, resettableNow);
  const reported = shares.denominator;

  // Window (now - N days, now]; an event stamped in the future (clock skew) still counts.
  const within = (e: DestructiveResetEvent, days: number) => {
    const t = Date.parse(e.detectedReportAt);
    return Number.isFinite(t) && now.getTime() - t < days * DAY_MS;
  };
  const count = (days: number, likely: boolean) =>
    events.filter((e) => within(e, days) && (!likely || e.likelyDestructive)).length;

  return {
    evaluatedAt: now.toISOString(),
    totals: { devices, removed, reported, users },
    byPosture,
    byReason,
    byWarning,
    byComplianceState,
    byJoinType,
    byOsBuild,
    hybridKeyTrustRisk,
    tenantReadiness: tenant?.state ?? 'notCollected',
    destructiveResets: {
      last7Days: count(7, false),
      last30Days: count(30, false),
      likelyDestructiveLast7Days: count(7, true),
      likelyDestructiveLast30Days: count(30, true),
    },
    resettableNow,
    shares,
    nonDestructiveShare: shares.configuredReadyShare,
  };
}

/**
 * A summary stored before a field existed, brought to today's shape: missing postures and
 * reason codes count 0, resettableNow 0 until the next recompute, shares from the counts.
 */
export function normalizeSummary(s: PostureSummary): PostureSummary {
  const byPosture = { ...zeros<Posture>(POSTURES), ...s.byPosture };
  const byReason = { ...zeros<ReasonCode>(REASON_CODES), ...s.byReason };
  const resettableNow = s.resettableNow ?? 0;
  const shares = readyShares(byPosture, resettableNow);
  return {
    ...s,
    byPosture,
    byReason,
    resettableNow,
    shares,
    nonDestructiveShare: shares.configuredReadyShare,
  };
}

export type DailySnapshotRow = Record<string, string | number | null> & { DateKey: string };

const POSTURE_COLUMN: Record<Posture, string> = {
  nonDestructive: 'NonDestructive',
  destructiveOnly: 'DestructiveOnly',
  noHelloKey: 'NoHelloKey',
  unknown: 'Unknown',
  stale: 'Stale',
  notReported: 'NotReported',
  entraRegistered: 'EntraRegistered',
};

/** The DailySummary column of each posture (the OData feed declares the same). */
export const DAILY_POSTURE_COLUMNS: readonly string[] = Object.values(POSTURE_COLUMN);

/**
 * One flat row per day (DateKey yyyymmdd), a column per posture and per reason code (zeros
 * included, so every row has the same columns for Power BI).
 */
export function dailySnapshot(summary: PostureSummary, dateKey: string): DailySnapshotRow {
  if (!/^\d{8}$/.test(dateKey)) throw new Error(`dateKey must be yyyymmdd, got ${JSON.stringify(dateKey)}`);
  const row: DailySnapshotRow = {
    DateKey: dateKey,
    EvaluatedAt: summary.evaluatedAt,
    Devices: summary.totals.devices,
    Removed: summary.totals.removed,
    Reported: summary.totals.reported,
    Users: summary.totals.users,
    NonDestructiveShare: summary.shares.configuredReadyShare,
    ConfiguredReady: summary.shares.configuredReady,
    ResettableNow: summary.shares.resettableNow,
    ResettableNowShare: summary.shares.resettableNowShare,
    HybridKeyTrustRisk: summary.hybridKeyTrustRisk,
    TenantReadiness: summary.tenantReadiness,
    DestructiveResets7d: summary.destructiveResets.last7Days,
    DestructiveResets30d: summary.destructiveResets.last30Days,
    LikelyDestructiveResets7d: summary.destructiveResets.likelyDestructiveLast7Days,
    LikelyDestructiveResets30d: summary.destructiveResets.likelyDestructiveLast30Days,
  };
  for (const p of POSTURES) row[POSTURE_COLUMN[p]] = summary.byPosture[p];
  for (const c of REASON_CODES) row[`Reason_${c}`] = summary.byReason[c];
  return row;
}
