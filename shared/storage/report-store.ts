/**
 * Reports table: everything about one device in one partition (PartitionKey = deviceId),
 * so the nonce (check 9), the daily counter (check 8), the report and the latest-state
 * rows are written in ONE entity-group transaction: either all of it exists or none.
 *
 * Rows of a partition:
 *   N|<nonce>                       nonce seen (ExpiresAt)
 *   C|<yyyymmdd>                    uploads counted on that UTC day (Count)
 *   R|<inverted ms>|<reportId>      a report, newest first; raw body split over Body0..n
 *   U|<userKey>                     latest state per user
 *   D|latest                        latest device facts
 * LatestReports (PartitionKey = deviceId, RowKey = userKey) is a fleet projection of U|
 * rows, written after the commit by `project` and rebuildable from U| rows.
 */
import {
  odata,
  RestError,
  type TableClient,
  type TableEntity,
  type TransactionAction,
} from '@azure/data-tables';
import type { CanReset, JoinType } from '../dsregcmd/types.js';
import {
  type DeviceEvidence,
  emptyDeviceEvidence,
  emptyUserEvidence,
  type UserEvidence,
} from '../posture/evidence.js';
import type { LatestUserState } from '../posture/inputs.js';
import type {
  AcceptedReport,
  CommitOutcome,
  DailyLimit,
  DeviceFacts,
  NonceClaim,
  ReportCommitter,
  ReportSource,
  ReportTrust,
  UserReport,
} from '../reports/model.js';
import { assertEntityFits, entitySize, MAX_ENTITY_BYTES, readText, writeText } from './entity-text.js';
import { invertedTime, keyPart, prefixEnd } from './keys.js';
import type { TableProvider } from './tables.js';

export const REPORTS_TABLE = 'Reports';
export const LATEST_TABLE = 'LatestReports';

const MAX_BATCH = 100;

export type { LatestUserState };

export interface LatestDeviceState {
  deviceId: string;
  reportId: string;
  reportedAt: string;
  joinType: JoinType;
  deviceName: string | null;
  osVersion: string | null;
  tenantId: string | null;
  intuneDeviceId: string | null;
  agentVersion: string | null;
  source: ReportSource;
  trust: ReportTrust;
  /** Device-wide evidence of that report (every group notReported for v1 reports and older rows). */
  evidence: DeviceEvidence;
}

export interface ReportSummary {
  reportId: string;
  deviceId: string;
  receivedAt: string;
  collectedAt: string;
  source: ReportSource;
  trust: ReportTrust;
  agentVersion: string | null;
  deviceName: string | null;
  osVersion: string | null;
  joinType: JoinType;
  userCount: number;
  bodyLength: number;
}

/** One report as the device history shows it: no body, no device facts. */
export interface ReportHistoryEntry {
  reportId: string;
  receivedAt: string;
  source: ReportSource;
  trust: ReportTrust;
  users: Pick<
    UserReport,
    'userKey' | 'upn' | 'canReset' | 'canResetRaw' | 'ngcSet' | 'ngcKeyId' | 'notUserContext'
  >[];
}

const HISTORY_COLUMNS = ['ReportId', 'ReceivedAt', 'Source', 'Trust', 'UsersJsonChunks', 'UsersJsonLength'];
/** A device's users JSON is a few hundred characters; more chunks than this is not a history entry worth reading. */
const HISTORY_USER_CHUNKS = 4;

export interface ReportStoreOptions {
  /** Attempts of one commit when concurrent commits of the same device race (etag/409). */
  maxAttempts?: number;
  /** Upper bound of one jittered back-off, ms. */
  maxBackoffMs?: number;
  random?: () => number;
}

type OpKind = 'nonce' | 'counter' | 'report' | 'user' | 'device' | 'purge';

interface PartitionState {
  nonceExists: boolean;
  counter: { count: number; etag: string } | undefined;
  latest: Map<string, { receivedAt: string; reportId: string; etag: string }>;
  purge: string[];
}

const SUMMARY_COLUMNS = [
  'ReportId',
  'ReceivedAt',
  'CollectedAt',
  'Source',
  'Trust',
  'AgentVersion',
  'DeviceName',
  'OsVersion',
  'JoinType',
  'UserCount',
  'BodyLength',
];

