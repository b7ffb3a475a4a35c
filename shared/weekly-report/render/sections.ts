/**
 * Every section of the weekly report computed from its input: pure and deterministic (the
 * clock is input.now), so the same stores always give the same report.
 */
import { reasonGuidance } from '../../posture/guidance.js';
import { postureShare } from '../../posture/shares.js';
import { POSTURES, REASON_CODES, type ReasonCode } from '../../posture/types.js';
import type {
  DailyPoint,
  FreshnessWarning,
  LongDestructiveDevice,
  ReasonLine,
  TrendWeek,
  WeeklyReportInput,
  WeeklyReportJson,
} from './model.js';

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;
export const TREND_WEEKS = 12;
export const DEFAULT_TOP_DEVICES = 50;

/** yyyymmdd of the UTC day containing `at`. */
export function dayKey(at: Date): string {
  return at.toISOString().slice(0, 10).replaceAll('-', '');
}

function isoDay(key: string): string {
  return `${key.slice(0, 4)}-${key.slice(4, 6)}-${key.slice(6, 8)}`;
}

export function shareOf(p: DailyPoint): number | null {
  if (p.nonDestructiveShare !== null && Number.isFinite(p.nonDestructiveShare)) return p.nonDestructiveShare;
  return p.reported > 0 ? p.nonDestructive / p.reported : null;
}

/** The newest snapshot on or before `key` and after `notBeforeKey` (exclusive). */
function latestIn(sorted: readonly DailyPoint[], notBeforeKey: string, key: string): DailyPoint | null {
  for (let i = sorted.length - 1; i >= 0; i--) {
    const p = sorted[i]!;
    if (p.dateKey <= key && p.dateKey > notBeforeKey) return p;
    if (p.dateKey <= notBeforeKey) break;
  }
  return null;
}

/**
 * Twelve weeks ending on the report's day, each read from its newest snapshot: a week is a
 * state at its end, not an average, so the last bar agrees with the stored history.
 */
export function trendWeeks(daily: readonly DailyPoint[], now: Date): TrendWeek[] {
  const sorted = [...daily].sort((a, b) => a.dateKey.localeCompare(b.dateKey));
  const weeks: TrendWeek[] = [];
  for (let i = TREND_WEEKS - 1; i >= 0; i--) {
    const end = new Date(now.getTime() - i * 7 * DAY_MS);
    const endKey = dayKey(end);
    const startKey = dayKey(new Date(end.getTime() - 7 * DAY_MS));
    const p = latestIn(sorted, startKey, endKey);
    weeks.push({
      weekEnding: isoDay(endKey),
      dateKey: p?.dateKey ?? null,
      reported: p?.reported ?? null,
      nonDestructive: p?.nonDestructive ?? null,
      destructiveOnly: p?.destructiveOnly ?? null,
      share: p ? shareOf(p) : null,
      demo: p?.demo === true,
    });
  }
  return weeks;
}

/** The share a week ago: the newest snapshot in the 7 days up to now − 7 days. */
export function previousWeekShare(daily: readonly DailyPoint[], now: Date): number | null {
  const sorted = [...daily].sort((a, b) => a.dateKey.localeCompare(b.dateKey));
  const weekAgo = new Date(now.getTime() - 7 * DAY_MS);
  const p = latestIn(sorted, dayKey(new Date(weekAgo.getTime() - 7 * DAY_MS)), dayKey(weekAgo));
  return p ? shareOf(p) : null;
}

function guidanceLine(code: ReasonCode, count: number): ReasonLine {
  const g = reasonGuidance(code);
  return { code, count, title: g.title, action: g.action, docsUrl: g.docsUrl };
}

/** Codes carried by at least one device, most devices first (ties in priority order). */
export function topReasons(byReason: Partial<Record<string, number>>): ReasonLine[] {
  return REASON_CODES.map((code, rank) => ({ code, rank, count: byReason[code] ?? 0 }))
    .filter((r) => r.count > 0)
    .sort((a, b) => b.count - a.count || a.rank - b.rank)
    .map((r) => guidanceLine(r.code, r.count));
}

function sinceMs(iso: string | null): number {
  const t = iso ? Date.parse(iso) : Number.NaN;
  return Number.isFinite(t) ? t : Number.POSITIVE_INFINITY;
}

/**
 * destructiveOnly devices (still in Intune), longest first: oldest destructiveOnlySince, then
 * name and id so equal dates sort the same every week. Days are counted to `now`, not to the
 * last evaluation, so the mail does not under-state a device nobody recomputed.
 */
export function longestDestructiveOnly(input: WeeklyReportInput): LongDestructiveDevice[] {
  return input.devices
    .filter((d) => d.posture === 'destructiveOnly' && !d.removed)
    .sort(
      (a, b) =>
        sinceMs(a.destructiveOnlySince) - sinceMs(b.destructiveOnlySince) ||
        (a.deviceName ?? '').localeCompare(b.deviceName ?? '') ||
        a.deviceId.localeCompare(b.deviceId),
    )
    .map((d) => {
      const since = sinceMs(d.destructiveOnlySince);
      return {
        deviceId: d.deviceId,
        deviceName: d.deviceName,
        userPrincipalName: d.userPrincipalName,
        destructiveOnlySince: d.destructiveOnlySince,
        daysDestructiveOnly: Number.isFinite(since)
          ? Math.max(0, Math.floor((input.now.getTime() - since) / DAY_MS))
          : d.daysDestructiveOnly,
        primaryReason: d.primaryReason,
        hybridKeyTrustRisk: d.hybridKeyTrustRisk,
      };
    });
}

