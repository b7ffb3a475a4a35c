/**
 * The daily freshness sweep, a timer of its own (functions/freshness.ts): staleness must not
 * wait for a successful collection, because a failing collection is exactly when the data
 * ages. Once a day it
 *  1. finds every user row whose report crossed the stale line since it was last evaluated
 *     (DeviceUsers: Stale false, ReportedAt older than staleDays: one query on typed columns)
 *     and queues its device's recompute, so the device turns `stale` and the summary follows,
 *     retried and at scale like an upload's recompute;
 *  2. writes today's DailySummary row from the current summary when no collection has (the
 *     trend keeps its day; a later full recompute replaces the row as the authority);
 * and the caller then evaluates the alerts (no reports, collection failing, devices stuck).
 * Idempotent: a second run the same day queues the devices still not stale (harmless) and
 * leaves the day's row alone.
 */
import { odata } from '@azure/data-tables';
import { dailySnapshot } from '../posture/aggregate.js';
import { dateKeyOf, type PostureStore } from '../posture-store/store.js';
import { POSTURE_TABLES } from '../posture-store/tables.js';
import type { QueueSender } from '../queue/port.js';
import { RECOMPUTE_WORK, recomputeMessage } from '../recompute/messages.js';
import type { TableProvider } from '../storage/tables.js';
import { mapLimited } from './inputs.js';

const DAY_MS = 86_400_000;

/** Daily at 06:00 UTC: before the weekly report (Monday 07:00 by default) reads the day. */
export const FRESHNESS_SCHEDULE = '0 0 6 * * *';

export interface DailySweepDeps {
  tables: TableProvider;
  posture: Pick<PostureStore, 'readSummary' | 'writeDaily'>;
  queues: QueueSender;
}

export interface DailySweepResult {
  /** Devices queued for a recompute because a user's report went stale. */
  queued: number;
  /** Today's DailySummary row was written by this sweep (no collection had written it). */
  snapshotWritten: boolean;
}

export async function dailyFreshnessSweep(
  deps: DailySweepDeps,
  now: Date,
  staleDays: number,
): Promise<DailySweepResult> {
  const cutoff = new Date(now.getTime() - staleDays * DAY_MS);
  const users = await deps.tables.table(POSTURE_TABLES.deviceUsers);
  const devices = new Set<string>();
  const filter = odata`Stale eq false and ReportedAt lt ${cutoff}`;
  for await (const row of users.listEntities({ queryOptions: { filter, select: ['DeviceKey'] } })) {
    if (typeof row.DeviceKey === 'string' && row.DeviceKey) devices.add(row.DeviceKey.toLowerCase());
  }
  await mapLimited([...devices], 16, (deviceId) =>
    deps.queues.send(RECOMPUTE_WORK, recomputeMessage.create({ deviceId, reason: 'sweep' })),
  );

  const stored = await deps.posture.readSummary();
  const snapshotWritten = stored
    ? await deps.posture.writeDaily(dailySnapshot(stored.summary, dateKeyOf(now)), { onlyIfAbsent: true })
    : false;
  return { queued: devices.size, snapshotWritten };
}