export class TableReportStore implements ReportCommitter {
  private readonly maxAttempts: number;
  private readonly maxBackoffMs: number;
  private readonly random: () => number;

  constructor(
    private readonly tables: TableProvider,
    options: ReportStoreOptions = {},
  ) {
    // Generous: 30 uploads of one device at the same instant need up to 30 rounds.
    this.maxAttempts = options.maxAttempts ?? 60;
    this.maxBackoffMs = options.maxBackoffMs ?? 100;
    this.random = options.random ?? Math.random;
  }

  async commit(
    report: AcceptedReport,
    nonce: NonceClaim,
    limit: DailyLimit,
    now: Date,
  ): Promise<CommitOutcome> {
    const table = await this.tables.table(REPORTS_TABLE);
    const reportRow = reportEntity(report);
    for (let attempt = 1; ; attempt++) {
      const state = await readPartitionState(table, report.deviceId, nonce.value, limit.day, now);
      const count = state.counter?.count ?? 0;
      if (count >= limit.max) {
        return { ok: false, reason: 'rate_limited', retryAfterSeconds: secondsToNextUtcDay(limit.day, now) };
      }
      // Seen by the read: the create below would fail with 409 anyway.
      if (state.nonceExists) return { ok: false, reason: 'replay' };

      const { actions, kinds } = buildTransaction(report, reportRow, nonce, limit, state, count);
      try {
        await table.submitTransaction(actions);
        return { ok: true };
      } catch (err) {
        const failed = failedOperation(err, kinds);
        if (failed === 'nonce' && statusOf(err) === 409) return { ok: false, reason: 'replay' };
        if (failed === 'report') throw err; // same reportId twice: a caller bug, retry cannot help
        if (!isRaceStatus(err) || attempt >= this.maxAttempts) throw err;
        // Counter/latest rows changed or a purge target vanished: re-read and try again.
        await delay(this.random() * Math.min(this.maxBackoffMs, 5 * 2 ** attempt));
      }
    }
  }

  /** Advances the fleet projection for the report's users; only newer reports overwrite. */
  async project(report: AcceptedReport): Promise<void> {
    const table = await this.tables.table(LATEST_TABLE);
    await Promise.all(
      uniqueUsers(report.users).map(async (user) => {
        const entity = latestEntity(report.deviceId, keyPart(user.userKey), report, user);
        for (let attempt = 1; ; attempt++) {
          try {
            const current = await getOrUndefined(table, entity.partitionKey, entity.rowKey);
            if (!current) {
              await table.createEntity(entity);
            } else {
              if (!isNewer(report, String(current.ReceivedAt), String(current.ReportId))) return;
              await table.updateEntity(entity, 'Replace', { etag: current.etag });
            }
            return;
          } catch (err) {
            if (!isRaceStatus(err) || attempt >= this.maxAttempts) throw err;
            await delay(this.random() * Math.min(this.maxBackoffMs, 5 * 2 ** attempt));
          }
        }
      }),
    );
  }

  /** Rewrites the device's projection rows from its U| rows (the source of truth). */
  async rebuildProjection(deviceId: string): Promise<number> {
    const [reports, latest] = await Promise.all([
      this.tables.table(REPORTS_TABLE),
      this.tables.table(LATEST_TABLE),
    ]);
    const pk = keyPart(deviceId);
    const users = await collect(reports.listEntities({ queryOptions: { filter: rangeFilter(pk, 'U|') } }));
    const wanted = new Set(users.map((u) => String(u.rowKey).slice(2)));
    const stale = (
      await collect(
        latest.listEntities({ queryOptions: { filter: odata`PartitionKey eq ${pk}`, select: ['RowKey'] } }),
      )
    ).filter((e) => !wanted.has(String(e.rowKey)));
    const actions: TransactionAction[] = [
      ...users.map((u): TransactionAction => {
        const { partitionKey: _p, rowKey, etag: _e, timestamp: _t, ...props } = u;
        return ['upsert', { ...props, partitionKey: pk, rowKey: String(rowKey).slice(2) }, 'Replace'];
      }),
      ...stale.map((e): TransactionAction => ['delete', { partitionKey: pk, rowKey: String(e.rowKey) }]),
    ];
    for (let i = 0; i < actions.length; i += MAX_BATCH) {
      await latest.submitTransaction(actions.slice(i, i + MAX_BATCH));
    }
    return users.length;
  }

