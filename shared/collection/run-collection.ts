/**
 * One inventory collection run: lease → run record → Graph (devices ∥ tenant id → policies →
 * group members ∥ readiness) → effective targeting (pure) → only changed entities to Table
 * Storage → run record finalised → lease released.
 *
 * Failure rules (a run can die anywhere):
 * - nothing is written until the Graph reads it depends on are complete, so a run that fails
 *   mid-listing marks nothing removed and leaves the previous run's rows as they were;
 * - each entity is whole on its own (Replace upserts in atomic per-partition batches), so a
 *   run killed during writes leaves every row readable, old or new;
 * - rows hash their content, so the next run writes exactly what is still different.
 * Two runs never overlap: the lease is renewed between phases and a lost lease stops the run.
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { TableClient, TableEntity } from '@azure/data-tables';
import type { Config } from '../config.js';
import { collectEntraDevices } from '../graph/collectors/entra-devices.js';
import {
  assignedGroupIds,
  type CollectedMembership,
  collectGroupMembers,
} from '../graph/collectors/groups.js';
import { collectManagedDevices } from '../graph/collectors/managed-devices.js';
import { collectPinRecoveryPolicies } from '../graph/collectors/policies.js';
import { collectTenantReadiness, resolveTenantId } from '../graph/collectors/tenant.js';
import { type GraphPort, GraphRequestError } from '../graph/port.js';
import type {
  EntraDeviceRecord,
  ManagedDeviceRecord,
  ReportedUserRef,
  TenantReadiness,
} from '../posture/inputs.js';
import { collectRemediationReports } from '../remediation/collect.js';
import { type SyncResult, syncEntities } from '../storage/entity-sync.js';
import { acquireLease, type Lease } from '../storage/lease.js';
import { TableReportStore } from '../storage/report-store.js';
import type { TableProvider } from '../storage/tables.js';
import type { PinRecoveryPolicy } from '../targeting/types.js';
import { policyEntity, tenantEntity } from './entities.js';
import { deviceEntities, graphDelta, reportedUsersByDevice, targetingEntities } from './plan.js';
import {
  type RunError,
  type RunSummary,
  type TableWriteCounts,
  writeRunFinished,
  writeRunStarted,
} from './run-record.js';
import { COLLECTION_LEASE, COLLECTION_TABLES } from './tables.js';

export type CollectionLog = (
  level: 'info' | 'warn' | 'error',
  event: string,
  fields: Record<string, unknown>,
) => void;

export interface CollectionDeps {
  config: Config;
  tables: TableProvider;
  graph: GraphPort;
  now?: () => Date;
  log?: CollectionLog;
  /** Who runs (Function instance); the lease owner is `${owner}:${runId}`. Default host:pid. */
  owner?: string;
  /** Partitions written in parallel per table (default 16). */
  writeConcurrency?: number;
}

export class LeaseLostError extends Error {
  constructor() {
    super('the collection lease was lost (expired and taken over); stopping so two runs never overlap');
    this.name = 'LeaseLostError';
  }
}

function toRunError(phase: string, err: unknown): RunError {
  if (err instanceof GraphRequestError) {
    return { phase, code: err.code || String(err.status), message: err.message.slice(0, 300) };
  }
  const e = err instanceof Error ? err : new Error(String(err));
  const code = (e as { code?: unknown }).code;
  return { phase, code: typeof code === 'string' ? code : e.name, message: e.message.slice(0, 300) };
}

const NO_WRITES: TableWriteCounts = { inserted: 0, updated: 0, unchanged: 0, removed: 0, batches: 0 };

