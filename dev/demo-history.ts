import { dailySnapshot } from '../shared/posture/aggregate.js';
import { inShareDenominator, readyShares } from '../shared/posture/shares.js';
import { POSTURES, type Posture, type PostureSummary, REASON_CODES } from '../shared/posture/types.js';
import { dailyEntity, dateKeyOf, PostureStore, statusOf } from '../shared/posture-store/store.js';
import type { TableProvider } from '../shared/storage/tables.js';
import { dailyPointOf } from '../shared/weekly-report/data.js';
import type { ReportHistory } from '../shared/weekly-report/history.js';
import { buildWeeklyReport, dataUri } from '../shared/weekly-report/render/index.js';
import { reportDate } from '../shared/weekly-report/run-weekly-report.js';
import { Prng } from './graph-sim/prng.js';

const DAY_MS = 86_400_000;

/** The stored column that marks a seeded row. */
export const DEMO_DATA_COLUMN = 'DemoData';

export interface DemoHistoryResult {
  /** Rows written (days that had none). */
  written: number;
  /** Days skipped because a row was already there (real or seeded earlier). */
  kept: number;
}

/** A past day's fleet: today's, scaled back along the rollout and the readiness ramp. */
export function demoDay(current: PostureSummary, daysAgo: number, days: number, at: Date): PostureSummary {
  const rng = new Prng(`demo-history-${dateKeyOf(at)}`);
  const t = 1 - daysAgo / days; // 0 at the oldest day, near 1 yesterday
  const devices = current.totals.devices;
  const reportedNow = current.totals.reported;
  const reported = Math.min(reportedNow, Math.round(reportedNow * (0.55 + 0.45 * t) + rng.int(-1, 1)));
  const shareNow = current.nonDestructiveShare ?? 0.5;
  const shareThen = Math.max(0.05, shareNow - 0.35);
  const share = Math.min(1, Math.max(0, shareThen + (shareNow - shareThen) * t + (rng.next() - 0.5) * 0.03));
  const nonDestructive = Math.min(reported, Math.round(share * reported));

  // The other postures in the share's denominator keep today's proportions; the ones outside
  // it (never reported, Entra registered) take what is left of the fleet.
  const others = POSTURES.filter((p) => p !== 'nonDestructive' && inShareDenominator(p));
  const othersNow = others.reduce((n, p) => n + current.byPosture[p], 0);
  const rest = reported - nonDestructive;
  const byPosture = Object.fromEntries(POSTURES.map((p) => [p, 0])) as Record<Posture, number>;
  byPosture.nonDestructive = nonDestructive;
  // Floors first, then what rounding left over goes to today's largest of them.
  const weights = others.map((p) =>
    othersNow > 0 ? current.byPosture[p] / othersNow : p === 'destructiveOnly' ? 1 : 0,
  );
  others.forEach((p, i) => {
    byPosture[p] = Math.floor(rest * weights[i]!);
  });
  const largest = others[weights.indexOf(Math.max(...weights))]!;
  byPosture[largest] += rest - others.reduce((n, p) => n + byPosture[p], 0);
  for (const p of POSTURES)
    if (!inShareDenominator(p) && p !== 'notReported') byPosture[p] = current.byPosture[p];
  byPosture.notReported =
    devices - POSTURES.filter((p) => p !== 'notReported').reduce((n, p) => n + byPosture[p], 0);

  const scale =
    current.byPosture.destructiveOnly > 0 ? byPosture.destructiveOnly / current.byPosture.destructiveOnly : 0;
  const byReason = Object.fromEntries(
    REASON_CODES.map((c) => [c, Math.round((current.byReason[c] ?? 0) * scale)]),
  ) as PostureSummary['byReason'];

  const resettableNow = Math.round(
    current.resettableNow * (nonDestructive / Math.max(1, current.byPosture.nonDestructive)),
  );
  const shares = readyShares(byPosture, Math.min(resettableNow, nonDestructive));
  return {
    ...current,
    shares,
    resettableNow: shares.resettableNow,
    evaluatedAt: at.toISOString(),
    totals: {
      ...current.totals,
      reported,
      users: Math.round(current.totals.users * (reported / Math.max(1, reportedNow))),
    },
    byPosture,
    byReason,
    nonDestructiveShare: shares.configuredReadyShare,
    destructiveResets: {
      last7Days: 0,
      last30Days: 0,
      likelyDestructiveLast7Days: 0,
      likelyDestructiveLast30Days: 0,
    },
  };
}

