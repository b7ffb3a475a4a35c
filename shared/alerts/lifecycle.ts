/**
 * The alert lifecycle in Table Storage. Every transition is a conditional write, so two
 * evaluations running at once never both open, re-notify or resolve the same alert: opening
 * is createEntity (409 = someone else opened it), everything after is an etag-guarded update
 * (412 = someone else changed it; read again and decide again). Each transition is therefore
 * credited to exactly one evaluator, and so appears in exactly one digest.
 */
import type { TableClient } from '@azure/data-tables';
import { statusOf } from '../posture-store/store.js';
import type { TableProvider } from '../storage/tables.js';
import {
  ALERTS_TABLE,
  alertEntity,
  alertFromEntity,
  alertPartition,
  alertRowKey,
  historyRowKey,
} from './entities.js';
import { daysBetween } from './rules.js';
import type { DesiredAlert, StoredAlert } from './types.js';

const DAY_MS = 86_400_000;
/** Re-reads after losing a race; more means the row is contended beyond reason. */
const MAX_ATTEMPTS = 5;
const CONCURRENCY = 16;

export interface AlertTransitions {
  opened: StoredAlert[];
  renotified: StoredAlert[];
  resolved: StoredAlert[];
}

export interface ReconcileOptions {
  now: Date;
  renotifyDays: number;
  /** Keys whose condition cannot be judged now: left as they are. */
  undecided?: readonly string[];
  /** Why an open alert no longer holds (stored on the resolved row). */
  resolveReason?: (alert: StoredAlert) => Promise<string> | string;
}

