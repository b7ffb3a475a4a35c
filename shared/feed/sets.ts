/**
 * The posture feed's entity sets, named and shaped like the Intune Data Warehouse feed: flat
 * rows, PascalCase columns, days as an Int32 DateKey (yyyymmdd). Columns are declared
 * `filterable` only where the comparison is exact: either pushed down to a column stored with
 * the declared EDM type (see shared/posture-store/entities.ts), or checked in memory on a
 * table small enough to read whole (DailySummary, Policies, Reasons).
 */
import { COLLECTION_TABLES } from '../collection/tables.js';
import type { EdmType, EntitySetDefinition, PropertyDefinition, Row } from '../odata/edm.js';
import { tableRowSource } from '../odata/table-source.js';
import { DAILY_POSTURE_COLUMNS } from '../posture/aggregate.js';
import { reasonGuidance } from '../posture/guidance.js';
import { POSTURES, REASON_CODES } from '../posture/types.js';
import type { StoredSummary } from '../posture-store/entities.js';
import { postureRowSources } from '../posture-store/row-sources.js';
import { POSTURE_TABLES } from '../posture-store/tables.js';
import type { TableProvider } from '../storage/tables.js';
import { memoryRowSource, refinedSource } from './sources.js';

export interface FeedDeps {
  tables: TableProvider;
  /** The stored fleet summary (Reasons counts come from it, as /api/summary's do). */
  posture: { readSummary(): Promise<StoredSummary | null> };
}

function prop(name: string, type: EdmType, filterable: boolean, nullable = true): PropertyDefinition {
  return { name, type, nullable, filterable };
}

const S = 'Edm.String';
const I = 'Edm.Int32';
const B = 'Edm.Boolean';
const T = 'Edm.DateTimeOffset';

/**
 * Posture rows: strings, Int32 counts, Boolean flags and Edm.DateTime dates as stored, so
 * every column pushes down. The Reasons/Warnings/KeyHistory JSON and the cached report
 * columns are internal and not published.
 */
export const DEVICE_PROPERTIES: PropertyDefinition[] = [
  prop('DeviceKey', S, true, false),
  prop('DeviceId', S, true, false),
  prop('ManagedDeviceId', S, true),
  prop('DeviceName', S, true),
  prop('UserPrincipalName', S, true),
  prop('Posture', S, true, false),
  prop('PrimaryReason', S, true),
  prop('ReasonCodes', S, true),
  prop('WarningCodes', S, true),
  prop('ComplianceState', S, true),
  prop('JoinType', S, true),
  prop('OsVersion', S, true),
  prop('OsBuild', I, true),
  prop('LastSyncDateTime', T, true),
  prop('LastReportAt', T, true),
  prop('DestructiveOnlySince', T, true),
  prop('DaysDestructiveOnly', I, true),
  prop('TargetingResult', S, true),
  prop('TargetingPolicyIds', S, true),
  prop('HybridKeyTrustRisk', B, true, false),
  prop('ResettableNow', B, true),
  prop('UserCount', I, true, false),
];

export const DEVICE_USER_PROPERTIES: PropertyDefinition[] = [
  prop('DeviceKey', S, true, false),
  prop('UserKey', S, true, false),
  prop('DeviceId', S, true),
  prop('UserPrincipalName', S, true),
  prop('Posture', S, true),
  prop('Stale', B, true),
  prop('ReportedAt', T, true),
  prop('CanReset', S, true),
  prop('CanResetRaw', S, true),
  prop('NgcSet', B, true),
  prop('ReasonCodes', S, true),
  prop('LastKeyId', S, true),
  prop('LastKeyReportAt', T, true),
  prop('LastKeyCanReset', S, true),
  prop('KeyFirstSeenAt', T, true),
];

/** Column of each posture in a daily row (shared/posture/aggregate.ts dailySnapshot). */
const POSTURE_COLUMNS = DAILY_POSTURE_COLUMNS;

/** Every DailySummary column is checked in memory (pushDown off), so all are filterable. */
export const DAILY_PROPERTIES: PropertyDefinition[] = [
  prop('DateKey', I, true, false),
  prop('EvaluatedAt', T, true),
  prop('Devices', I, true),
  prop('Removed', I, true),
  prop('Reported', I, true),
  prop('Users', I, true),
  prop('NonDestructiveShare', 'Edm.Double', true),
  prop('ConfiguredReady', I, true),
  prop('ResettableNow', I, true),
  prop('ResettableNowShare', 'Edm.Double', true),
  prop('HybridKeyTrustRisk', I, true),
  prop('TenantReadiness', S, true),
  prop('DestructiveResets7d', I, true),
  prop('DestructiveResets30d', I, true),
  prop('LikelyDestructiveResets7d', I, true),
  prop('LikelyDestructiveResets30d', I, true),
  ...POSTURE_COLUMNS.map((c) => prop(c, I, true)),
  ...REASON_CODES.map((c) => prop(`Reason_${c}`, I, true)),
];

