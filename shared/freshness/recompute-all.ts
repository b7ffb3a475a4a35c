/**
 * recomputeAll: after every successful collection, evaluate every device from what is stored
 * (inventory, targeting, policies, tenant, the latest-report projection and the previous
 * posture rows), then write only the rows that changed, record re-provisioned keys, and
 * replace the summary and today's daily row. It is the authority: whatever drift incremental
 * updates picked up (a crash between a device write and its summary delta, events ageing out
 * of the 7/30-day windows) is gone after it.
 *
 * Reports that arrive while it runs: the run evaluated them from an older snapshot and may
 * overwrite their rows, so every device whose latest report is newer than the run's start is
 * recomputed again (incrementally) at the end.
 */

import { odata } from '@azure/data-tables';
import type { StoredDevice, StoredTargeting } from '../collection/entities.js';
import type { RunSummary } from '../collection/run-record.js';
import { CollectionStore } from '../collection/store.js';
import { aggregatePostures, dailySnapshot } from '../posture/aggregate.js';
import { evaluateDevicePosture } from '../posture/evaluate.js';
import type { LatestUserState } from '../posture/inputs.js';
import type { DestructiveResetEvent, DevicePosture, Posture, PostureSummary } from '../posture/types.js';
import { deviceKeyOf, isZeroDeviceId } from '../posture-store/device-key.js';
import {
  type CachedReportedDevice,
  deviceUserEntity,
  postureEntity,
  type StoredPosture,
} from '../posture-store/entities.js';
import { dateKeyOf, PostureStore } from '../posture-store/store.js';
import { DEFAULT_DAILY_RETENTION_DAYS } from '../posture-store/tables.js';
import type { SyncResult } from '../storage/entity-sync.js';
import { LATEST_TABLE } from '../storage/report-store.js';
import {
  cachedReported,
  engineInput,
  type FreshnessDeps,
  type FreshnessOptions,
  mapLimited,
  newestIso,
  preferDevice,
} from './inputs.js';
import { recomputeDevice } from './recompute-device.js';

export interface FullRecomputeResult {
  generatedAt: string;
  devices: number;
  byPosture: Record<Posture, number>;
  events: number;
  /** Device facts re-read from reports the cached row did not know yet. */
  reportedDeviceReads: number;
  writes: { posture: SyncResult; deviceUsers: SyncResult };
  dailyPruned: number;
  /** Devices recomputed again because a report arrived during the run. */
  repaired: number;
  durationMs: number;
  summary: PostureSummary;
}

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

