/**
 * The admin console, served by the Function App itself under /api/console, for people signed
 * in with Microsoft Entra ID (App Service Authentication; the local dev host plays its part).
 *
 * Two surfaces share one set of handlers:
 *  - the keyed read API (/api/summary, /api/devices, …; authLevel function) for Power BI and
 *    scripts, unchanged;
 *  - the console (authLevel anonymous at the Functions host, because a browser carries no
 *    function key): every route here goes through `guarded`, which believes the platform's
 *    X-MS-CLIENT-PRINCIPAL only when configured to (shared/auth/access.ts) and demands the
 *    Reader (or Admin) app role. Pages are HTML rendered on the server from the very JSON the
 *    read handlers answer (called in process); /api/console/data/* serves that JSON itself to
 *    signed-in people (the CSV download, scripts with an Entra token).
 * A signed-out browser is redirected to /.auth/login/aad; an API call gets 401/403 JSON.
 */
import { createRequire } from 'node:module';
import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import { type ConsoleAuthMode, decideAccess, type Need } from '../shared/auth/access.js';
import type { Principal } from '../shared/auth/principal.js';
import { html } from '../shared/console/html.js';
import { CONSOLE_BASE, consoleUrl, PAGE_HEADERS, page, type Section } from '../shared/console/layout.js';
import { alertsBody } from '../shared/console/pages/alerts.js';
import { deviceBody } from '../shared/console/pages/device.js';
import { deviceListBody, endpointQuery, parseListQuery } from '../shared/console/pages/devices.js';
import { messageBody } from '../shared/console/pages/errors.js';
import { overviewBody } from '../shared/console/pages/overview.js';
import { tenantBody } from '../shared/console/pages/tenant.js';
import { CONSOLE_CSS, CONSOLE_CSS_NAME } from '../shared/console/style.js';
import type { AlertsView, DevicesView, ReasonRow, SummaryView, TrendView } from '../shared/console/views.js';
import type { DeviceDetail } from '../shared/device-detail/model.js';
import type { DeviceDetailDeps } from '../shared/device-detail/read.js';
import { jsonError } from '../shared/http/errors.js';
import { reasonGuidance } from '../shared/posture/guidance.js';
import { REASON_CODES, type ReasonCode } from '../shared/posture/types.js';
import type { TenantReadinessBody } from '../shared/tenant/readiness.js';
import { type AlertsDeps, handleOpenAlerts } from './alerts.js';
import { handleDeviceDetail } from './device-detail.js';
import { type DevicesDeps, handleDevices } from './devices.js';
import { handleSummary, type SummaryDeps } from './summary.js';
import { handleTenant, type TenantDeps } from './tenant.js';
import { handleTrend, type TrendDeps } from './trend.js';
import { handleLatestReport, type LatestReportDeps } from './weekly-report.js';

// The class itself, not only its type: Node's ESM view of this CommonJS bundle lacks the
// HttpRequest named export, so it is taken from the same module instance through require.
const { HttpRequest: HttpRequestClass } = createRequire(import.meta.url)(
  '@azure/functions',
) as typeof import('@azure/functions');

export interface ConsoleDeps {
  auth: ConsoleAuthMode;
  summary: SummaryDeps;
  devices: DevicesDeps;
  device: DeviceDetailDeps;
  alerts: Pick<AlertsDeps, 'tables'>;
  trend: TrendDeps;
  tenant: TenantDeps;
  report: LatestReportDeps;
  now?: () => Date;
}

type Handler = (request: HttpRequest, context: InvocationContext) => Promise<HttpResponseInit>;
type GuardedHandler = (
  request: HttpRequest,
  context: InvocationContext,
  principal: Principal,
) => Promise<HttpResponseInit>;

const JSON_HEADERS = { 'x-content-type-options': 'nosniff', 'cache-control': 'no-store' };

/** A browser navigation (gets HTML and redirects) rather than an API call (gets JSON). */
function wantsHtml(request: HttpRequest): boolean {
  const mode = request.headers.get('sec-fetch-mode');
  if (mode) return mode === 'navigate';
  return (request.headers.get('accept') ?? '').includes('text/html');
}

