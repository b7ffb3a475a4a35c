/**
 * Posture records ↔ Table Storage entities, both ways, pure. Rows are flat so Power BI and
 * /api/devices read them as they are: dates are Edm.DateTime (typed filters push down),
 * counts Int32, lists comma-joined, structured parts (reasons, warnings, key history) JSON.
 * Nothing time-of-evaluation is stored per row (the summary carries generatedAt), so an
 * unchanged device hashes the same on every recompute and is not written again.
 */
import type { TableEntity } from '@azure/data-tables';
import type { CanReset, JoinType } from '../dsregcmd/types.js';
import { normalizeSummary } from '../posture/aggregate.js';
import type {
  DestructiveResetEvent,
  DevicePosture,
  Posture,
  PostureSummary,
  PreviousUser,
  Reason,
  ReasonCode,
  UserPosture,
} from '../posture/types.js';
import { invertedTime, keyPart } from '../storage/keys.js';
import { isoOf, json, MAX_JSON_CHARS, num, put, type Row, text } from '../storage/row-values.js';

export { isoOf };

import { EVENT_PARTITION, posturePartition, SUMMARY_PARTITION, SUMMARY_ROW } from './tables.js';

/** Device facts from its own latest report, cached on the row so a full recompute needs no per-device read. */
export interface CachedReportedDevice {
  reportId: string;
  reportedAt: string;
  joinType: JoinType;
  osVersion: string | null;
  deviceName: string | null;
}

/** A stored posture row: the engine's record plus what the next evaluation needs. */
export interface StoredPosture {
  deviceKey: string;
  record: DevicePosture;
  reportedDevice: CachedReportedDevice | null;
  /** ContentHash as written (syncEntities' or putPosture's), to skip unchanged writes. */
  hash?: string;
  etag?: string;
}

function putDate(row: Row, name: string, iso: string | null | undefined): void {
  if (!iso) return;
  const d = new Date(iso);
  if (Number.isFinite(d.getTime())) row[name] = d;
}

/** JSON bounded to one property; arrays lose their tail rather than make the row unwritable. */
function putJsonArray(row: Row, name: string, items: readonly unknown[]): void {
  let n = items.length;
  let json = JSON.stringify(items);
  while (json.length > MAX_JSON_CHARS && n > 0) {
    n = Math.floor(n / 2);
    json = JSON.stringify(items.slice(0, n));
  }
  row[name] = json;
}

// --- Posture ------------------------------------------------------------------------------

function historyOf(u: UserPosture): PreviousUser {
  return {
    userKey: u.userKey,
    lastKeyId: u.lastKeyId,
    lastKeyReportAt: u.lastKeyReportAt,
    lastKeyCanReset: u.lastKeyCanReset,
    keyFirstSeenAt: u.keyFirstSeenAt,
  };
}

export function postureEntity(
  deviceKey: string,
  r: DevicePosture,
  reported: CachedReportedDevice | null,
): TableEntity {
  const row: Row = {};
  put(row, 'DeviceId', r.deviceId);
  put(row, 'ManagedDeviceId', r.managedDeviceId);
  put(row, 'DeviceName', r.deviceName);
  put(row, 'UserPrincipalName', r.userPrincipalName);
  put(row, 'Posture', r.posture);
  put(row, 'ReasonCodes', r.reasonCodes);
  put(row, 'PrimaryReason', r.primaryReason);
  putJsonArray(row, 'Reasons', r.reasons);
  put(row, 'ComplianceState', r.complianceState);
  put(row, 'JoinType', r.joinType);
  put(row, 'OsVersion', r.osVersion);
  put(row, 'OsBuild', r.osBuild);
  putDate(row, 'LastSyncDateTime', r.lastSyncDateTime);
  putDate(row, 'LastReportAt', r.lastReportAt);
  putDate(row, 'DestructiveOnlySince', r.destructiveOnlySince);
  put(row, 'DaysDestructiveOnly', r.daysDestructiveOnly);
  put(row, 'TargetingResult', r.targetingResult);
  put(row, 'TargetingPolicyIds', r.targetingPolicyIds);
  put(row, 'HybridKeyTrustRisk', r.hybridKeyTrustRisk);
  put(row, 'ResettableNow', r.resettableNow);
  // Not "Removed": syncEntities owns that column for rows that are no longer desired.
  put(row, 'LeftIntune', r.removed);
  put(row, 'UserCount', r.userCount);
  // Only what the next evaluation carries forward; the users themselves are in DeviceUsers.
  putJsonArray(row, 'KeyHistory', r.users.map(historyOf));
  putJsonArray(row, 'Warnings', r.warnings);
  put(row, 'WarningCodes', r.warningCodes);
  if (reported) {
    put(row, 'ReportedReportId', reported.reportId);
    putDate(row, 'ReportedAt', reported.reportedAt);
    put(row, 'ReportedJoinType', reported.joinType);
    put(row, 'ReportedOsVersion', reported.osVersion);
    put(row, 'ReportedDeviceName', reported.deviceName);
  }
  return { partitionKey: posturePartition(deviceKey), rowKey: keyPart(deviceKey), ...row };
}