export function freshnessWarnings(input: WeeklyReportInput): FreshnessWarning[] {
  const now = input.now.getTime();
  const maxAgeH = input.options?.collectionMaxAgeHours ?? 24;
  const silenceH = input.options?.silenceHours ?? 48;
  const out: FreshnessWarning[] = [];
  const c = input.latestCollection;
  if (!c) {
    out.push({ code: 'NO_COLLECTION', message: 'No inventory collection has run yet.', since: null });
  } else {
    if (c.status === 'failed') {
      out.push({
        code: 'COLLECTION_FAILED',
        message: 'The latest inventory collection failed; device and policy data may be out of date.',
        since: c.endedAt ?? c.startedAt,
      });
    }
    // A run still "running" counts from its start: it has not delivered anything yet.
    const at = Date.parse(c.endedAt ?? c.startedAt);
    if (!Number.isFinite(at) || now - at > maxAgeH * HOUR_MS) {
      out.push({
        code: 'COLLECTION_STALE',
        message: `No inventory collection has finished in the last ${maxAgeH} hours.`,
        since: c.endedAt ?? c.startedAt,
      });
    }
  }
  const last = input.lastReportAt ? Date.parse(input.lastReportAt) : Number.NaN;
  if (!Number.isFinite(last) || now - last > silenceH * HOUR_MS) {
    out.push({
      code: 'AGENTS_SILENT',
      message: Number.isFinite(last)
        ? `No device has sent a report in the last ${silenceH} hours: check the agent deployment (Remediations or scheduled task).`
        : 'No device has sent a report yet: deploy the agent (Remediations or scheduled task).',
      since: Number.isFinite(last) ? input.lastReportAt : null,
    });
  }
  return out;
}

function tenantGuidance(state: string): ReasonLine | null {
  if (state === 'missing') return guidanceLine('PINRESET_APPS_MISSING', 1);
  if (state === 'disabled') return guidanceLine('PINRESET_APP_DISABLED', 1);
  return null;
}

/**
 * The daily history with today's point taken from the summary the headline reads: the stored
 * row for today was written by the last full recompute and misses every report since, so the
 * newest week would otherwise disagree with the headline above it.
 */
export function withToday(input: WeeklyReportInput): DailyPoint[] {
  const { summary, now } = input;
  const today: DailyPoint = {
    dateKey: dayKey(now),
    devices: summary.totals.devices,
    reported: summary.totals.reported,
    nonDestructive: summary.byPosture.nonDestructive,
    destructiveOnly: summary.byPosture.destructiveOnly,
    nonDestructiveShare: summary.nonDestructiveShare,
  };
  // No fleet yet (nothing collected): nothing to draw for today either.
  if (summary.totals.devices === 0) return [...input.daily];
  return [...input.daily.filter((p) => p.dateKey !== today.dateKey), today];
}

export function weeklyReportJson(input: WeeklyReportInput): WeeklyReportJson {
  const { now, summary } = input;
  const from = new Date(now.getTime() - 7 * DAY_MS);
  const shares = summary.shares;
  const share = shares.configuredReadyShare;
  const previousShare = previousWeekShare(input.daily, now);
  const changePoints =
    share !== null && previousShare !== null ? Math.round((share - previousShare) * 1000) / 10 : null;
  const longest = longestDestructiveOnly(input);
  const top = input.options?.topDevices ?? DEFAULT_TOP_DEVICES;
  const events = input.resetEvents
    .filter((e) => {
      const t = Date.parse(e.detectedReportAt);
      return Number.isFinite(t) && now.getTime() - t < 7 * DAY_MS;
    })
    .sort((a, b) => b.detectedReportAt.localeCompare(a.detectedReportAt));
  const c = input.latestCollection;
  const names = new Map(
    input.devices.filter((d) => d.deviceName).map((d) => [d.deviceId.toLowerCase(), d.deviceName as string]),
  );
  return {
    schema: 'resetready.weekly-report/v1',
    generatedAt: now.toISOString(),
    period: { from: from.toISOString(), to: now.toISOString() },
    headline: {
      share,
      previousShare,
      changePoints,
      nonDestructive: shares.configuredReady,
      reported: shares.denominator,
      devices: summary.totals.devices,
      resettableNow: shares.resettableNow,
      resettableNowShare: shares.resettableNowShare,
    },
    trend: trendWeeks(withToday(input), now),
    postures: POSTURES.map((posture) => {
      const count = summary.byPosture[posture] ?? 0;
      return { posture, count, share: postureShare(posture, count, shares.denominator) };
    }),
    topReasons: topReasons(summary.byReason),
    tenantReadiness: { state: summary.tenantReadiness, guidance: tenantGuidance(summary.tenantReadiness) },
    longestDestructiveOnly: { total: longest.length, devices: longest.slice(0, top) },
    destructiveResets: {
      last7Days: events.length,
      likelyDestructiveLast7Days: events.filter((e) => e.likelyDestructive).length,
      events: events.map((e) => ({
        deviceId: e.deviceId,
        deviceName: names.get(e.deviceId.toLowerCase()) ?? null,
        upn: e.upn,
        detectedReportAt: e.detectedReportAt,
        likelyDestructive: e.likelyDestructive,
      })),
    },
    freshness: {
      lastCollectionAt: c ? (c.endedAt ?? c.startedAt) : null,
      lastCollectionStatus: c?.status ?? null,
      lastReportAt: input.lastReportAt,
      warnings: freshnessWarnings(input),
    },
    linkUrl: input.options?.linkUrl ?? null,
    ...(input.options?.demo ? { demo: true as const } : {}),
  };
}
