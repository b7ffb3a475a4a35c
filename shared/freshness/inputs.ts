/**
 * Shared pieces of both recomputes: what they depend on, and how stored inventory, targeting
 * and the device's own report become one engine input.
 */
import type { StoredDevice, StoredPolicy, StoredTargeting, StoredTenant } from '../collection/entities.js';
import type { LatestUserState } from '../posture/inputs.js';
import type { PostureInput } from '../posture/types.js';
import type { CachedReportedDevice, StoredPosture } from '../posture-store/entities.js';
import { previousOf } from '../posture-store/entities.js';
import type { LatestDeviceState, TableReportStore } from '../storage/report-store.js';
import type { TableProvider } from '../storage/tables.js';

export type FreshnessLog = (
  level: 'info' | 'warn' | 'error',
  event: string,
  fields: Record<string, unknown>,
) => void;

/** What a recompute needs; functions/services.ts Services fits. */
export interface FreshnessDeps {
  tables: TableProvider;
  reports: Pick<TableReportStore, 'latestUsers' | 'latestDevice' | 'listLatest'>;
  log?: FreshnessLog;
}

export interface FreshnessOptions {
  /** A report older than this many days is stale (engine default 7). */
  staleDays?: number;
  /** DailySummary rows kept (default 400). */
  dailyRetentionDays?: number;
  /** Partitions written in parallel (default 16). */
  concurrency?: number;
}

export function cachedReported(d: LatestDeviceState | undefined | null): CachedReportedDevice | null {
  if (!d) return null;
  return {
    reportId: d.reportId,
    reportedAt: d.reportedAt,
    joinType: d.joinType,
    osVersion: d.osVersion,
    deviceName: d.deviceName,
  };
}

export interface DeviceSources {
  deviceKey: string;
  deviceId: string;
  device: StoredDevice | null;
  targeting: StoredTargeting | null;
  users: readonly LatestUserState[];
  reported: CachedReportedDevice | null;
  previous: StoredPosture | null;
}

export function engineInput(
  s: DeviceSources,
  policies: readonly StoredPolicy[],
  tenant: StoredTenant | null,
  now: Date,
  staleDays: number | undefined,
): PostureInput {
  return {
    device: s.device,
    deviceId: s.deviceId,
    removed: s.device?.removed === true,
    reportedDevice: s.reported,
    deviceEnabled: s.device?.entra?.accountEnabled ?? null,
    entraTrustType: s.device?.entra?.trustType ?? null,
    targeting: s.targeting && !s.targeting.removed ? s.targeting : null,
    policies,
    tenant: tenant?.readiness ?? null,
    users: s.users,
    previous: previousOf(s.previous),
    now,
    ...(staleDays !== undefined ? { staleDays } : {}),
  };
}

/** Of several Intune records for one Entra device (re-enrolment leaves duplicates): the live, most recently synced one. */
export function preferDevice(a: StoredDevice, b: StoredDevice): StoredDevice {
  if (a.removed !== b.removed) return a.removed ? b : a;
  const ta = Date.parse(a.lastSyncDateTime ?? '') || 0;
  const tb = Date.parse(b.lastSyncDateTime ?? '') || 0;
  return tb > ta ? b : a;
}

export function newestIso(a: string | null, b: string | null): string | null {
  if (!a) return b;
  if (!b) return a;
  return Date.parse(b) > Date.parse(a) ? b : a;
}

export async function mapLimited<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return out;
}
