/**
 * Read and write side of the posture tables. Fleet writes go through syncEntities (only
 * changed rows, partitions in parallel); single-device writes are etag-guarded so two
 * recomputes of one device never interleave; the summary row is read-modify-written under
 * its etag so concurrent reports never lose a count.
 */
import { odata, RestError, type TableClient, type TableEntity } from '@azure/data-tables';
import type { DailySnapshotRow } from '../posture/aggregate.js';
import type { DestructiveResetEvent } from '../posture/types.js';
import { type SyncResult, syncEntities } from '../storage/entity-sync.js';
import { invertedTime, keyPart, prefixEnd } from '../storage/keys.js';
import type { TableProvider } from '../storage/tables.js';
import {
  deviceUserFromEntity,
  eventEntity,
  eventFromEntity,
  postureFromEntity,
  type StoredPosture,
  type StoredSummary,
  summaryEntity,
  summaryFromEntity,
} from './entities.js';
import {
  DAILY_PARTITION,
  EVENT_PARTITION,
  POSTURE_TABLES,
  posturePartition,
  SUMMARY_PARTITION,
  SUMMARY_ROW,
} from './tables.js';

const DAY_MS = 86_400_000;

export interface DeviceFilter {
  posture?: string;
  complianceState?: string;
  /** Rows carrying this reason code (matched in memory: Table Storage has no "contains"). */
  reason?: string;
  /** Case-insensitive part of the device name or primary user's UPN (matched in memory too). */
  search?: string;
  /** Include devices that left Intune; default false (the summary leaves them out too). */
  includeRemoved?: boolean;
}

export interface RawPage {
  rows: Record<string, unknown>[];
  next?: string;
}

export class ConcurrencyError extends Error {
  constructor(what: string) {
    super(`${what} kept changing under concurrent writers; giving up`);
    this.name = 'ConcurrencyError';
  }
}

export function statusOf(err: unknown): number | undefined {
  if (err instanceof RestError) return err.statusCode;
  const s = (err as { statusCode?: unknown } | null)?.statusCode;
  return typeof s === 'number' ? s : undefined;
}

async function getOrNull(
  table: TableClient,
  pk: string,
  rk: string,
): Promise<Record<string, unknown> | null> {
  try {
    return await table.getEntity(pk, rk);
  } catch (err) {
    if (statusOf(err) === 404) return null;
    throw err;
  }
}

/** Server-side part of a device filter (equality on typed columns). */
export function deviceTableFilter(f: DeviceFilter): string | undefined {
  const parts: string[] = [];
  if (f.posture) parts.push(odata`Posture eq ${f.posture}`);
  if (f.complianceState) parts.push(odata`ComplianceState eq ${f.complianceState}`);
  if (!f.includeRemoved) parts.push('LeftIntune eq false');
  return parts.length > 0 ? parts.join(' and ') : undefined;
}

export function rowCarriesReason(row: Record<string, unknown>, reason: string): boolean {
  const codes = typeof row.ReasonCodes === 'string' ? row.ReasonCodes : '';
  return codes.split(',').includes(reason);
}

export function rowMatchesSearch(row: Record<string, unknown>, search: string): boolean {
  const needle = search.toLowerCase();
  const has = (v: unknown) => typeof v === 'string' && v.toLowerCase().includes(needle);
  return has(row.DeviceName) || has(row.UserPrincipalName);
}

/** The in-memory part of a device filter (what the table query cannot express). */
export function rowMatches(row: Record<string, unknown>, f: DeviceFilter): boolean {
  return (!f.reason || rowCarriesReason(row, f.reason)) && (!f.search || rowMatchesSearch(row, f.search));
}

export class PostureStore {
  constructor(private readonly tables: TableProvider) {}

  table(name: keyof typeof POSTURE_TABLES): Promise<TableClient> {
    return this.tables.table(POSTURE_TABLES[name]);
  }

  async getPosture(deviceKey: string): Promise<StoredPosture | null> {
    const table = await this.table('posture');
    const key = deviceKey.toLowerCase();
    const row = await getOrNull(table, posturePartition(key), keyPart(key));
    return row ? postureFromEntity(row) : null;
  }

  /** Every posture row, removed devices included (a full recompute needs them as "previous"). */
  async *postures(): AsyncIterable<StoredPosture> {
    const table = await this.table('posture');
    for await (const row of table.listEntities()) yield postureFromEntity(row);
  }

  /** One page of raw rows matching the filter; may hold fewer rows than asked (reason is matched here). */
  async devicePage(
    filter: DeviceFilter,
    pageSize: number,
    continuationToken?: string,
    select?: string[],
  ): Promise<RawPage> {
    const table = await this.table('posture');
    const tableFilter = deviceTableFilter(filter);
    const pages = table
      .listEntities<Record<string, unknown>>({
        queryOptions: { ...(tableFilter ? { filter: tableFilter } : {}), ...(select ? { select } : {}) },
      })
      .byPage({ maxPageSize: pageSize, ...(continuationToken ? { continuationToken } : {}) });
    const rows: Record<string, unknown>[] = [];
    // Keep reading while pages match nothing, so a rare reason does not answer a run of empty pages.
    for await (const page of pages) {
      for (const row of page) if (rowMatches(row, filter)) rows.push(row);
      const next = (page as { continuationToken?: string }).continuationToken;
      if (rows.length > 0 || !next) return { rows, ...(next ? { next } : {}) };
    }
    return { rows };
  }