/**
 * Back to a DevicePosture. `users` carries the key history only (with its posture unknown):
 * callers that need the users read DeviceUsers.
 */
export function postureFromEntity(row: Row): StoredPosture {
  const deviceKey = String(row.rowKey ?? row.RowKey ?? '');
  const history = json<PreviousUser[]>(row, 'KeyHistory', []);
  const record: DevicePosture = {
    managedDeviceId: text(row, 'ManagedDeviceId'),
    deviceId: text(row, 'DeviceId') ?? deviceKey,
    deviceName: text(row, 'DeviceName'),
    userPrincipalName: text(row, 'UserPrincipalName'),
    posture: (text(row, 'Posture') ?? 'notReported') as Posture,
    reasonCodes: text(row, 'ReasonCodes') ?? '',
    reasons: json<Reason[]>(row, 'Reasons', []),
    primaryReason: text(row, 'PrimaryReason') as ReasonCode | null,
    complianceState: text(row, 'ComplianceState'),
    joinType: text(row, 'JoinType'),
    osVersion: text(row, 'OsVersion'),
    osBuild: num(row, 'OsBuild'),
    lastSyncDateTime: isoOf(row.LastSyncDateTime),
    lastReportAt: isoOf(row.LastReportAt),
    destructiveOnlySince: isoOf(row.DestructiveOnlySince),
    daysDestructiveOnly: num(row, 'DaysDestructiveOnly'),
    targetingResult: text(row, 'TargetingResult') as DevicePosture['targetingResult'],
    targetingPolicyIds: text(row, 'TargetingPolicyIds') ?? '',
    hybridKeyTrustRisk: row.HybridKeyTrustRisk === true,
    resettableNow: row.ResettableNow === true,
    removed: row.LeftIntune === true,
    userCount: num(row, 'UserCount') ?? 0,
    users: history.map((h) => ({
      ...h,
      upn: null,
      posture: 'unknown',
      stale: false,
      reportedAt: h.lastKeyReportAt ?? '',
      canReset: null,
      canResetRaw: null,
      ngcSet: null,
      reasonCodes: [],
    })),
    warnings: json<Reason[]>(row, 'Warnings', []),
    warningCodes: text(row, 'WarningCodes') ?? '',
    evaluatedAt: isoOf(row.timestamp) ?? '',
  };
  const reportId = text(row, 'ReportedReportId');
  const reportedAt = isoOf(row.ReportedAt);
  const reportedDevice: CachedReportedDevice | null =
    reportId && reportedAt
      ? {
          reportId,
          reportedAt,
          joinType: (text(row, 'ReportedJoinType') ?? 'unknown') as JoinType,
          osVersion: text(row, 'ReportedOsVersion'),
          deviceName: text(row, 'ReportedDeviceName'),
        }
      : null;
  return {
    deviceKey,
    record,
    reportedDevice,
    ...(typeof row.ContentHash === 'string' ? { hash: row.ContentHash } : {}),
    ...(typeof row.etag === 'string' ? { etag: row.etag } : {}),
  };
}

/** The key history the engine carries from one evaluation to the next. */
export function previousOf(stored: StoredPosture | null) {
  if (!stored) return null;
  return {
    posture: stored.record.posture,
    destructiveOnlySince: stored.record.destructiveOnlySince,
    users: stored.record.users.map(historyOf),
  };
}

// --- DeviceUsers --------------------------------------------------------------------------

export function deviceUserRowKey(deviceKey: string, userKey: string): string {
  return `${keyPart(deviceKey)}|${keyPart(userKey)}`;
}

export function deviceUserEntity(deviceKey: string, deviceId: string, u: UserPosture): TableEntity {
  const row: Row = {};
  put(row, 'DeviceKey', deviceKey);
  put(row, 'DeviceId', deviceId);
  put(row, 'UserKey', u.userKey);
  put(row, 'Upn', u.upn);
  put(row, 'Posture', u.posture);
  put(row, 'Stale', u.stale);
  putDate(row, 'ReportedAt', u.reportedAt);
  put(row, 'CanReset', u.canReset);
  put(row, 'CanResetRaw', u.canResetRaw);
  put(row, 'NgcSet', u.ngcSet);
  put(row, 'ReasonCodes', u.reasonCodes.join(','));
  put(row, 'LastKeyId', u.lastKeyId);
  putDate(row, 'LastKeyReportAt', u.lastKeyReportAt);
  put(row, 'LastKeyCanReset', u.lastKeyCanReset);
  putDate(row, 'KeyFirstSeenAt', u.keyFirstSeenAt);
  return {
    partitionKey: posturePartition(deviceKey),
    rowKey: deviceUserRowKey(deviceKey, u.userKey),
    ...row,
  };
}