export async function recomputeAll(
  deps: FreshnessDeps,
  now: Date,
  options: FreshnessOptions & { run?: Pick<RunSummary, 'runId' | 'endedAt'> } = {},
): Promise<FullRecomputeResult> {
  const started = Date.now();
  const startedAt = new Date().toISOString();
  const store = new PostureStore(deps.tables);
  const collection = new CollectionStore(deps.tables);
  const concurrency = options.concurrency ?? 16;

  const [devices, targeting, policies, tenant, latest, previousRows, previousSummary] = await Promise.all([
    collection.listDevices({ includeRemoved: true }),
    collect(collection.targeting({ includeRemoved: true })),
    collection.listPolicies(),
    collection.tenantReadiness(),
    collect(deps.reports.listLatest()),
    collect(store.postures()),
    store.readSummary(),
  ]);

  const targetingById = new Map<string, StoredTargeting>(
    targeting.map((t) => [t.managedDeviceId.toLowerCase(), t]),
  );
  const previous = new Map<string, StoredPosture>(previousRows.map((p) => [p.deviceKey, p]));
  const usersByDevice = new Map<string, LatestUserState[]>();
  for (const u of latest) {
    const k = u.deviceId.toLowerCase();
    const list = usersByDevice.get(k);
    if (list) list.push(u);
    else usersByDevice.set(k, [u]);
  }

  // Every Intune device under its key, then every reporting device Intune does not know.
  const intune = new Map<string, StoredDevice>();
  for (const d of devices) {
    const k = deviceKeyOf(d);
    const seen = intune.get(k);
    intune.set(k, seen ? preferDevice(seen, d) : d);
  }
  const keys = new Set<string>([...intune.keys(), ...usersByDevice.keys()]);

  // Device facts from reports: cached on the posture row, re-read only when a newer report exists.
  const reported = new Map<string, CachedReportedDevice | null>();
  const toRead: string[] = [];
  for (const k of keys) {
    const users = usersByDevice.get(k);
    const cached = previous.get(k)?.reportedDevice ?? null;
    reported.set(k, cached);
    if (!users) continue;
    const newest = users.reduce<string | null>((a, u) => newestIso(a, u.reportedAt), null);
    if (!cached || (newest && Date.parse(newest) > Date.parse(cached.reportedAt))) toRead.push(k);
  }
  await mapLimited(toRead, concurrency, async (k) => {
    const d = await deps.reports.latestDevice(k);
    if (d) reported.set(k, cachedReported(d));
  });

  const records: DevicePosture[] = [];
  const events: DestructiveResetEvent[] = [];
  const postureRows = [];
  const userRows = [];
  for (const k of keys) {
    const device = intune.get(k) ?? null;
    const deviceId = device && isZeroDeviceId(device.azureADDeviceId) ? (device.azureADDeviceId ?? k) : k;
    const { record, events: ev } = evaluateDevicePosture(
      engineInput(
        {
          deviceKey: k,
          deviceId,
          device,
          targeting: device ? (targetingById.get(device.id.toLowerCase()) ?? null) : null,
          users: usersByDevice.get(k) ?? [],
          reported: reported.get(k) ?? null,
          previous: previous.get(k) ?? null,
        },
        policies,
        tenant,
        now,
        options.staleDays,
      ),
    );
    records.push(record);
    events.push(...ev);
    postureRows.push(postureEntity(k, record, reported.get(k) ?? null));
    for (const u of record.users) userRows.push(deviceUserEntity(k, record.deviceId, u));
  }

  const [postureWrites, userWrites] = await Promise.all([
    store.syncPostures(postureRows, concurrency),
    store.syncDeviceUsers(userRows, concurrency),
  ]);
  const fresh = await store.recordEvents(events, now);
  const summary = aggregatePostures(records, {
    tenant: tenant?.readiness ?? null,
    events: await store.recentEvents(now, 30),
    now,
  });
  await store.writeSummary({
    summary,
    generatedAt: now.toISOString(),
    lastCollectionAt: options.run?.endedAt ?? previousSummary?.lastCollectionAt ?? null,
    lastCollectionRunId: options.run?.runId ?? previousSummary?.lastCollectionRunId ?? null,
    lastReportAt: records.reduce<string | null>((a, r) => newestIso(a, r.lastReportAt), null),
  });
  await store.writeDaily(dailySnapshot(summary, dateKeyOf(now)));
  const dailyPruned = await store.pruneDaily(now, options.dailyRetentionDays ?? DEFAULT_DAILY_RETENTION_DAYS);

  const repaired = await repairLateReports(deps, startedAt, now, options, concurrency);
  deps.log?.('info', 'posture_recomputed', {
    devices: records.length,
    written: postureWrites.inserted + postureWrites.updated,
    deleted: postureWrites.removed,
    events: fresh.length,
    repaired,
    ms: Date.now() - started,
  });
  return {
    generatedAt: now.toISOString(),
    devices: records.length,
    byPosture: summary.byPosture,
    events: fresh.length,
    reportedDeviceReads: toRead.length,
    writes: { posture: postureWrites, deviceUsers: userWrites },
    dailyPruned,
    repaired,
    durationMs: Date.now() - started,
    summary,
  };
}

/** Devices whose latest report was received after the run read the projection. */
async function repairLateReports(
  deps: FreshnessDeps,
  since: string,
  now: Date,
  options: FreshnessOptions,
  concurrency: number,
): Promise<number> {
  const table = await deps.tables.table(LATEST_TABLE);
  const late = new Set<string>();
  // ReceivedAt is an ISO string of fixed shape, so string order is time order.
  const filter = odata`ReceivedAt ge ${since}`;
  for await (const row of table.listEntities({ queryOptions: { filter, select: ['DeviceId'] } })) {
    if (typeof row.DeviceId === 'string') late.add(row.DeviceId.toLowerCase());
  }
  await mapLimited([...late], concurrency, (k) => recomputeDevice(deps, k, now, options));
  return late.size;
}
