/**
 * Alerts, thin: the hook the composition root runs after each collection (evaluate, digest,
 * metric) and GET /api/alerts (open alerts as JSON, keyed). Everything else is shared/alerts.
 */
import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import { type AlertEvaluation, type AlertLog, evaluateAlerts } from '../shared/alerts/evaluate.js';
import { AlertStore } from '../shared/alerts/lifecycle.js';
import { resolveNoReportsAlert } from '../shared/alerts/reports-arrived.js';
import type { RunSummary } from '../shared/collection/run-record.js';
import type { Config } from '../shared/config.js';
import type { GraphPort } from '../shared/graph/port.js';
import { HttpProblem, json, jsonError, problemResponse } from '../shared/http/errors.js';
import { checkQueryNames } from '../shared/http/query.js';
import { createNotifier } from '../shared/notify/notifier.js';
import type { TableProvider } from '../shared/storage/tables.js';

export interface AlertsDeps {
  config: Pick<Config, 'alerts' | 'report'>;
  tables: TableProvider;
  /** For digest mail through sendMail; the Teams webhook needs none. */
  graph?: GraphPort;
  fetch?: typeof fetch;
}

type Log = Pick<InvocationContext, 'info' | 'warn' | 'error'>;

export type AfterCollectionAlerts =
  | { evaluated: true; result: AlertEvaluation }
  | { evaluated: false; reason: 'run_skipped' | 'evaluation_failed'; error?: string };

/**
 * Runs after every collection that did not skip: after a success (postures just recomputed)
 * and after a failure too, since "collection failing" is itself an alert and the stored
 * postures are still the last good ones. A skipped run means another instance is collecting
 * and evaluates itself. Never throws: the collection already did its work.
 */
export async function evaluateAfterCollection(
  deps: AlertsDeps,
  run: Pick<RunSummary, 'status' | 'runId'>,
  context: Log,
  now: Date = new Date(),
): Promise<AfterCollectionAlerts> {
  if (run.status === 'skipped') return { evaluated: false, reason: 'run_skipped' };
  return evaluateNow(deps, context, now, { runId: run.runId });
}

function notifierFor(deps: AlertsDeps, log: AlertLog) {
  return createNotifier({
    config: deps.config,
    log,
    ...(deps.graph ? { graph: deps.graph } : {}),
    ...(deps.fetch ? { fetch: deps.fetch } : {}),
  });
}

/**
 * One evaluation now, whatever ran before (the daily freshness sweep uses it, so "collection
 * failing" and "no reports" are judged even on a day no collection finished). Never throws.
 */
export async function evaluateNow(
  deps: AlertsDeps,
  context: Log,
  now: Date,
  logFields: Record<string, unknown> = {},
): Promise<AfterCollectionAlerts> {
  const log = (level: 'info' | 'warn' | 'error', event: string, fields: Record<string, unknown>) =>
    context[level](event, fields);
  try {
    const notifier = notifierFor(deps, log);
    const result = await evaluateAlerts(
      {
        tables: deps.tables,
        settings: deps.config.alerts,
        notifier,
        log,
        ...(deps.config.report.linkUrl ? { linkUrl: deps.config.report.linkUrl } : {}),
        ...(deps.fetch ? { fetch: deps.fetch } : {}),
      },
      now,
    );
    return { evaluated: true, result };
  } catch (err) {
    const error = err instanceof Error ? err.name : 'error';
    context.error('alerts_evaluation_failed', { ...logFields, error });
    return { evaluated: false, reason: 'evaluation_failed', error };
  }
}

export async function handleOpenAlerts(
  request: HttpRequest,
  context: InvocationContext,
  deps: Pick<AlertsDeps, 'tables'>,
): Promise<HttpResponseInit> {
  try {
    checkQueryNames(new URL(request.url).searchParams, []);
  } catch (err) {
    if (err instanceof HttpProblem) return problemResponse(err);
    throw err;
  }
  try {
    const open = await new AlertStore(deps.tables).listOpen();
    const alerts = open
      .sort((a, b) => a.openedAt.localeCompare(b.openedAt))
      .map(({ partitionKey: _p, rowKey: _r, etag: _e, ...a }) => a);
    return json(200, { count: alerts.length, alerts }, { 'cache-control': 'no-store' });
  } catch (err) {
    context.error('alerts_read_failed', { error: err instanceof Error ? err.name : 'error' });
    return jsonError(503, 'storage_unavailable', 'the alerts could not be read; retry shortly');
  }
}

/**
 * Registers GET /api/alerts and returns the after-collection hook bound to these deps, for
 * the composition root to call after recomputeAfterCollection.
 */
export function registerAlerts(deps: AlertsDeps): {
  afterCollection: (
    run: Pick<RunSummary, 'status' | 'runId'>,
    context: Log,
  ) => Promise<AfterCollectionAlerts>;
  /** A full evaluation now (the daily freshness sweep). */
  evaluate: (context: Log, now: Date) => Promise<AfterCollectionAlerts>;
  /** After an uploaded report's recompute: closes "no reports from agents" at once. */
  reportsArrived: (now: Date, log: AlertLog) => Promise<void>;
} {
  app.http('alerts', {
    route: 'alerts',
    methods: ['GET'],
    authLevel: 'function',
    handler: (request, context) => handleOpenAlerts(request, context, deps),
  });
  return {
    afterCollection: (run, context) => evaluateAfterCollection(deps, run, context),
    evaluate: (context, now) => evaluateNow(deps, context, now, { trigger: 'schedule' }),
    reportsArrived: async (now, log) => {
      await resolveNoReportsAlert(
        {
          tables: deps.tables,
          settings: deps.config.alerts,
          notifier: notifierFor(deps, log),
          log,
          ...(deps.config.report.linkUrl ? { linkUrl: deps.config.report.linkUrl } : {}),
        },
        now,
      );
    },
  };
}
