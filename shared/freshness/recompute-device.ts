/**
 * recomputeDevice: after an accepted report, re-evaluate that one device from point reads
 * (its posture row, its reports, its Intune record and targeting, policies, tenant) and move
 * the stored summary by the device's change.
 *
 * Why incremental: recomputing the summary from every posture row costs a full table read per
 * upload (100,000 rows ≈ seconds, see bench/serve), while the delta is O(1). Correctness under
 * concurrency comes from two etags: the posture row is replaced only if it is still the one
 * the delta was computed from, and the summary is read-modify-written under its own etag, so
 * two reports never both subtract the same old state or lose a count.
 */
import { CollectionStore } from '../collection/store.js';
import { aggregatePostures } from '../posture/aggregate.js';
import { evaluateDevicePosture } from '../posture/evaluate.js';
import type { DevicePosture, Posture } from '../posture/types.js';
import { deviceUserEntity, postureEntity, type StoredSummary } from '../posture-store/entities.js';
import { ConcurrencyError, PostureStore } from '../posture-store/store.js';
import { applyPostureChange } from '../posture-store/summary-delta.js';
import { CONTENT_HASH, contentHash } from '../storage/entity-sync.js';
import {
  cachedReported,
  engineInput,
  type FreshnessDeps,
  type FreshnessOptions,
  newestIso,
} from './inputs.js';

export interface DeviceRecomputeResult {
  deviceKey: string;
  before: Posture | null;
  after: Posture;
  changed: boolean;
  events: number;
  attempts: number;
}

const MAX_ATTEMPTS = 20;

export async function recomputeDevice(
  deps: FreshnessDeps,
  deviceId: string,
  now: Date,
  options: FreshnessOptions = {},
): Promise<DeviceRecomputeResult> {
  const key = deviceId.toLowerCase();
  const store = new PostureStore(deps.tables);
  const collection = new CollectionStore(deps.tables);

  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    const [stored, users, reported, policies, tenant] = await Promise.all([
      store.getPosture(key),
      deps.reports.latestUsers(key),
      deps.reports.latestDevice(key),
      collection.listPolicies(),
      collection.tenantReadiness(),
    ]);
    // The Intune link comes from the last collection (stored row) or the report's own claim.
    const managedId = stored?.record.managedDeviceId ?? reported?.intuneDeviceId ?? null;
    let device = managedId ? await collection.getDevice(managedId) : null;
    if (device && device.azureADDeviceId?.toLowerCase() !== key) device = null;
    const targeting = device ? await collection.getTargeting(device.id) : null;

    const { record, events } = evaluateDevicePosture(
      engineInput(
        {
          deviceKey: key,
          deviceId: key,
          device,
          targeting,
          users,
          reported: cachedReported(reported),
          previous: stored,
        },
        policies,
        tenant,
        now,
        options.staleDays,
      ),
    );
    const entity = postureEntity(key, record, cachedReported(reported));
    const hash = contentHash(entity);
    const changed = stored?.hash !== hash;
    if (changed) {
      if (!(await store.putPosture({ ...entity, [CONTENT_HASH]: hash }, stored?.etag))) continue;
      await store.replaceDeviceUsers(
        key,
        record.users.map((u) => deviceUserEntity(key, record.deviceId, u)),
      );
    }
    const fresh = await store.recordEvents(events, now);
    await store.updateSummary((current) =>
      nextSummary(current, changed ? (stored?.record ?? null) : null, changed ? record : null, fresh, now),
    );
    return {
      deviceKey: key,
      before: stored?.record.posture ?? null,
      after: record.posture,
      changed,
      events: fresh.length,
      attempts: attempt,
    };
  }
  throw new ConcurrencyError(`the posture row of ${key}`);
}

function nextSummary(
  current: StoredSummary | null,
  before: DevicePosture | null,
  after: DevicePosture | null,
  events: Parameters<typeof applyPostureChange>[3],
  now: Date,
): StoredSummary | null {
  const lastReportAt = newestIso(current?.lastReportAt ?? null, after?.lastReportAt ?? null);
  if (current && !after && events.length === 0 && lastReportAt === current.lastReportAt) return null;
  // Before the first full recompute there is no summary yet: start from an empty fleet.
  const base = current?.summary ?? aggregatePostures([], { tenant: null, events: [], now });
  return {
    summary: applyPostureChange(base, before, after, events, now),
    generatedAt: now.toISOString(),
    lastCollectionAt: current?.lastCollectionAt ?? null,
    lastCollectionRunId: current?.lastCollectionRunId ?? null,
    lastReportAt,
  };
}