  /** Every matching row, streamed page by page (CSV export). */
  async *deviceRows(filter: DeviceFilter, select?: string[]): AsyncIterable<Record<string, unknown>> {
    const table = await this.table('posture');
    const tableFilter = deviceTableFilter(filter);
    const rows = table.listEntities<Record<string, unknown>>({
      queryOptions: { ...(tableFilter ? { filter: tableFilter } : {}), ...(select ? { select } : {}) },
    });
    for await (const row of rows) if (rowMatches(row, filter)) yield row;
  }

  async deviceUsers(deviceKey: string) {
    const table = await this.table('deviceUsers');
    const key = deviceKey.toLowerCase();
    const prefix = `${keyPart(key)}|`;
    const filter = odata`PartitionKey eq ${posturePartition(key)} and RowKey ge ${prefix} and RowKey lt ${prefixEnd(prefix)}`;
    const out: ReturnType<typeof deviceUserFromEntity>[] = [];
    for await (const row of table.listEntities({ queryOptions: { filter } }))
      out.push(deviceUserFromEntity(row));
    return out;
  }

  /** Makes Posture hold exactly these rows (devices no longer desired are deleted). */
  async syncPostures(desired: TableEntity[], concurrency = 16): Promise<SyncResult> {
    return syncEntities(await this.table('posture'), desired, { removedPolicy: 'delete', concurrency });
  }

  async syncDeviceUsers(desired: TableEntity[], concurrency = 16): Promise<SyncResult> {
    return syncEntities(await this.table('deviceUsers'), desired, { removedPolicy: 'delete', concurrency });
  }

  /**
   * Writes one device's row if it still is what the caller read (etag), or creates it when the
   * caller saw none. False when someone else wrote first: re-read and evaluate again.
   */
  async putPosture(entity: TableEntity, etag: string | undefined): Promise<boolean> {
    const table = await this.table('posture');
    try {
      if (etag) await table.updateEntity(entity, 'Replace', { etag });
      else await table.createEntity(entity);
      return true;
    } catch (err) {
      const s = statusOf(err);
      if (s === 412 || s === 409 || (etag && s === 404)) return false;
      throw err;
    }
  }

  /** Replaces one device's user rows (range of its keys) with these. */
  async replaceDeviceUsers(deviceKey: string, desired: TableEntity[]): Promise<void> {
    const table = await this.table('deviceUsers');
    const key = deviceKey.toLowerCase();
    const prefix = `${keyPart(key)}|`;
    const pk = posturePartition(key);
    const filter = odata`PartitionKey eq ${pk} and RowKey ge ${prefix} and RowKey lt ${prefixEnd(prefix)}`;
    const existing = new Set<string>();
    for await (const row of table.listEntities({ queryOptions: { filter, select: ['RowKey'] } })) {
      existing.add(String(row.rowKey));
    }
    const wanted = new Set(desired.map((e) => e.rowKey));
    const actions = [
      ...desired.map((e) => ['upsert', e, 'Replace'] as const),
      ...[...existing]
        .filter((rk) => !wanted.has(rk))
        .map((rk) => ['delete', { partitionKey: pk, rowKey: rk }] as const),
    ];
    for (let i = 0; i < actions.length; i += 100) {
      await table.submitTransaction(actions.slice(i, i + 100).map((a) => [...a]) as never);
    }
  }

  // --- summary ------------------------------------------------------------------------------

  async readSummary(): Promise<StoredSummary | null> {
    const row = await getOrNull(await this.table('summary'), SUMMARY_PARTITION, SUMMARY_ROW);
    return row ? summaryFromEntity(row) : null;
  }

  /** Unconditional: a full recompute is the authority. */
  async writeSummary(s: StoredSummary): Promise<void> {
    await (await this.table('summary')).upsertEntity(summaryEntity(s), 'Replace');
  }