  /** Newest first, without bodies. */
  async listReports(deviceId: string, options: { top?: number } = {}): Promise<ReportSummary[]> {
    const table = await this.tables.table(REPORTS_TABLE);
    const top = options.top ?? 50;
    const out: ReportSummary[] = [];
    if (top <= 0) return out;
    const pages = table
      .listEntities({
        queryOptions: { filter: rangeFilter(keyPart(deviceId), 'R|'), select: SUMMARY_COLUMNS },
      })
      .byPage({ maxPageSize: Math.min(top, 1000) });
    for await (const page of pages) {
      for (const e of page) {
        out.push(summaryOf(deviceId, e));
        if (out.length >= top) return out;
      }
    }
    return out;
  }

  /**
   * Newest first: when each report arrived and what it said per user (CanReset, NgcSet, key id),
   * without the raw body. A device's history as its own reports tell it.
   */
  async listReportHistory(deviceId: string, options: { top?: number } = {}): Promise<ReportHistoryEntry[]> {
    const table = await this.tables.table(REPORTS_TABLE);
    const top = Math.max(0, Math.min(options.top ?? 20, 200));
    const out: ReportHistoryEntry[] = [];
    if (top === 0) return out;
    const select = [
      ...HISTORY_COLUMNS,
      ...Array.from({ length: HISTORY_USER_CHUNKS }, (_, i) => `UsersJson${i}`),
    ];
    const pages = table
      .listEntities({ queryOptions: { filter: rangeFilter(keyPart(deviceId), 'R|'), select } })
      .byPage({ maxPageSize: Math.min(top, 1000) });
    for await (const page of pages) {
      for (const e of page) {
        let users: UserReport[] = [];
        try {
          users =
            Number(e.UsersJsonChunks) <= HISTORY_USER_CHUNKS ? JSON.parse(readText(e, 'UsersJson')) : [];
        } catch {
          users = [];
        }
        out.push({
          reportId: String(e.ReportId),
          receivedAt: String(e.ReceivedAt),
          source: e.Source as ReportSource,
          trust: e.Trust as ReportTrust,
          users: users.map((u) => ({
            userKey: u.userKey,
            upn: u.upn,
            canReset: u.canReset,
            canResetRaw: u.canResetRaw,
            ngcSet: u.ngcSet,
            ngcKeyId: u.ngcKeyId,
            notUserContext: u.notUserContext,
          })),
        });
        if (out.length >= top) return out;
      }
    }
    return out;
  }

  /** The full report, raw body reassembled and checked against its stored SHA-256; undefined when absent. */
  async getReport(deviceId: string, reportId: string): Promise<AcceptedReport | undefined> {
    const table = await this.tables.table(REPORTS_TABLE);
    const pk = keyPart(deviceId);
    const filter = `${rangeFilter(pk, 'R|')} and ${odata`ReportId eq ${reportId}`}`;
    for await (const e of table.listEntities({ queryOptions: { filter } })) {
      return {
        reportId: String(e.ReportId),
        deviceId,
        receivedAt: String(e.ReceivedAt),
        collectedAt: String(e.CollectedAt),
        source: e.Source as ReportSource,
        trust: e.Trust as ReportTrust,
        agentVersion: optString(e.AgentVersion),
        agentMode: optString(e.AgentMode),
        intuneDeviceId: optString(e.IntuneDeviceId),
        device: withDefaultEvidence(
          JSON.parse(readText(e, 'DeviceJson')) as DeviceFacts,
          emptyDeviceEvidence,
        ),
        users: (JSON.parse(readText(e, 'UsersJson')) as UserReport[]).map((u) =>
          withDefaultEvidence(u, UNKNOWN_TRUST),
        ),
        rawBody: readText(e, 'Body'),
      };
    }
    return undefined;
  }

