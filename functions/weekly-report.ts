/**
 * Timer weeklyReport (config.report.schedule, default Monday 07:00 UTC) and
 * GET /api/reports/latest (keyed: the report names devices and users). Thin adapters over
 * shared/weekly-report/run-weekly-report.ts and history.ts.
 */
import {
  app,
  type HttpRequest,
  type HttpResponseInit,
  type InvocationContext,
  type Timer,
} from '@azure/functions';
import { CollectionStore } from '../shared/collection/store.js';
import { HttpProblem, jsonError, problemResponse } from '../shared/http/errors.js';
import { checkQueryNames } from '../shared/http/query.js';
import { createNotifier } from '../shared/notify/notifier.js';
import { gatherWeeklyReportInput } from '../shared/weekly-report/data.js';
import { ReportHistory } from '../shared/weekly-report/history.js';
import { buildWeeklyReport } from '../shared/weekly-report/render/index.js';
import {
  runWeeklyReport,
  type WeeklyReportDeps,
  type WeeklyReportRunSummary,
} from '../shared/weekly-report/run-weekly-report.js';
import type { Services } from './services.js';

/**
 * Production wiring from the shared services, for the composition root:
 * `const wr = weeklyReportDeps(services); registerWeeklyReport(wr); registerLatestReport(wr);`
 */
export function weeklyReportDeps(
  services: Pick<Services, 'config' | 'graph' | 'tables' | 'posture'>,
): WeeklyReportTimerDeps {
  const { config } = services;
  const collection = new CollectionStore(services.tables);
  return {
    schedule: config.report.schedule,
    history: ReportHistory.fromConfig(config),
    notifier: createNotifier({ graph: services.graph, config }),
    linkUrl: config.report.linkUrl,
    produce: async (now) =>
      buildWeeklyReport(
        await gatherWeeklyReportInput({ posture: services.posture, collection }, now, {
          linkUrl: config.report.linkUrl,
          silenceHours: config.alerts.silenceHours,
        }),
      ),
  };
}

export type WeeklyReportTimerDeps = Omit<WeeklyReportDeps, 'log'> & { schedule: string };

export async function handleWeeklyReport(
  timer: Timer,
  context: InvocationContext,
  deps: Omit<WeeklyReportDeps, 'log'>,
): Promise<WeeklyReportRunSummary> {
  const summary = await runWeeklyReport({
    ...deps,
    log: (level, event, fields) => context[level](event, fields),
  });
  // Counts and statuses only: no recipients, webhook URL or report content in the log.
  context[summary.deliveries.some((d) => !d.ok) ? 'error' : 'info']('weekly_report_summary', {
    runId: summary.runId,
    date: summary.date,
    pastDue: timer.isPastDue,
    devices: summary.devices,
    charts: summary.charts,
    deliveries: summary.deliveries.map((d) => `${d.channel}:${d.ok ? 'ok' : 'failed'}:${d.attempts}`),
    alreadyDelivered: summary.alreadyDelivered,
    inProgressElsewhere: summary.inProgressElsewhere,
  });
  return summary;
}

export function registerWeeklyReport(deps: WeeklyReportTimerDeps): void {
  const { schedule, ...rest } = deps;
  app.timer('weeklyReport', {
    schedule,
    runOnStartup: false,
    handler: async (timer, context) => {
      await handleWeeklyReport(timer, context, rest);
    },
  });
}

export interface LatestReportDeps {
  history: Pick<ReportHistory, 'latestHtml'>;
}

/** The report HTML holds only inline CSS and data: images, so the policy can forbid everything else. */
const HTML_HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'content-security-policy': "default-src 'none'; img-src data:; style-src 'unsafe-inline'",
  'x-content-type-options': 'nosniff',
  'cache-control': 'no-store',
};

export async function handleLatestReport(
  request: HttpRequest,
  context: InvocationContext,
  deps: LatestReportDeps,
): Promise<HttpResponseInit> {
  try {
    checkQueryNames(new URL(request.url).searchParams, []);
  } catch (err) {
    if (err instanceof HttpProblem) return problemResponse(err);
    throw err;
  }
  try {
    const latest = await deps.history.latestHtml();
    if (!latest) {
      return jsonError(404, 'no_report', 'no weekly report has been produced yet');
    }
    return { status: 200, body: latest.html, headers: { ...HTML_HEADERS, 'x-report-date': latest.date } };
  } catch (err) {
    context.error('latest_report_failed', { error: err instanceof Error ? err.name : 'error' });
    return jsonError(503, 'storage_unavailable', 'the latest report could not be read; retry shortly');
  }
}

export function registerLatestReport(deps: LatestReportDeps): void {
  app.http('latestReport', {
    route: 'reports/latest',
    methods: ['GET'],
    authLevel: 'function',
    handler: (request, context) => handleLatestReport(request, context, deps),
  });
}