  /**
   * Read-modify-write of the summary under its etag, retried with jittered back-off when a
   * concurrent writer got there first. `change` returns null to leave the row alone.
   */
  async updateSummary(
    change: (current: StoredSummary | null) => StoredSummary | null,
    maxAttempts = 50,
  ): Promise<StoredSummary | null> {
    const table = await this.table('summary');
    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
      const row = await getOrNull(table, SUMMARY_PARTITION, SUMMARY_ROW);
      const current = row ? summaryFromEntity(row) : null;
      const next = change(current);
      if (!next) return current;
      try {
        if (current?.etag) await table.updateEntity(summaryEntity(next), 'Replace', { etag: current.etag });
        else await table.createEntity(summaryEntity(next));
        return next;
      } catch (err) {
        const s = statusOf(err);
        if (s !== 412 && s !== 409) throw err;
        await new Promise((r) => setTimeout(r, Math.random() * Math.min(200, 5 * 2 ** attempt)));
      }
    }
    throw new ConcurrencyError('the Summary row');
  }

  // --- daily ----------------------------------------------------------------------------------

  /**
   * Writes a day's row (a full recompute is the authority and replaces it), or with
   * onlyIfAbsent creates it only when the day has none. True when it wrote.
   */
  async writeDaily(row: DailySnapshotRow, options: { onlyIfAbsent?: boolean } = {}): Promise<boolean> {
    const table = await this.table('daily');
    if (!options.onlyIfAbsent) {
      await table.upsertEntity(dailyEntity(row), 'Replace');
      return true;
    }
    try {
      await table.createEntity(dailyEntity(row));
      return true;
    } catch (err) {
      if (statusOf(err) === 409) return false;
      throw err;
    }
  }

  /** Deletes daily rows older than `retentionDays` before `now`; returns how many. */
  async pruneDaily(now: Date, retentionDays: number): Promise<number> {
    const table = await this.table('daily');
    const oldest = dateKeyOf(new Date(now.getTime() - retentionDays * DAY_MS));
    const filter = odata`PartitionKey eq ${DAILY_PARTITION} and RowKey lt ${oldest}`;
    const keys: string[] = [];
    for await (const row of table.listEntities({ queryOptions: { filter, select: ['RowKey'] } })) {
      keys.push(String(row.rowKey));
    }
    for (let i = 0; i < keys.length; i += 100) {
      await table.submitTransaction(
        keys
          .slice(i, i + 100)
          .map((rowKey) => ['delete', { partitionKey: DAILY_PARTITION, rowKey }] as never),
      );
    }
    return keys.length;
  }

  async listDaily(): Promise<Record<string, unknown>[]> {
    const table = await this.table('daily');
    const out: Record<string, unknown>[] = [];
    const filter = odata`PartitionKey eq ${DAILY_PARTITION}`;
    for await (const row of table.listEntities({ queryOptions: { filter } })) out.push(row);
    return out;
  }

  // --- events ---------------------------------------------------------------------------------

  /** Stores events; returns those not stored before (a racing recompute may have recorded one). */
  async recordEvents(events: readonly DestructiveResetEvent[], now: Date): Promise<DestructiveResetEvent[]> {
    if (events.length === 0) return [];
    const table = await this.table('resetEvents');
    const fresh: DestructiveResetEvent[] = [];
    for (const e of events) {
      try {
        await table.createEntity(eventEntity(e, now));
        fresh.push(e);
      } catch (err) {
        if (statusOf(err) !== 409) throw err;
      }
    }
    return fresh;
  }

  /** One device's re-provisioned keys, newest first (the event partition is small: a scan with a filter). */
  async eventsForDevice(deviceId: string, limit = 50): Promise<DestructiveResetEvent[]> {
    const table = await this.table('resetEvents');
    const filter = odata`PartitionKey eq ${EVENT_PARTITION} and DeviceId eq ${deviceId.toLowerCase()}`;
    const out: DestructiveResetEvent[] = [];
    for await (const row of table.listEntities({ queryOptions: { filter } })) {
      out.push(eventFromEntity(row));
      if (out.length >= limit) break;
    }
    return out;
  }

  /** Events detected within `days` before `now` (newest first), plus any stamped after now. */
  async recentEvents(now: Date, days: number): Promise<DestructiveResetEvent[]> {
    const table = await this.table('resetEvents');
    const bound = invertedTime(new Date(Math.max(0, now.getTime() - days * DAY_MS)));
    // Inverted times: newer rows have smaller keys, so "newer than bound" is RowKey < bound + '~'.
    const filter = odata`PartitionKey eq ${EVENT_PARTITION} and RowKey lt ${`${bound}~`}`;
    const out: DestructiveResetEvent[] = [];
    for await (const row of table.listEntities({ queryOptions: { filter } })) out.push(eventFromEntity(row));
    return out;
  }
}

/** The DailySummary entity of a snapshot row. */
export function dailyEntity(row: DailySnapshotRow): TableEntity {
  const entity: TableEntity = { partitionKey: DAILY_PARTITION, rowKey: row.DateKey };
  for (const [k, v] of Object.entries(row)) {
    if (v === null) continue;
    // A share is a Double even when whole (0 or 1), so typed filters on it match.
    entity[k] = k.endsWith('Share') ? { value: String(v), type: 'Double' } : v;
  }
  return entity;
}

/** yyyymmdd of a UTC day. */
export function dateKeyOf(at: Date): string {
  return at.toISOString().slice(0, 10).replaceAll('-', '');
}