export async function runCollection(deps: CollectionDeps): Promise<RunSummary> {
  const now = deps.now ?? (() => new Date());
  const log: CollectionLog = deps.log ?? (() => {});
  const { config, tables, graph } = deps;
  const runId = randomUUID();
  const started = now();
  const startedAt = started.toISOString();
  const owner = `${deps.owner ?? `${hostname()}:${process.pid}`}:${runId}`;
  const graphBefore = graph.stats();

  const summary: RunSummary = {
    runId,
    status: 'succeeded',
    startedAt,
    endedAt: startedAt,
    tenantId: null,
    devices: 0,
    removedDevices: 0,
    policies: 0,
    groups: 0,
    graphRequests: 0,
    graphRequestsByEndpoint: {},
    retries: 0,
    tableWrites: 0,
    tableBatches: 0,
    tableWritesByTable: {},
    durationMs: 0,
    readiness: null,
    errors: [],
  };
  const finish = (): RunSummary => {
    const ended = now();
    const g = graphDelta(graphBefore, graph.stats());
    summary.endedAt = ended.toISOString();
    summary.durationMs = ended.getTime() - started.getTime();
    summary.graphRequests = g.requests;
    summary.graphRequestsByEndpoint = g.byEndpoint;
    summary.retries = g.retries;
    const w = Object.values(summary.tableWritesByTable);
    summary.tableWrites = w.reduce((n, c) => n + c.inserted + c.updated + c.removed, 0);
    summary.tableBatches = w.reduce((n, c) => n + c.batches, 0);
    if (summary.status !== 'skipped') summary.status = summary.errors.length > 0 ? 'failed' : 'succeeded';
    return summary;
  };

  const lease = await acquireLease(await tables.table(COLLECTION_TABLES.leases), COLLECTION_LEASE, {
    ttlMs: config.collection.leaseSeconds * 1000,
    owner,
    now: started,
  });
  if (!lease) {
    summary.status = 'skipped';
    log('info', 'collection_skipped', { runId, reason: 'another run holds the lease' });
    return finish();
  }

  let runs: TableClient | null = null;
  try {
    runs = await tables.table(COLLECTION_TABLES.runs);
    await writeRunStarted(runs, { runId, startedAt, owner });
    log('info', 'collection_started', { runId });
    await collectAndStore({ deps, lease, summary, now, log });
  } catch (err) {
    const phase = (err as { phase?: unknown } | null)?.phase;
    summary.errors.push(
      toRunError(err instanceof LeaseLostError ? 'lease' : typeof phase === 'string' ? phase : 'run', err),
    );
  } finally {
    finish();
    try {
      if (runs) await writeRunFinished(runs, summary, owner);
    } catch (err) {
      summary.errors.push(toRunError('store:Runs', err));
      summary.status = 'failed';
    }
    await lease.release().catch((err: unknown) => summary.errors.push(toRunError('lease', err)));
  }
  log(summary.status === 'succeeded' ? 'info' : 'error', 'collection_finished', {
    runId,
    status: summary.status,
    devices: summary.devices,
    removedDevices: summary.removedDevices,
    policies: summary.policies,
    graphRequests: summary.graphRequests,
    retries: summary.retries,
    tableWrites: summary.tableWrites,
    durationMs: summary.durationMs,
    errors: summary.errors.map((e) => `${e.phase}:${e.code}`),
  });
  return summary;
}

interface RunContext {
  deps: CollectionDeps;
  lease: Lease;
  summary: RunSummary;
  now: () => Date;
  log: CollectionLog;
}

/** Settles a promise into a value or a recorded error, so one failed source does not hide the others. */
async function attempt<T>(ctx: RunContext, phase: string, p: Promise<T>): Promise<T | null> {
  try {
    return await p;
  } catch (err) {
    ctx.summary.errors.push(toRunError(phase, err));
    ctx.log('warn', 'collection_phase_failed', { runId: ctx.summary.runId, phase });
    return null;
  }
}

async function collectAndStore(ctx: RunContext): Promise<void> {
  const { deps, summary } = ctx;
  const { graph, config } = deps;

  // Graph reads. Devices (sequential paging, the long pole) run beside the policy chain.
  const devicesP = attempt(ctx, 'devices', collectManagedDevices(graph));
  const entraP = attempt(ctx, 'entraDevices', collectEntraDevices(graph));
  // Who reports from each device: user-scope targeting reaches a device through them too.
  const reportedP = attempt(
    ctx,
    'reportedUsers',
    reportedUsersByDevice(new TableReportStore(deps.tables).listLatest()),
  );
  const readinessP = collectTenantReadiness(graph);
  const tenantId = await attempt(
    ctx,
    'tenant',
    config.graph.tenantId ? Promise.resolve(config.graph.tenantId) : resolveTenantId(graph),
  );
  summary.tenantId = tenantId;
  let policies: PinRecoveryPolicy[] | null = null;
  let membership: CollectedMembership | null = null;
  if (tenantId) {
    policies = await attempt(ctx, 'policies', collectPinRecoveryPolicies(graph, tenantId));
    if (policies) {
      const groupIds = assignedGroupIds(policies);
      membership = await attempt(ctx, 'groups', collectGroupMembers(graph, groupIds));
      summary.groups = membership ? groupIds.length : 0;
    }
  }
  const [devices, readiness, entra, reported] = await Promise.all([devicesP, readinessP, entraP, reportedP]);
  await renew(ctx);

  // Writes: each table only from complete inputs.
  if (policies) {
    summary.policies = policies.length;
    await store(ctx, COLLECTION_TABLES.policies, policies.map(policyEntity));
  }
  if (tenantId) await storeReadiness(ctx, tenantId, readiness);
  if (devices) {
    const entraByDeviceId = new Map((entra ?? []).map((e) => [e.deviceId, e]));
    await storeDevices(ctx, devices, policies, membership, { entraByDeviceId, reportedUsers: reported });
  }
  await collectRemediation(ctx);
}