  async latestUsers(deviceId: string): Promise<LatestUserState[]> {
    const table = await this.tables.table(REPORTS_TABLE);
    const rows = await collect(
      table.listEntities({ queryOptions: { filter: rangeFilter(keyPart(deviceId), 'U|') } }),
    );
    return rows.map((e) => latestStateOf(deviceId, e));
  }

  async latestDevice(deviceId: string): Promise<LatestDeviceState | undefined> {
    const table = await this.tables.table(REPORTS_TABLE);
    const e = await getOrUndefined(table, keyPart(deviceId), 'D|latest');
    if (!e) return undefined;
    return {
      deviceId,
      reportId: String(e.ReportId),
      reportedAt: String(e.ReceivedAt),
      joinType: e.JoinType as JoinType,
      deviceName: optString(e.DeviceName),
      osVersion: optString(e.OsVersion),
      tenantId: optString(e.TenantId),
      intuneDeviceId: optString(e.IntuneDeviceId),
      agentVersion: optString(e.AgentVersion),
      source: e.Source as ReportSource,
      trust: e.Trust as ReportTrust,
      evidence: readEvidence(e, emptyDeviceEvidence),
    };
  }

  async countReports(deviceId: string): Promise<number> {
    const table = await this.tables.table(REPORTS_TABLE);
    let n = 0;
    const rows = table.listEntities({
      queryOptions: { filter: rangeFilter(keyPart(deviceId), 'R|'), select: ['RowKey'] },
    });
    for await (const _ of rows) n++;
    return n;
  }

  /** The fleet projection, every device and user. */
  async *listLatest(): AsyncIterable<LatestUserState> {
    const table = await this.tables.table(LATEST_TABLE);
    for await (const e of table.listEntities()) yield latestStateOf(String(e.DeviceId), e);
  }

  /**
   * Deletes expired nonces and counters of past UTC days across all devices. Commits purge
   * their own partition; this catches devices that stopped uploading.
   */
  async purgeExpiredNonces(now: Date): Promise<{ nonces: number; counters: number }> {
    const table = await this.tables.table(REPORTS_TABLE);
    const expired = await collect(
      table.listEntities({
        queryOptions: {
          filter: `RowKey ge 'N|' and RowKey lt 'N}' and ${odata`ExpiresAt le ${now}`}`,
          select: ['PartitionKey', 'RowKey'],
        },
      }),
    );
    const today = utcDay(now);
    const oldCounters = await collect(
      table.listEntities({
        queryOptions: {
          filter: `RowKey ge 'C|' and ${odata`RowKey lt ${`C|${today}`}`}`,
          select: ['RowKey'],
        },
      }),
    );
    await deleteAll(table, [...expired, ...oldCounters]);
    return { nonces: expired.length, counters: oldCounters.length };
  }
}

// ---- commit internals ----

async function readPartitionState(
  table: TableClient,
  deviceId: string,
  nonce: string,
  day: string,
  now: Date,
): Promise<PartitionState> {
  const pk = keyPart(deviceId);
  // One query for every small row of the partition (C|, D|, N|, U|); R| rows are skipped.
  const filter =
    odata`PartitionKey eq ${pk}` +
    ` and ((RowKey ge 'C|' and RowKey lt 'C}') or RowKey eq 'D|latest'` +
    ` or (RowKey ge 'N|' and RowKey lt 'N}') or (RowKey ge 'U|' and RowKey lt 'U}'))`;
  const rows = await collect(
    table.listEntities({
      queryOptions: { filter, select: ['RowKey', 'Count', 'ExpiresAt', 'ReceivedAt', 'ReportId'] },
    }),
  );
  const state: PartitionState = { nonceExists: false, counter: undefined, latest: new Map(), purge: [] };
  const nonceKey = `N|${keyPart(nonce)}`;
  const counterKey = `C|${day}`;
  for (const row of rows) {
    const rk = String(row.rowKey);
    if (rk === nonceKey) state.nonceExists = true;
    else if (rk === counterKey) state.counter = { count: Number(row.Count ?? 0), etag: row.etag };
    else if (rk.startsWith('C|') && rk < counterKey) state.purge.push(rk);
    else if (rk.startsWith('N|') && toDate(row.ExpiresAt) <= now) state.purge.push(rk);
    else if (rk.startsWith('U|') || rk === 'D|latest') {
      state.latest.set(rk, {
        receivedAt: String(row.ReceivedAt),
        reportId: String(row.ReportId),
        etag: row.etag,
      });
    }
  }
  return state;
}