export const REASON_PROPERTIES: PropertyDefinition[] = [
  prop('Code', S, true, false),
  prop('Priority', I, true, false),
  prop('Title', S, true, false),
  prop('Action', S, true, false),
  prop('DocsUrl', S, true, false),
  prop('Devices', I, true, false),
  prop('WarningDevices', I, true, false),
];

export const POLICY_PROPERTIES: PropertyDefinition[] = [
  prop('Id', S, true, false),
  prop('GraphId', S, true),
  prop('Name', S, true),
  prop('Kind', S, true),
  prop('Scope', S, true),
  prop('Value', B, true),
  prop('Effective', B, true),
  prop('Issues', S, true),
  prop('LastModifiedDateTime', T, true),
  prop('AssignmentCount', I, true, false),
];

if (POSTURE_COLUMNS.length !== POSTURES.length) {
  // dailySnapshot writes one column per posture: a new posture needs a column here too.
  throw new Error('DailySummary: a posture has no column');
}

function jsonArray(v: unknown): unknown[] {
  if (typeof v !== 'string') return [];
  try {
    const parsed: unknown = JSON.parse(v);
    return Array.isArray(parsed) ? parsed : [];
  } catch {
    return [];
  }
}

/** The Reasons rows: guidance per code, with the device counts of the stored summary. */
export function reasonRows(stored: StoredSummary | null): Row[] {
  return REASON_CODES.map((code, i) => ({
    Code: code,
    Priority: i + 1,
    Title: reasonGuidance(code).title,
    Action: reasonGuidance(code).action,
    DocsUrl: reasonGuidance(code).docsUrl,
    // Before the first recompute there is no summary: every count is 0, not missing.
    Devices: stored?.summary.byReason[code] ?? 0,
    WarningDevices: stored?.summary.byWarning[code] ?? 0,
  }));
}

/** A stored policy row as a feed row: issues comma-joined, assignments counted. */
export function policyRow(row: Row): Row {
  const issues = jsonArray(row.Issues).filter((x): x is string => typeof x === 'string');
  return {
    ...row,
    Id: row.PolicyId ?? row.rowKey ?? null,
    Issues: issues.join(','),
    AssignmentCount: jsonArray(row.Assignments).length,
  };
}

export interface FeedOptions {
  /** More entity sets after the posture ones (e.g. Alerts from shared/alerts). */
  extraSets?: readonly EntitySetDefinition[];
}

/** The entity sets of /api/odata/, in service-document order. */
export function feedSets(deps: FeedDeps, options: FeedOptions = {}): EntitySetDefinition[] {
  const posture = postureRowSources(deps.tables);
  return [
    {
      name: 'Devices',
      entityType: 'Device',
      key: ['DeviceKey'],
      properties: DEVICE_PROPERTIES,
      // Devices that left Intune are kept for history but are not in the fleet (nor in the
      // summary's device count). Dropped in memory, not pushed: they are rare, and an extra
      // store condition could take a client's filter over Table Storage's 15-comparison limit.
      source: refinedSource(posture.devices, { keep: (r) => r.LeftIntune !== true }),
    },
    {
      name: 'DeviceUsers',
      entityType: 'DeviceUser',
      key: ['DeviceKey', 'UserKey'],
      properties: DEVICE_USER_PROPERTIES,
      source: tableRowSource({
        table: () => deps.tables.table(POSTURE_TABLES.deviceUsers),
        columns: { UserPrincipalName: 'Upn' },
      }),
    },
    {
      name: 'DailySummary',
      entityType: 'DailySummary',
      key: ['DateKey'],
      properties: DAILY_PROPERTIES,
      // EvaluatedAt is stored as text and DateKey is the string RowKey: typed comparisons in
      // the store would miss, so the (≤ 400-row) table is filtered in memory.
      source: refinedSource(posture.daily, { pushDown: false }),
    },
    {
      name: 'Reasons',
      entityType: 'Reason',
      key: ['Code'],
      properties: REASON_PROPERTIES,
      source: memoryRowSource(async () => reasonRows(await deps.posture.readSummary())),
    },
    {
      name: 'Policies',
      entityType: 'Policy',
      key: ['Id'],
      properties: POLICY_PROPERTIES,
      // LastModifiedDateTime is stored as text and AssignmentCount is derived: filtered in
      // memory; policies marked Removed by the collection are no longer in the tenant.
      source: refinedSource(tableRowSource({ table: () => deps.tables.table(COLLECTION_TABLES.policies) }), {
        keep: (r) => r.Removed !== true,
        derive: policyRow,
        pushDown: false,
      }),
    },
    ...(options.extraSets ?? []),
  ];
}