function htmlResponse(status: number, body: string, extra: Record<string, string> = {}): HttpResponseInit {
  return { status, body, headers: { ...PAGE_HEADERS, ...extra } };
}

export function signInRedirect(request: HttpRequest): string {
  const u = new URL(request.url);
  return `/.auth/login/aad?post_login_redirect_uri=${encodeURIComponent(`${u.pathname}${u.search}`)}`;
}

function guarded(auth: ConsoleAuthMode, need: Need, kind: 'page' | 'data', fn: GuardedHandler): Handler {
  return async (request, context) => {
    const decision = decideAccess(request.headers, auth, need);
    if (decision.ok) return fn(request, context, decision.principal);
    const asPage = kind === 'page' || wantsHtml(request);
    if (!asPage) return jsonError(decision.status, decision.code, decision.message, JSON_HEADERS);
    if (decision.code === 'sign_in_required') {
      return { status: 302, headers: { location: signInRedirect(request), 'cache-control': 'no-store' } };
    }
    if (decision.status === 403) {
      return htmlResponse(
        403,
        page({
          title: 'No access',
          section: null,
          principal: decision.principal,
          body: messageBody(
            'You do not have access to ResetReady',
            `${decision.message}. Ask an administrator to assign you the ResetReady.Reader role: Entra ID › Enterprise applications › ResetReady › Users and groups.`,
          ),
        }),
      );
    }
    return htmlResponse(
      401,
      page({
        title: 'Sign-in not configured',
        section: null,
        principal: null,
        body: messageBody('Sign-in is not configured', decision.message),
      }),
    );
  };
}

interface Answer<T> {
  status: number;
  body: T | null;
  error: { code: string; message: string } | null;
}

/** Calls a read handler in process, exactly as GET <path>?<query> would, and returns its JSON. */
async function read<T>(
  handler: Handler,
  context: InvocationContext,
  path: string,
  query: URLSearchParams | string = '',
  params: Record<string, string> = {},
): Promise<Answer<T>> {
  const qs = query.toString();
  const request = new HttpRequestClass({
    method: 'GET',
    url: `https://console.invalid/api/${path}${qs ? `?${qs}` : ''}`,
    params,
  });
  const res = await handler(request, context);
  const status = res.status ?? 200;
  const body = (res.jsonBody ?? null) as (T & { error?: { code: string; message: string } }) | null;
  if (status >= 200 && status < 300) return { status, body: body as T, error: null };
  return { status, body: null, error: body?.error ?? { code: 'error', message: `HTTP ${status}` } };
}

function render(
  status: number,
  title: string,
  section: Section | null,
  principal: Principal,
  body: ReturnType<typeof html>,
  crumbs?: { label: string; href: string }[],
): HttpResponseInit {
  return htmlResponse(status, page({ title, section, principal, body, ...(crumbs ? { crumbs } : {}) }));
}

function failure(
  principal: Principal,
  section: Section | null,
  e: { code: string; message: string },
  status = 503,
) {
  return render(
    status,
    'Not available',
    section,
    principal,
    messageBody('Not available right now', `${e.code}: ${e.message}`),
  );
}