function buildTransaction(
  report: AcceptedReport,
  reportRow: TableEntity,
  nonce: NonceClaim,
  limit: DailyLimit,
  state: PartitionState,
  count: number,
): { actions: TransactionAction[]; kinds: OpKind[] } {
  const pk = keyPart(report.deviceId);
  const actions: TransactionAction[] = [];
  const kinds: OpKind[] = [];
  const add = (kind: OpKind, action: TransactionAction) => {
    kinds.push(kind);
    actions.push(action);
  };
  // The nonce goes first: a replay is then always reported at index 0, whatever else raced.
  add('nonce', [
    'create',
    { partitionKey: pk, rowKey: `N|${keyPart(nonce.value)}`, ExpiresAt: nonce.expiresAt },
  ]);
  const counter = { partitionKey: pk, rowKey: `C|${limit.day}`, Count: count + 1 };
  if (state.counter) add('counter', ['update', counter, 'Replace', { etag: state.counter.etag }]);
  else add('counter', ['create', counter]);
  add('report', ['create', reportRow]);

  const advance = (kind: OpKind, entity: TableEntity) => {
    const current = state.latest.get(entity.rowKey);
    if (!current) add(kind, ['create', entity]);
    else if (isNewer(report, current.receivedAt, current.reportId)) {
      add(kind, ['update', entity, 'Replace', { etag: current.etag }]);
    }
  };
  for (const user of uniqueUsers(report.users)) {
    advance('user', latestEntity(report.deviceId, `U|${keyPart(user.userKey)}`, report, user));
  }
  advance('device', deviceEntity(report));

  for (const rowKey of state.purge.slice(0, MAX_BATCH - actions.length)) {
    add('purge', ['delete', { partitionKey: pk, rowKey }]);
  }
  if (actions.length > MAX_BATCH)
    throw new Error(`commit needs ${actions.length} operations, over ${MAX_BATCH}`);
  return { actions, kinds };
}

/** The failing operation of a transaction: the service prefixes the message with its index ("1:The ..."). */
export function failedOperationIndex(err: unknown): number | undefined {
  if (!(err instanceof RestError)) return undefined;
  const details = err.details as { odataError?: { message?: { value?: string } | string } } | undefined;
  const detailMessage = details?.odataError?.message;
  const texts = [err.message, typeof detailMessage === 'string' ? detailMessage : detailMessage?.value];
  for (const text of texts) {
    const m = text ? /^(\d+):/.exec(text) : null;
    if (m) return Number(m[1]);
  }
  return undefined;
}

function failedOperation(err: unknown, kinds: OpKind[]): OpKind | undefined {
  const i = failedOperationIndex(err);
  return i === undefined ? undefined : kinds[i];
}

function statusOf(err: unknown): number | undefined {
  return err instanceof RestError ? err.statusCode : undefined;
}

/** 409 (row created meanwhile), 412 (etag moved), 404 (purge target gone): a re-read settles it. */
function isRaceStatus(err: unknown): boolean {
  const s = statusOf(err);
  return s === 409 || s === 412 || s === 404;
}

/** Newer wins; equal times are ordered by reportId so every writer agrees. */
function isNewer(report: AcceptedReport, currentReceivedAt: string, currentReportId: string): boolean {
  const a = Date.parse(report.receivedAt);
  const b = Date.parse(currentReceivedAt);
  if (Number.isNaN(b)) return true;
  return a > b || (a === b && report.reportId > currentReportId);
}

export function secondsToNextUtcDay(day: string, now: Date): number {
  const y = Number(day.slice(0, 4));
  const m = Number(day.slice(4, 6));
  const d = Number(day.slice(6, 8));
  const next = Date.UTC(y, m - 1, d + 1);
  const seconds = Math.ceil((next - now.getTime()) / 1000);
  return Math.min(86_400, Math.max(1, Number.isFinite(seconds) ? seconds : 86_400));
}

