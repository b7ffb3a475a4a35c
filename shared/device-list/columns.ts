/**
 * The device list's columns, once: header, JSON name, the posture-row columns each reads and
 * how its value is made. The /api/devices CSV and JSON, the weekly report's CSV and the console
 * read this list, so a column added here appears everywhere with the same name and meaning.
 *
 * Rows are DevicePosture records (the weekly report has them; /api/devices makes them from
 * the stored rows it selects, see deviceListRowFromEntity), so a value is computed one way.
 */
import type { CsvValue } from '../csv/csv.js';
import { reasonGuidance } from '../posture/guidance.js';
import { type DevicePosture, REASON_CODES, type ReasonCode } from '../posture/types.js';
import { isZeroDeviceId } from '../posture-store/device-key.js';
import { postureFromEntity } from '../posture-store/entities.js';

const DAY_MS = 86_400_000;

/** A device as the list shows it: its record and the key its row is stored under. */
export interface DeviceListRow {
  /** Entra device id, else the Intune managed device id (the row key; the console's link). */
  deviceKey: string;
  device: DevicePosture;
}

export interface DeviceListContext {
  /** Days in destructiveOnly are counted to this time, not to the last evaluation. */
  now: Date;
}

type JsonValue = string | number | boolean | null | string[];

export interface DeviceColumn {
  /** CSV header, PascalCase like the OData feed's column of the same meaning. */
  header: string;
  /** Property name in /api/devices JSON. */
  json: string;
  /** Posture-table columns the value is made from ($select of the CSV export). */
  stored: readonly string[];
  value(row: DeviceListRow, ctx: DeviceListContext): JsonValue;
}

function list(csv: string): string[] {
  return csv ? csv.split(',') : [];
}

function isReasonCode(c: string | null): c is ReasonCode {
  return c !== null && (REASON_CODES as readonly string[]).includes(c);
}

/** Days destructiveOnly counted to `now` (as the weekly mail does), else what the record says. */
export function daysDestructiveOnly(d: DevicePosture, now: Date): number | null {
  if (d.posture !== 'destructiveOnly' || !d.destructiveOnlySince) return d.daysDestructiveOnly;
  const t = Date.parse(d.destructiveOnlySince);
  return Number.isFinite(t) ? Math.max(0, Math.floor((now.getTime() - t) / DAY_MS)) : d.daysDestructiveOnly;
}

function column(
  header: string,
  value: DeviceColumn['value'],
  stored: readonly string[] = [header],
  json = header[0]!.toLowerCase() + header.slice(1),
): DeviceColumn {
  return { header, json, stored, value };
}

/** In the order people read them: who and what first, then why and what to do, then facts. */
export const DEVICE_COLUMNS: readonly DeviceColumn[] = [
  column('DeviceName', (r) => r.device.deviceName),
  column('DeviceKey', (r) => r.deviceKey, []),
  column('DeviceId', (r) => r.device.deviceId),
  column('ManagedDeviceId', (r) => r.device.managedDeviceId),
  column('UserPrincipalName', (r) => r.device.userPrincipalName),
  column('Posture', (r) => r.device.posture),
  column('PrimaryReason', (r) => r.device.primaryReason),
  column('ReasonCodes', (r) => list(r.device.reasonCodes)),
  column(
    'RecommendedAction',
    (r) => (isReasonCode(r.device.primaryReason) ? reasonGuidance(r.device.primaryReason).action : null),
    ['PrimaryReason'],
  ),
  column('DestructiveOnlySince', (r) => r.device.destructiveOnlySince),
  column('DaysDestructiveOnly', (r, ctx) => daysDestructiveOnly(r.device, ctx.now), [
    'Posture',
    'DestructiveOnlySince',
    'DaysDestructiveOnly',
  ]),
  column('HybridKeyTrustRisk', (r) => r.device.hybridKeyTrustRisk),
  column('WarningCodes', (r) => list(r.device.warningCodes)),
  column('TargetingResult', (r) => r.device.targetingResult),
  column('TargetingPolicyIds', (r) => list(r.device.targetingPolicyIds)),
  column('ComplianceState', (r) => r.device.complianceState),
  column('JoinType', (r) => r.device.joinType),
  column('OsVersion', (r) => r.device.osVersion),
  column('OsBuild', (r) => r.device.osBuild),
  column('LastSyncDateTime', (r) => r.device.lastSyncDateTime),
  column('LastReportAt', (r) => r.device.lastReportAt),
  column('UserCount', (r) => r.device.userCount),
  column('LeftIntune', (r) => r.device.removed, ['LeftIntune'], 'removed'),
];

export const DEVICE_COLUMN_HEADERS: readonly string[] = DEVICE_COLUMNS.map((c) => c.header);

/** What the list reads from a posture row: the row key and every column's sources. */
export const DEVICE_LIST_SELECT: readonly string[] = [
  'RowKey',
  ...new Set(DEVICE_COLUMNS.flatMap((c) => c.stored)),
];

/** A stored posture row (any subset of columns, at least DEVICE_LIST_SELECT) as a list row. */
export function deviceListRowFromEntity(entity: Record<string, unknown>): DeviceListRow {
  const stored = postureFromEntity(entity);
  return { deviceKey: stored.deviceKey, device: stored.record };
}

/**
 * The key a record is stored under when only the record is at hand (the weekly report):
 * its Entra device id, else its Intune id, as shared/posture-store/device-key.ts decides.
 */
export function deviceListRow(device: DevicePosture): DeviceListRow {
  const entra = device.deviceId.toLowerCase();
  const key = isZeroDeviceId(entra) && device.managedDeviceId ? device.managedDeviceId.toLowerCase() : entra;
  return { deviceKey: key, device };
}

/** CSV cells: lists comma-joined (one cell), everything else as is. */
export function deviceCsvCells(row: DeviceListRow, ctx: DeviceListContext): CsvValue[] {
  return DEVICE_COLUMNS.map((c) => {
    const v = c.value(row, ctx);
    return Array.isArray(v) ? v.join(',') : v;
  });
}

/** One device as /api/devices JSON: every column under its JSON name, lists as arrays. */
export function deviceJson(row: DeviceListRow, ctx: DeviceListContext): Record<string, JsonValue> {
  const out: Record<string, JsonValue> = {};
  for (const c of DEVICE_COLUMNS) out[c.json] = c.value(row, ctx);
  return out;
}