export function consoleHandlers(deps: ConsoleDeps) {
  const now = deps.now ?? (() => new Date());
  const summaryH: Handler = (r, c) => handleSummary(r, c, deps.summary);
  const devicesH: Handler = (r, c) => handleDevices(r, c, deps.devices);
  const deviceH: Handler = (r, c) => handleDeviceDetail(r, c, deps.device);
  const alertsH: Handler = (r, c) => handleOpenAlerts(r, c, deps.alerts);
  const trendH: Handler = (r, c) => handleTrend(r, c, deps.trend);
  const tenantH: Handler = (r, c) => handleTenant(r, c, deps.tenant);

  const overview: GuardedHandler = async (_req, ctx, principal) => {
    const [summary, trend, alerts] = await Promise.all([
      read<SummaryView>(summaryH, ctx, 'summary'),
      read<TrendView>(trendH, ctx, 'trend', 'days=84'),
      read<AlertsView>(alertsH, ctx, 'alerts'),
    ]);
    if (!summary.body) {
      if (summary.error?.code === 'not_computed') {
        return render(
          200,
          'Overview',
          'overview',
          principal,
          html`<h1>Overview</h1><div class="notice warn"><p>No posture yet: ${summary.error.message}.</p></div>`,
        );
      }
      return failure(principal, 'overview', summary.error ?? { code: 'error', message: 'no summary' });
    }
    return render(
      200,
      'Overview',
      'overview',
      principal,
      overviewBody(summary.body, trend.body, alerts.body, now()),
    );
  };

  const deviceList =
    (reasonFromRoute: boolean): GuardedHandler =>
    async (request, ctx, principal) => {
      const url = new URL(request.url);
      const q = parseListQuery(url.searchParams);
      let reason: ReasonRow | null = null;
      const summary = await read<SummaryView>(summaryH, ctx, 'summary');
      if (reasonFromRoute) {
        const code = String(request.params.code ?? '').toUpperCase();
        if (!(REASON_CODES as readonly string[]).includes(code)) {
          return render(
            404,
            'Unknown reason',
            'devices',
            principal,
            messageBody(
              'Unknown reason code',
              `"${code.slice(0, 60)}" is not a reason code ResetReady uses.`,
            ),
          );
        }
        q.reason = code;
        const g = reasonGuidance(code as ReasonCode);
        reason = summary.body?.reasons.find((r) => r.code === code) ?? {
          code,
          devices: summary.body?.byReason[code] ?? 0,
          title: g.title,
          action: g.action,
          docsUrl: g.docsUrl,
        };
      }
      const answer = await read<DevicesView>(devicesH, ctx, 'devices', endpointQuery(q));
      const base = reasonFromRoute
        ? consoleUrl(`/reasons/${encodeURIComponent(q.reason ?? '')}`)
        : consoleUrl('/devices');
      const { title, body } = deviceListBody({
        base,
        query: q,
        summary: summary.body,
        reason,
        result: answer.body
          ? { ok: true, view: answer.body }
          : { ok: false, status: answer.status, ...(answer.error ?? { code: 'error', message: 'failed' }) },
      });
      const status = answer.body ? 200 : answer.status === 400 ? 400 : 503;
      return render(
        status,
        title,
        'devices',
        principal,
        body,
        reasonFromRoute ? [{ label: 'Overview', href: consoleUrl() }] : undefined,
      );
    };

  const device: GuardedHandler = async (request, ctx, principal) => {
    const id = String(request.params.deviceId ?? '');
    const answer = await read<DeviceDetail>(deviceH, ctx, `devices/${encodeURIComponent(id)}`, '', {
      deviceId: id,
    });
    if (!answer.body) {
      if (answer.status === 404 || answer.status === 400) {
        return render(
          404,
          'Device not found',
          'devices',
          principal,
          messageBody('Device not found', answer.error?.message ?? ''),
        );
      }
      return failure(principal, 'devices', answer.error ?? { code: 'error', message: 'failed' });
    }
    const { title, body } = deviceBody(answer.body);
    return render(200, title, 'devices', principal, body, [
      { label: 'Overview', href: consoleUrl() },
      { label: 'Devices', href: consoleUrl('/devices') },
    ]);
  };

  const tenant: GuardedHandler = async (_req, ctx, principal) => {
    const answer = await read<TenantReadinessBody>(tenantH, ctx, 'tenant');
    if (!answer.body)
      return failure(principal, 'tenant', answer.error ?? { code: 'error', message: 'failed' });
    return render(200, 'Tenant readiness', 'tenant', principal, tenantBody(answer.body));
  };

  const alerts: GuardedHandler = async (_req, ctx, principal) => {
    const answer = await read<AlertsView>(alertsH, ctx, 'alerts');
    if (!answer.body)
      return failure(principal, 'alerts', answer.error ?? { code: 'error', message: 'failed' });
    return render(200, 'Alerts', 'alerts', principal, alertsBody(answer.body, now()));
  };

  const report: GuardedHandler = async (request, ctx, principal) => {
    const res = await handleLatestReport(request, ctx, deps.report);
    if ((res.status ?? 200) === 200) return res;
    const e = (res.jsonBody as { error?: { code: string; message: string } } | undefined)?.error;
    if (e?.code === 'no_report') {
      return render(
        404,
        'Weekly report',
        'report',
        principal,
        html`<h1>Weekly report</h1><div class="notice warn"><p>No weekly report has been produced yet. It is made on its schedule (REPORT_SCHEDULE, Monday 07:00 UTC by default).</p></div>`,
      );
    }
    return failure(principal, 'report', e ?? { code: 'error', message: 'failed' });
  };

  /** The read JSON for signed-in people: the same handlers as the keyed routes. */
  const data: GuardedHandler = async (request, ctx) => {
    const path = String(request.params.path ?? '').replace(/\/+$/, '');
    const segments = path.split('/');
    const forward = (h: Handler, params: Record<string, string> = {}) =>
      h(new HttpRequestClass({ method: 'GET', url: request.url, params }), ctx).then((res) => ({
        ...res,
        headers: { ...(res.headers as Record<string, string> | undefined), ...JSON_HEADERS },
      }));
    if (path === 'summary') return forward(summaryH);
    if (path === 'devices') return forward(devicesH);
    if (segments[0] === 'devices' && segments.length === 2)
      return forward(deviceH, { deviceId: segments[1]! });
    if (path === 'alerts') return forward(alertsH);
    if (path === 'trend') return forward(trendH);
    if (path === 'tenant') return forward(tenantH);
    return jsonError(404, 'not_found', `no console data at "${path.slice(0, 80)}"`, JSON_HEADERS);
  };

  const asset = async (request: HttpRequest): Promise<HttpResponseInit> => {
    if (request.params.name !== CONSOLE_CSS_NAME)
      return jsonError(404, 'not_found', 'no such asset', JSON_HEADERS);
    return {
      status: 200,
      body: CONSOLE_CSS,
      headers: {
        'content-type': 'text/css; charset=utf-8',
        'x-content-type-options': 'nosniff',
        // The name carries the content hash: a new stylesheet is a new URL.
        'cache-control': 'private, max-age=31536000, immutable',
      },
    };
  };

  return { overview, deviceList, device, tenant, alerts, report, data, asset };
}