export function utcDay(at: Date): string {
  return at.toISOString().slice(0, 10).replaceAll('-', '');
}

// ---- entity mapping ----

function reportEntity(report: AcceptedReport): TableEntity {
  const entity: TableEntity = compact({
    partitionKey: keyPart(report.deviceId),
    rowKey: `R|${invertedTime(report.receivedAt)}|${keyPart(report.reportId)}`,
    ReportId: report.reportId,
    ReceivedAt: report.receivedAt,
    CollectedAt: report.collectedAt,
    Source: report.source,
    Trust: report.trust,
    AgentVersion: report.agentVersion,
    AgentMode: report.agentMode,
    IntuneDeviceId: report.intuneDeviceId,
    DeviceName: report.device.deviceName,
    OsVersion: report.device.osVersion,
    JoinType: report.device.joinType,
    UserCount: report.users.length,
  });
  writeText(entity, 'Body', report.rawBody, { hash: true });
  writeText(entity, 'DeviceJson', JSON.stringify(report.device));
  writeText(entity, 'UsersJson', JSON.stringify(report.users));
  if (entitySize(entity) > MAX_ENTITY_BYTES) {
    // A body near 256 KiB that is mostly registry evidence would be stored twice (UTF-16): keep
    // the evidence on the latest-state rows only; the raw body still holds it for history.
    writeText(entity, 'DeviceJson', JSON.stringify({ ...report.device, evidence: emptyDeviceEvidence() }));
    writeText(
      entity,
      'UsersJson',
      JSON.stringify(report.users.map((u) => ({ ...u, evidence: UNKNOWN_TRUST() }))),
    );
    entity.EvidenceOnLatestOnly = true;
  }
  // The 256 KiB body limit keeps this below 1 MiB; fail loudly if that ever changes.
  assertEntityFits(entity, `report ${report.reportId}`);
  return entity;
}

function latestEntity(
  deviceId: string,
  rowKey: string,
  report: AcceptedReport,
  user: UserReport,
): TableEntity {
  return withEvidence(user.evidence, {
    partitionKey: keyPart(deviceId),
    rowKey,
    DeviceId: deviceId,
    UserKey: user.userKey,
    ReportId: report.reportId,
    ReceivedAt: report.receivedAt,
    CanReset: user.canReset,
    CanResetRaw: user.canResetRaw,
    NgcSet: user.ngcSet,
    NgcKeyId: user.ngcKeyId,
    Upn: user.upn,
    Sid: user.sid,
    NotUserContext: user.notUserContext,
    Source: report.source,
    Trust: report.trust,
  });
}

/** Evidence as JSON in `EvidenceJson…` (split like any long text), so recomputes never re-parse raw bodies. */
function withEvidence(evidence: DeviceEvidence | UserEvidence, props: Record<string, unknown>): TableEntity {
  const entity = compact(props) as TableEntity;
  writeText(entity, 'EvidenceJson', JSON.stringify(evidence));
  return entity;
}

/** Rows written before evidence existed read back as "nothing reported". */
function readEvidence<T>(e: Record<string, unknown>, empty: () => T): T {
  if (e.EvidenceJsonChunks === undefined) return empty();
  return JSON.parse(readText(e, 'EvidenceJson')) as T;
}

/** Report rows stored before evidence existed have none in their JSON. */
function withDefaultEvidence<T extends { evidence?: unknown }>(x: T, empty: () => T['evidence']): T {
  return x.evidence === undefined ? { ...x, evidence: empty() } : x;
}

const UNKNOWN_TRUST = () =>
  emptyUserEvidence({ model: 'unknown', why: 'stored before evidence was recorded', signals: [] });

function deviceEntity(report: AcceptedReport): TableEntity {
  return withEvidence(report.device.evidence, {
    partitionKey: keyPart(report.deviceId),
    rowKey: 'D|latest',
    ReportId: report.reportId,
    ReceivedAt: report.receivedAt,
    JoinType: report.device.joinType,
    DeviceName: report.device.deviceName,
    OsVersion: report.device.osVersion,
    TenantId: report.device.tenantId,
    IntuneDeviceId: report.intuneDeviceId,
    AgentVersion: report.agentVersion,
    Source: report.source,
    Trust: report.trust,
  });
}

