/**
 * Gathers the weekly report's input from the stores: the summary row, the last 84 days of
 * DailySummary, every posture row, the last 7 days of reset events, the latest collection run
 * and the newest report time. Reads only; the renderer (render/) stays pure.
 */
import type { CollectionStore } from '../collection/store.js';
import { aggregatePostures } from '../posture/aggregate.js';
import type { DevicePosture } from '../posture/types.js';
import type { PostureStore } from '../posture-store/store.js';
import { dateKeyOf } from '../posture-store/store.js';
import type { DailyPoint, WeeklyReportInput, WeeklyReportOptions } from './render/model.js';

const DAY_MS = 86_400_000;
/** 12 weeks of trend, plus the week before the first so its share has a snapshot to read. */
export const HISTORY_DAYS = 84;

function num(row: Record<string, unknown>, k: string): number {
  const v = row[k];
  if (typeof v === 'number') return v;
  const n = Number(v);
  return v !== null && v !== undefined && v !== '' && Number.isFinite(n) ? n : 0;
}

/** A stored DailySummary row (or a dailySnapshot row) reduced to a trend point. */
export function dailyPointOf(row: Record<string, unknown>): DailyPoint {
  const share = row.NonDestructiveShare;
  const shareNum = typeof share === 'number' ? share : share == null || share === '' ? null : Number(share);
  return {
    dateKey: String(row.DateKey ?? row.rowKey ?? row.RowKey ?? ''),
    devices: num(row, 'Devices'),
    reported: num(row, 'Reported'),
    nonDestructive: num(row, 'NonDestructive'),
    destructiveOnly: num(row, 'DestructiveOnly'),
    nonDestructiveShare: shareNum !== null && Number.isFinite(shareNum) ? shareNum : null,
    ...(row.DemoData === true ? { demo: true } : {}),
  };
}

export interface WeeklyReportSources {
  posture: PostureStore;
  collection: CollectionStore;
}

export async function gatherWeeklyReportInput(
  { posture, collection }: WeeklyReportSources,
  now: Date,
  options: WeeklyReportOptions = {},
): Promise<WeeklyReportInput> {
  const oldestKey = dateKeyOf(new Date(now.getTime() - (HISTORY_DAYS + 7) * DAY_MS));
  const [stored, dailyRows, events, run] = await Promise.all([
    posture.readSummary(),
    posture.listDaily(),
    posture.recentEvents(now, 7),
    collection.latestRun(),
  ]);
  const devices: DevicePosture[] = [];
  for await (const p of posture.postures()) devices.push(p.record);
  // No summary row yet (posture never recomputed): aggregate what is there rather than fail.
  const summary = stored?.summary ?? aggregatePostures(devices, { tenant: null, events, now });
  const daily = dailyRows.map(dailyPointOf).filter((p) => p.dateKey >= oldestKey);
  // The summary's newest report, else the newest on any posture row.
  let lastReportAt = stored?.lastReportAt ?? null;
  for (const d of devices) {
    if (d.lastReportAt && (!lastReportAt || d.lastReportAt > lastReportAt)) lastReportAt = d.lastReportAt;
  }
  return {
    now,
    summary,
    daily,
    devices,
    resetEvents: events,
    latestCollection: run
      ? { status: run.status, startedAt: run.startedAt, endedAt: run.endedAt || null }
      : null,
    lastReportAt,
    options,
  };
}
