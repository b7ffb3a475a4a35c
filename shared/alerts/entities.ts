/**
 * Alert rows ↔ Table entities. Table `Alerts`: PartitionKey 'tenant' for tenant alerts, the
 * device's posture shard (first two hex chars) for device alerts; RowKey = the stable alert
 * key for the current occurrence. When a resolved alert opens again, the resolved occurrence
 * is first copied to `<key>|<openedAt>` (history, never open), so the current row can only be
 * one, and an open alert is never duplicated.
 */
import type { TableEntity } from '@azure/data-tables';
import { isoOf } from '../posture-store/entities.js';
import { posturePartition } from '../posture-store/tables.js';
import { keyPart } from '../storage/keys.js';
import { TENANT_PARTITION } from './rules.js';
import type { AlertSeverity, AlertStatus, AlertType, DesiredAlert, StoredAlert } from './types.js';

export const ALERTS_TABLE = 'Alerts';
/** One row per evaluation that had something to say: what was sent and whether it arrived. */
export const ALERT_DIGESTS_TABLE = 'AlertDigests';

export function alertPartition(a: Pick<DesiredAlert, 'deviceId'>): string {
  return a.deviceId ? posturePartition(a.deviceId) : TENANT_PARTITION;
}

export function alertRowKey(key: string): string {
  return keyPart(key);
}

export function historyRowKey(key: string, openedAt: string): string {
  return `${keyPart(key)}|${openedAt}`;
}

type Row = Record<string, unknown>;

function text(row: Row, name: string): string | null {
  const v = row[name];
  return typeof v === 'string' ? v : null;
}

function date(iso: string | null): Date | undefined {
  if (!iso) return undefined;
  const d = new Date(iso);
  return Number.isFinite(d.getTime()) ? d : undefined;
}

/** The entity of an alert as it stands; undefined columns are left out (Table has no null). */
export function alertEntity(a: StoredAlert): TableEntity {
  const e: TableEntity = {
    partitionKey: a.partitionKey,
    rowKey: a.rowKey,
    AlertKey: a.key,
    Type: a.type,
    Severity: a.severity,
    Status: a.status,
    OpenedAt: date(a.openedAt),
    LastNotifiedAt: date(a.lastNotifiedAt),
    NotifyCount: a.notifyCount,
    Days: a.days,
    Details: a.details,
  };
  if (a.deviceId) e.DeviceId = a.deviceId;
  if (a.deviceName) e.DeviceName = a.deviceName;
  if (a.since) e.Since = date(a.since);
  if (a.resolvedAt) e.ResolvedAt = date(a.resolvedAt);
  if (a.resolvedReason) e.ResolvedReason = a.resolvedReason;
  for (const k of Object.keys(e)) if (e[k] === undefined) delete e[k];
  return e;
}

export function alertFromEntity(row: Row): StoredAlert {
  const count = row.NotifyCount;
  const days = row.Days;
  return {
    partitionKey: String(row.partitionKey ?? ''),
    rowKey: String(row.rowKey ?? ''),
    key: text(row, 'AlertKey') ?? String(row.rowKey ?? ''),
    type: (text(row, 'Type') ?? 'DEVICE_DESTRUCTIVE_ONLY') as AlertType,
    severity: (text(row, 'Severity') ?? 'warning') as AlertSeverity,
    status: (text(row, 'Status') ?? 'open') as AlertStatus,
    deviceId: text(row, 'DeviceId'),
    deviceName: text(row, 'DeviceName'),
    since: isoOf(row.Since),
    openedAt: isoOf(row.OpenedAt) ?? '',
    lastNotifiedAt: isoOf(row.LastNotifiedAt) ?? isoOf(row.OpenedAt) ?? '',
    notifyCount: typeof count === 'number' ? count : 0,
    resolvedAt: isoOf(row.ResolvedAt),
    resolvedReason: text(row, 'ResolvedReason'),
    days: typeof days === 'number' ? days : 0,
    details: text(row, 'Details') ?? '',
    ...(typeof row.etag === 'string' ? { etag: row.etag } : {}),
  };
}