function latestStateOf(deviceId: string, e: Record<string, unknown>): LatestUserState {
  return {
    deviceId,
    userKey: String(e.UserKey),
    reportId: String(e.ReportId),
    reportedAt: String(e.ReceivedAt),
    canReset: (optString(e.CanReset) as CanReset | null) ?? null,
    canResetRaw: optString(e.CanResetRaw),
    ngcSet: typeof e.NgcSet === 'boolean' ? e.NgcSet : null,
    ngcKeyId: optString(e.NgcKeyId),
    upn: optString(e.Upn),
    sid: optString(e.Sid),
    notUserContext: e.NotUserContext === true,
    source: e.Source as ReportSource,
    trust: e.Trust as ReportTrust,
    evidence: readEvidence<UserEvidence>(e, UNKNOWN_TRUST),
  };
}

function summaryOf(deviceId: string, e: Record<string, unknown>): ReportSummary {
  return {
    reportId: String(e.ReportId),
    deviceId,
    receivedAt: String(e.ReceivedAt),
    collectedAt: String(e.CollectedAt),
    source: e.Source as ReportSource,
    trust: e.Trust as ReportTrust,
    agentVersion: optString(e.AgentVersion),
    deviceName: optString(e.DeviceName),
    osVersion: optString(e.OsVersion),
    joinType: e.JoinType as JoinType,
    userCount: Number(e.UserCount ?? 0),
    bodyLength: Number(e.BodyLength ?? 0),
  };
}

/** One row per user key; a report listing a user twice keeps the first entry. */
function uniqueUsers(users: UserReport[]): UserReport[] {
  const seen = new Set<string>();
  return users.filter((u) => !seen.has(u.userKey) && seen.add(u.userKey));
}

/** Table Storage has no null: absent properties read back as null. */
function compact<T extends Record<string, unknown>>(obj: T): T {
  return Object.fromEntries(Object.entries(obj).filter(([, v]) => v !== null && v !== undefined)) as T;
}

function optString(v: unknown): string | null {
  return typeof v === 'string' ? v : null;
}

function toDate(v: unknown): Date {
  return v instanceof Date ? v : new Date(String(v));
}

function rangeFilter(pk: string, prefix: string): string {
  return odata`PartitionKey eq ${pk} and RowKey ge ${prefix} and RowKey lt ${prefixEnd(prefix)}`;
}

async function getOrUndefined(
  table: TableClient,
  partitionKey: string,
  rowKey: string,
): Promise<(Record<string, unknown> & { etag: string }) | undefined> {
  try {
    return await table.getEntity<Record<string, unknown>>(partitionKey, rowKey);
  } catch (err) {
    if (statusOf(err) === 404) return undefined;
    throw err;
  }
}

async function collect<T>(iter: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of iter) out.push(x);
  return out;
}

/** Deletes by partition in batches; rows already gone are fine (another purge got there first). */
async function deleteAll(
  table: TableClient,
  rows: { partitionKey?: string; rowKey?: string }[],
): Promise<void> {
  const byPartition = new Map<string, string[]>();
  for (const r of rows) {
    if (r.partitionKey === undefined || r.rowKey === undefined) continue;
    const list = byPartition.get(r.partitionKey) ?? [];
    list.push(r.rowKey);
    byPartition.set(r.partitionKey, list);
  }
  for (const [pk, rowKeys] of byPartition) {
    for (let i = 0; i < rowKeys.length; i += MAX_BATCH) {
      const slice = rowKeys.slice(i, i + MAX_BATCH);
      try {
        await table.submitTransaction(
          slice.map((rowKey): TransactionAction => ['delete', { partitionKey: pk, rowKey }]),
        );
      } catch (err) {
        if (statusOf(err) !== 404) throw err;
        // One row vanished and the batch rolled back: delete the rest one by one.
        for (const rowKey of slice) {
          await table.deleteEntity(pk, rowKey).catch((e: unknown) => {
            if (statusOf(e) !== 404) throw e;
          });
        }
      }
    }
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