/** The second reporting path: the detection script's output, read over Graph, stored as reports. */
async function collectRemediation(ctx: RunContext): Promise<void> {
  const { graph, tables, config } = ctx.deps;
  const scriptId = config.collection.remediationScriptId;
  if (!scriptId) return;
  await renew(ctx);
  const result = await attempt(
    ctx,
    'remediation',
    collectRemediationReports({
      graph,
      tables,
      store: new TableReportStore(tables),
      scriptId,
      now: ctx.now(),
      log: ctx.log,
    }),
  );
  if (result) {
    ctx.summary.remediation = {
      seen: result.seen,
      stored: result.stored,
      skippedUnchanged: result.skippedUnchanged,
      rejected: result.rejected.length,
    };
  }
}

async function storeReadiness(ctx: RunContext, tenantId: string, readiness: TenantReadiness): Promise<void> {
  ctx.summary.readiness = readiness.state;
  if (readiness.state === 'unknown') {
    // A Graph failure is not news about the tenant: keep the last known answer, report the failure.
    ctx.summary.errors.push({
      phase: 'readiness',
      code: 'unknown',
      message: readiness.error ?? 'lookup failed',
    });
    return;
  }
  await store(ctx, COLLECTION_TABLES.tenant, [tenantEntity(tenantId, readiness)], 'keep');
}

async function storeDevices(
  ctx: RunContext,
  devices: ManagedDeviceRecord[],
  policies: PinRecoveryPolicy[] | null,
  membership: CollectedMembership | null,
  context: {
    entraByDeviceId: Map<string, EntraDeviceRecord>;
    reportedUsers: Map<string, ReportedUserRef[]> | null;
  },
): Promise<void> {
  const { summary } = ctx;
  summary.devices = devices.length;
  // The listing is complete here (a failed listing gives null), so absent devices did leave Intune.
  // A failed Entra listing fails the run (no recompute follows); the rows lack Entra facts until the next.
  const d = await store(ctx, COLLECTION_TABLES.devices, deviceEntities(devices, context.entraByDeviceId));
  summary.removedDevices = d.removed;
  // Targeting from partial inputs would be wrong, not stale.
  if (!policies || !membership || !context.reportedUsers) return;
  const t = targetingEntities(devices, policies, membership, {
    entraByDeviceId: context.entraByDeviceId,
    reportedUsers: context.reportedUsers,
  });
  ctx.log('info', 'collection_targeting', { runId: summary.runId, ...t.byResult });
  await store(ctx, COLLECTION_TABLES.targeting, t.entities);
}

async function store(
  ctx: RunContext,
  logicalName: string,
  desired: TableEntity[],
  removedPolicy: 'markRemoved' | 'keep' = 'markRemoved',
): Promise<SyncResult> {
  const table = await ctx.deps.tables.table(logicalName);
  let result: SyncResult;
  try {
    result = await syncEntities(table, desired, {
      removedPolicy,
      concurrency: ctx.deps.writeConcurrency ?? 16,
      now: ctx.now(),
    });
  } catch (err) {
    ctx.summary.tableWritesByTable[logicalName] ??= { ...NO_WRITES };
    throw Object.assign(err instanceof Error ? err : new Error(String(err)), {
      phase: `store:${logicalName}`,
    });
  }
  ctx.summary.tableWritesByTable[logicalName] = { ...result };
  await renew(ctx);
  return result;
}

async function renew(ctx: RunContext): Promise<void> {
  if (!(await ctx.lease.renew(ctx.now()))) throw new LeaseLostError();
}
