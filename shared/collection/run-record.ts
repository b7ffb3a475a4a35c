/**
 * The Runs table: one row per collection run, written when it starts (status "running") and
 * replaced when it ends, so an operator sees a run that died (still "running" after its
 * lease expired) as well as finished ones. RowKey = inverted start time + run id, so the
 * newest run is the first row of the partition.
 */
import type { TableClient } from '@azure/data-tables';
import { invertedTime } from '../storage/keys.js';
import { RUN_PARTITION } from './tables.js';

export type RunStatus = 'running' | 'succeeded' | 'failed' | 'skipped';

export interface RunError {
  /** Where it happened: lease, tenant, devices, policies, groups, readiness, targeting, store:<table>. */
  phase: string;
  /** Machine-readable (Graph error code, HTTP status, or the error name). */
  code: string;
  /** For a person; never carries tokens or response bodies. */
  message: string;
}

export interface TableWriteCounts {
  inserted: number;
  updated: number;
  unchanged: number;
  removed: number;
  batches: number;
}

export interface RunSummary {
  runId: string;
  status: Exclude<RunStatus, 'running'>;
  startedAt: string;
  endedAt: string;
  tenantId: string | null;
  /** Windows managed devices listed this run. */
  devices: number;
  /** Devices newly marked removed this run. */
  removedDevices: number;
  /** PIN-recovery policy entries (one per policy and scope). */
  policies: number;
  /** Groups expanded for targeting. */
  groups: number;
  /** HTTP requests sent to Graph (each attempt, a $batch once). */
  graphRequests: number;
  /** By endpoint label; "(in $batch)" labels count requests carried inside $batch. */
  graphRequestsByEndpoint: Record<string, number>;
  retries: number;
  /** Entities written (inserted + updated + marked removed), every table. */
  tableWrites: number;
  tableBatches: number;
  tableWritesByTable: Record<string, TableWriteCounts>;
  durationMs: number;
  /** Tenant readiness state (ready, missing, disabled, unknown) when it was read. */
  readiness: string | null;
  /** Remediations path (REMEDIATION_SCRIPT_ID set): run states read, reports stored, skipped, rejected. */
  remediation?: { seen: number; stored: number; skippedUnchanged: number; rejected: number };
  errors: RunError[];
}

export interface RunRecord extends Omit<RunSummary, 'status'> {
  status: RunStatus;
}

export function runRowKey(runId: string, startedAt: string): string {
  return `${invertedTime(startedAt)}_${runId}`;
}

export async function writeRunStarted(
  table: TableClient,
  run: { runId: string; startedAt: string; owner: string },
): Promise<void> {
  await table.upsertEntity(
    {
      partitionKey: RUN_PARTITION,
      rowKey: runRowKey(run.runId, run.startedAt),
      RunId: run.runId,
      Status: 'running',
      StartedAt: run.startedAt,
      Owner: run.owner,
    },
    'Replace',
  );
}

export async function writeRunFinished(table: TableClient, s: RunSummary, owner: string): Promise<void> {
  await table.upsertEntity(
    {
      partitionKey: RUN_PARTITION,
      rowKey: runRowKey(s.runId, s.startedAt),
      RunId: s.runId,
      Status: s.status,
      StartedAt: s.startedAt,
      EndedAt: s.endedAt,
      Owner: owner,
      TenantId: s.tenantId ?? undefined,
      Devices: s.devices,
      RemovedDevices: s.removedDevices,
      Policies: s.policies,
      Groups: s.groups,
      GraphRequests: s.graphRequests,
      GraphRequestsByEndpoint: JSON.stringify(s.graphRequestsByEndpoint),
      Retries: s.retries,
      TableWrites: s.tableWrites,
      TableBatches: s.tableBatches,
      TableWritesByTable: JSON.stringify(s.tableWritesByTable),
      DurationMs: s.durationMs,
      Readiness: s.readiness ?? undefined,
      // Bounded: a run failing on every group must not overflow the 64 KiB column.
      Errors: JSON.stringify(s.errors.slice(0, 50)),
    },
    'Replace',
  );
}

function parse<T>(v: unknown, fallback: T): T {
  if (typeof v !== 'string') return fallback;
  try {
    return JSON.parse(v) as T;
  } catch {
    return fallback;
  }
}

export function runFromEntity(row: Record<string, unknown>): RunRecord {
  const num = (k: string) => (typeof row[k] === 'number' ? (row[k] as number) : 0);
  const str = (k: string) => (typeof row[k] === 'string' ? (row[k] as string) : null);
  return {
    runId: str('RunId') ?? '',
    status: (str('Status') ?? 'running') as RunStatus,
    startedAt: str('StartedAt') ?? '',
    endedAt: str('EndedAt') ?? '',
    tenantId: str('TenantId'),
    devices: num('Devices'),
    removedDevices: num('RemovedDevices'),
    policies: num('Policies'),
    groups: num('Groups'),
    graphRequests: num('GraphRequests'),
    graphRequestsByEndpoint: parse(row.GraphRequestsByEndpoint, {}),
    retries: num('Retries'),
    tableWrites: num('TableWrites'),
    tableBatches: num('TableBatches'),
    tableWritesByTable: parse(row.TableWritesByTable, {}),
    durationMs: num('DurationMs'),
    readiness: str('Readiness'),
    errors: parse(row.Errors, []),
  };
}

/** The newest run (any status), or null before the first run. */
export async function readLatestRun(table: TableClient): Promise<RunRecord | null> {
  const pages = table
    .listEntities({ queryOptions: { filter: `PartitionKey eq '${RUN_PARTITION}'` } })
    .byPage({ maxPageSize: 1 });
  for await (const page of pages) {
    const row = page[0];
    if (row) return runFromEntity(row);
  }
  return null;
}