export function deviceUserFromEntity(row: Row): UserPosture & { deviceKey: string; deviceId: string } {
  const reasonCodes = text(row, 'ReasonCodes');
  return {
    deviceKey: text(row, 'DeviceKey') ?? '',
    deviceId: text(row, 'DeviceId') ?? '',
    userKey: text(row, 'UserKey') ?? '',
    upn: text(row, 'Upn'),
    posture: (text(row, 'Posture') ?? 'unknown') as UserPosture['posture'],
    stale: row.Stale === true,
    reportedAt: isoOf(row.ReportedAt) ?? '',
    canReset: text(row, 'CanReset') as CanReset | null,
    canResetRaw: text(row, 'CanResetRaw'),
    ngcSet: typeof row.NgcSet === 'boolean' ? row.NgcSet : null,
    reasonCodes: reasonCodes ? (reasonCodes.split(',') as ReasonCode[]) : [],
    lastKeyId: text(row, 'LastKeyId'),
    lastKeyReportAt: isoOf(row.LastKeyReportAt),
    lastKeyCanReset: text(row, 'LastKeyCanReset') as CanReset | null,
    keyFirstSeenAt: isoOf(row.KeyFirstSeenAt),
  };
}

// --- ResetEvents --------------------------------------------------------------------------

/** Deterministic key: recording the same event twice (two recomputes racing) writes one row. */
export function eventEntity(e: DestructiveResetEvent, recordedAt: Date): TableEntity {
  const row: Row = {};
  put(row, 'Kind', e.kind);
  put(row, 'DeviceId', e.deviceId);
  put(row, 'UserKey', e.userKey);
  put(row, 'Upn', e.upn);
  put(row, 'OldKeyId', e.oldKeyId);
  put(row, 'NewKeyId', e.newKeyId);
  putDate(row, 'PreviousReportAt', e.previousReportAt);
  putDate(row, 'DetectedReportAt', e.detectedReportAt);
  put(row, 'LikelyDestructive', e.likelyDestructive);
  put(row, 'RecordedAt', recordedAt);
  return {
    partitionKey: EVENT_PARTITION,
    rowKey: `${invertedTime(e.detectedReportAt)}_${keyPart(e.deviceId)}_${keyPart(e.userKey)}`,
    ...row,
  };
}

export function eventFromEntity(row: Row): DestructiveResetEvent {
  return {
    kind: 'KEY_REPROVISIONED',
    deviceId: text(row, 'DeviceId') ?? '',
    userKey: text(row, 'UserKey') ?? '',
    upn: text(row, 'Upn'),
    oldKeyId: text(row, 'OldKeyId') ?? '',
    newKeyId: text(row, 'NewKeyId') ?? '',
    previousReportAt: isoOf(row.PreviousReportAt),
    detectedReportAt: isoOf(row.DetectedReportAt) ?? '',
    likelyDestructive: row.LikelyDestructive === true,
  };
}

// --- Summary ------------------------------------------------------------------------------

export interface StoredSummary {
  summary: PostureSummary;
  generatedAt: string;
  /** endedAt of the collection run the last full recompute followed; null before any. */
  lastCollectionAt: string | null;
  lastCollectionRunId: string | null;
  /** Newest report any device sent, as far as posture knows. */
  lastReportAt: string | null;
  etag?: string;
}

export function summaryEntity(s: StoredSummary): TableEntity {
  const row: Row = {};
  put(row, 'SummaryJson', JSON.stringify(s.summary));
  putDate(row, 'GeneratedAt', s.generatedAt);
  putDate(row, 'LastCollectionAt', s.lastCollectionAt);
  put(row, 'LastCollectionRunId', s.lastCollectionRunId);
  putDate(row, 'LastReportAt', s.lastReportAt);
  return { partitionKey: SUMMARY_PARTITION, rowKey: SUMMARY_ROW, ...row };
}

export function summaryFromEntity(row: Row): StoredSummary {
  const stored = json<PostureSummary | null>(row, 'SummaryJson', null);
  if (!stored) throw new Error('the stored Summary row has no readable SummaryJson');
  const summary = normalizeSummary(stored);
  return {
    summary,
    generatedAt: isoOf(row.GeneratedAt) ?? summary.evaluatedAt,
    lastCollectionAt: isoOf(row.LastCollectionAt),
    lastCollectionRunId: text(row, 'LastCollectionRunId'),
    lastReportAt: isoOf(row.LastReportAt),
    ...(typeof row.etag === 'string' ? { etag: row.etag } : {}),
  };
}
