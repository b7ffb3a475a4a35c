/**
 * GET /api/health — is the service able to do its job: storage reachable, the last inventory
 * collection finished well and recently. 200 healthy / 503 unhealthy, JSON either way.
 *
 * Anonymous on purpose: platform probes and uptime monitors call it without a function key,
 * and what it returns is operational only (run status, ages, error codes — no device, user
 * or tenant data, no error messages that could quote Graph or storage responses).
 */
import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import type { RunRecord } from '../shared/collection/run-record.js';
import { json } from '../shared/http/errors.js';
import type { StoredSummary } from '../shared/posture-store/entities.js';

export interface HealthDeps {
  latestRun(): Promise<RunRecord | null>;
  readSummary(): Promise<StoredSummary | null>;
  /** A collection older than this is unhealthy (default 26 h: a daily schedule plus slack). */
  maxCollectionAgeHours?: number;
  /** A run still "running" after this is stuck (default: COLLECT_LEASE_SECONDS, 30 min). */
  maxRunSeconds?: number;
  now?: () => Date;
}

interface Check {
  ok: boolean;
  [k: string]: unknown;
}

const HOUR_MS = 3_600_000;

function collectionCheck(run: RunRecord | null, now: Date, maxAgeH: number, maxRunS: number): Check {
  if (!run) return { ok: false, problem: 'never_collected' };
  const at = Date.parse(run.endedAt || run.startedAt);
  const ageMinutes = Number.isFinite(at) ? Math.round((now.getTime() - at) / 60_000) : null;
  const base = {
    runId: run.runId,
    status: run.status,
    startedAt: run.startedAt,
    endedAt: run.endedAt || null,
    ageMinutes,
    errors: run.errors.map((e) => `${e.phase}:${e.code}`).slice(0, 10),
  };
  if (run.status === 'failed') return { ok: false, problem: 'last_run_failed', ...base };
  if (run.status === 'running') {
    const runningFor = (now.getTime() - Date.parse(run.startedAt)) / 1000;
    return runningFor > maxRunS ? { ok: false, problem: 'run_stuck', ...base } : { ok: true, ...base };
  }
  if (ageMinutes === null || ageMinutes * 60_000 > maxAgeH * HOUR_MS) {
    return { ok: false, problem: 'collection_too_old', ...base };
  }
  return { ok: true, ...base };
}

export async function handleHealth(
  _request: HttpRequest,
  context: InvocationContext,
  deps: HealthDeps,
): Promise<HttpResponseInit> {
  const now = (deps.now ?? (() => new Date()))();
  const checks: Record<string, Check> = {};
  let run: RunRecord | null = null;
  let summary: StoredSummary | null = null;
  try {
    [run, summary] = await Promise.all([deps.latestRun(), deps.readSummary()]);
    checks.storage = { ok: true };
  } catch (err) {
    const code = (err as { statusCode?: unknown; code?: unknown } | null) ?? {};
    checks.storage = {
      ok: false,
      problem: 'storage_unreachable',
      error: String(code.code ?? code.statusCode ?? 'error'),
    };
    context.warn('health_storage_failed', { error: err instanceof Error ? err.name : 'error' });
  }
  if (checks.storage?.ok) {
    checks.collection = collectionCheck(
      run,
      now,
      deps.maxCollectionAgeHours ?? 26,
      deps.maxRunSeconds ?? 1800,
    );
    // Informational: posture lags the collection by one recompute; not a reason to fail.
    checks.posture = {
      ok: true,
      generatedAt: summary?.generatedAt ?? null,
      lastReportAt: summary?.lastReportAt ?? null,
    };
  }
  const healthy = Object.values(checks).every((c) => c.ok);
  return json(
    healthy ? 200 : 503,
    { status: healthy ? 'healthy' : 'unhealthy', checkedAt: now.toISOString(), checks },
    { 'cache-control': 'no-store' },
  );
}

export function registerHealth(deps: HealthDeps): void {
  app.http('health', {
    route: 'health',
    methods: ['GET'],
    authLevel: 'anonymous',
    handler: (request, context) => handleHealth(request, context, deps),
  });
}