/**
 * Seeds the `days` days before `now` (not today: the real recompute writes today's row).
 * Returns what it wrote; writes nothing when no summary exists yet.
 */
export async function seedDemoHistory(
  tables: TableProvider,
  now: Date,
  days = 84,
): Promise<DemoHistoryResult> {
  const store = new PostureStore(tables);
  const stored = await store.readSummary();
  if (!stored) return { written: 0, kept: 0 };
  const table = await store.table('daily');
  let written = 0;
  let kept = 0;
  for (let daysAgo = days; daysAgo >= 1; daysAgo--) {
    const day = new Date(now.getTime() - daysAgo * DAY_MS);
    const at = new Date(`${day.toISOString().slice(0, 10)}T06:00:00.000Z`);
    const row = dailySnapshot(demoDay(stored.summary, daysAgo, days, at), dateKeyOf(at));
    const entity = { ...dailyEntity(row), [DEMO_DATA_COLUMN]: true };
    try {
      await table.createEntity(entity);
      written++;
    } catch (err) {
      if (statusOf(err) !== 409) throw err;
      kept++;
    }
  }
  return { written, kept };
}

/**
 * The weekly reports of the `weeks` weeks before `now`, as the weekly timer would have stored
 * them from the seeded history: each one's headline and current week come from that day's
 * seeded fleet, its trend from the seeded rows, its device tables from today's devices. A day
 * that already has a report keeps it. Saved oldest first, so a real report run afterwards is
 * the latest.
 */
export async function seedDemoReportHistory(
  tables: TableProvider,
  history: ReportHistory,
  now: Date,
  weeks = 11,
  days = 84,
): Promise<DemoHistoryResult> {
  const store = new PostureStore(tables);
  const stored = await store.readSummary();
  if (!stored) return { written: 0, kept: 0 };
  const [dailyRows, postures] = await Promise.all([store.listDaily(), collectRecords(store)]);
  const daily = dailyRows.map(dailyPointOf);
  let written = 0;
  let kept = 0;
  for (let w = weeks; w >= 1; w--) {
    const at = new Date(now.getTime() - w * 7 * DAY_MS);
    const reportAt = new Date(`${at.toISOString().slice(0, 10)}T07:00:00.000Z`);
    const date = reportDate(reportAt);
    if (await history.read(date, 'report.json')) {
      kept++;
      continue;
    }
    const report = buildWeeklyReport({
      now: reportAt,
      summary: demoDay(stored.summary, w * 7, days, reportAt),
      daily: daily.filter((p) => p.dateKey <= dateKeyOf(reportAt)),
      devices: postures,
      resetEvents: [],
      latestCollection: {
        status: 'succeeded',
        startedAt: new Date(reportAt.getTime() - 3_600_000).toISOString(),
        endedAt: new Date(reportAt.getTime() - 3_000_000).toISOString(),
      },
      lastReportAt: new Date(reportAt.getTime() - 1_800_000).toISOString(),
      options: { demo: true },
    });
    await history.save(
      date,
      {
        html: report.html(dataUri),
        csv: report.csv,
        json: JSON.stringify(report.json, null, 2),
        charts: report.charts.map((c) => ({ id: c.id, png: c.png })),
      },
      reportAt,
    );
    written++;
  }
  return { written, kept };
}

async function collectRecords(store: PostureStore) {
  const out = [];
  for await (const p of store.postures()) out.push(p.record);
  return out;
}