async function pool<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++] as T;
      await work(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

function lostRace(err: unknown): boolean {
  const s = statusOf(err);
  return s === 409 || s === 412 || s === 404;
}

export class AlertStore {
  constructor(private readonly tables: TableProvider) {}

  table(): Promise<TableClient> {
    return this.tables.table(ALERTS_TABLE);
  }

  async get(partitionKey: string, rowKey: string): Promise<StoredAlert | null> {
    const table = await this.table();
    try {
      return alertFromEntity(await table.getEntity(partitionKey, rowKey));
    } catch (err) {
      if (statusOf(err) === 404) return null;
      throw err;
    }
  }

  /** Every row, history included (tests, exports). */
  async all(): Promise<StoredAlert[]> {
    const out: StoredAlert[] = [];
    for await (const row of (await this.table()).listEntities()) out.push(alertFromEntity(row));
    return out;
  }

  async listOpen(): Promise<StoredAlert[]> {
    const out: StoredAlert[] = [];
    const rows = (await this.table()).listEntities({ queryOptions: { filter: "Status eq 'open'" } });
    for await (const row of rows) out.push(alertFromEntity(row));
    return out;
  }

  /** Brings the stored alerts in line with the conditions that hold now. */
  async reconcile(desired: readonly DesiredAlert[], opts: ReconcileOptions): Promise<AlertTransitions> {
    const table = await this.table();
    const result: AlertTransitions = { opened: [], renotified: [], resolved: [] };
    const wanted = new Set(desired.map((d) => `${alertPartition(d)}/${alertRowKey(d.key)}`));
    const undecided = new Set(opts.undecided ?? []);

    await pool(desired, CONCURRENCY, async (d) => {
      if (undecided.has(d.key)) return;
      const outcome = await this.applyDesired(table, d, opts);
      if (outcome) result[outcome.kind].push(outcome.alert);
    });

    const open = await this.listOpen();
    const stale = open.filter((a) => !wanted.has(`${a.partitionKey}/${a.rowKey}`) && !undecided.has(a.key));
    await pool(stale, CONCURRENCY, async (a) => {
      const resolved = await this.resolve(table, a, opts);
      if (resolved) result.resolved.push(resolved);
    });
    return result;
  }

  private async applyDesired(
    table: TableClient,
    d: DesiredAlert,
    opts: ReconcileOptions,
  ): Promise<{ kind: 'opened' | 'renotified'; alert: StoredAlert } | null> {
    const now = opts.now.toISOString();
    const pk = alertPartition(d);
    const rk = alertRowKey(d.key);
    const fresh = (): StoredAlert => ({
      partitionKey: pk,
      rowKey: rk,
      key: d.key,
      type: d.type,
      severity: d.severity,
      status: 'open',
      deviceId: d.deviceId,
      deviceName: d.deviceName,
      since: d.since,
      openedAt: now,
      lastNotifiedAt: now,
      notifyCount: 1,
      resolvedAt: null,
      resolvedReason: null,
      days: daysBetween(d.since ?? now, opts.now),
      details: d.details,
    });

    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      const current = await this.get(pk, rk);
      try {
        if (!current) {
          const alert = fresh();
          await table.createEntity(alertEntity(alert));
          return { kind: 'opened', alert };
        }
        if (current.status === 'resolved') {
          // Keep the finished occurrence as history (idempotent: a racing evaluator writes the
          // same row), then reopen the current row only if nobody else did meanwhile.
          await table.upsertEntity(
            alertEntity({ ...current, rowKey: historyRowKey(current.key, current.openedAt) }),
            'Replace',
          );
          const alert = fresh();
          await table.updateEntity(alertEntity(alert), 'Replace', { etag: current.etag });
          return { kind: 'opened', alert };
        }
        const days = daysBetween(d.since ?? current.openedAt, opts.now);
        const updated: StoredAlert = {
          ...current,
          severity: d.severity,
          deviceName: d.deviceName ?? current.deviceName,
          since: d.since,
          days,
          details: d.details,
        };
        const due = opts.now.getTime() - Date.parse(current.lastNotifiedAt) >= opts.renotifyDays * DAY_MS;
        if (due) {
          const alert = { ...updated, lastNotifiedAt: now, notifyCount: current.notifyCount + 1 };
          await table.updateEntity(alertEntity(alert), 'Replace', { etag: current.etag });
          return { kind: 'renotified', alert };
        }
        const changed =
          updated.days !== current.days ||
          updated.details !== current.details ||
          updated.severity !== current.severity ||
          updated.deviceName !== current.deviceName ||
          updated.since !== current.since;
        if (changed) {
          try {
            await table.updateEntity(alertEntity(updated), 'Replace', { etag: current.etag });
          } catch (err) {
            // Only a refresh of the shown facts: whoever changed the row has fresher ones.
            if (!lostRace(err)) throw err;
          }
        }
        return null;
      } catch (err) {
        if (!lostRace(err)) throw err;
      }
    }
    return null;
  }

  /**
   * Resolves one open alert whose condition no longer holds, under its etag: the alert if this
   * call resolved it, null if it was not open any more (another evaluator got there first).
   */
  async resolveOne(
    open: StoredAlert,
    opts: Pick<ReconcileOptions, 'now' | 'resolveReason'>,
  ): Promise<StoredAlert | null> {
    return this.resolve(await this.table(), open, { ...opts, renotifyDays: 0 });
  }

  private async resolve(
    table: TableClient,
    open: StoredAlert,
    opts: ReconcileOptions,
  ): Promise<StoredAlert | null> {
    let current: StoredAlert | null = open;
    for (let attempt = 1; attempt <= MAX_ATTEMPTS && current?.status === 'open'; attempt++) {
      const alert: StoredAlert = {
        ...current,
        status: 'resolved',
        resolvedAt: opts.now.toISOString(),
        resolvedReason: (await opts.resolveReason?.(current)) ?? 'condition cleared',
        days: daysBetween(current.since ?? current.openedAt, opts.now),
      };
      try {
        await table.updateEntity(alertEntity(alert), 'Replace', { etag: current.etag });
        return alert;
      } catch (err) {
        if (!lostRace(err)) throw err;
        current = await this.get(open.partitionKey, open.rowKey);
      }
    }
    return null;
  }
}