/** Every console route, for registration and for the tests that hold each one to the guard. */
export const CONSOLE_ROUTES = [
  'console',
  'console/devices',
  'console/devices/{deviceId}',
  'console/reasons/{code}',
  'console/tenant',
  'console/alerts',
  'console/report',
  'console/data/{*path}',
  'console/assets/{name}',
] as const;

export function registerConsole(deps: ConsoleDeps): void {
  const h = consoleHandlers(deps);
  const page = (name: string, route: string, fn: GuardedHandler) =>
    app.http(name, {
      route,
      methods: ['GET'],
      authLevel: 'anonymous',
      handler: guarded(deps.auth, 'read', 'page', fn),
    });
  page('consoleOverview', 'console', h.overview);
  page('consoleDevices', 'console/devices', h.deviceList(false));
  page('consoleDevice', 'console/devices/{deviceId}', h.device);
  page('consoleReason', 'console/reasons/{code}', h.deviceList(true));
  page('consoleTenant', 'console/tenant', h.tenant);
  page('consoleAlerts', 'console/alerts', h.alerts);
  page('consoleReport', 'console/report', h.report);
  app.http('consoleData', {
    route: 'console/data/{*path}',
    methods: ['GET'],
    authLevel: 'anonymous',
    handler: guarded(deps.auth, 'read', 'data', h.data),
  });
  // The stylesheet holds no data; it is public like any login page's CSS.
  app.http('consoleAsset', {
    route: 'console/assets/{name}',
    methods: ['GET'],
    authLevel: 'anonymous',
    handler: (request) => h.asset(request),
  });
}

export { CONSOLE_BASE };
