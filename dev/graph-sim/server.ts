/**
 * The Microsoft Graph simulator: HTTPS on loopback (certificate from the dev CA, trusted
 * through NODE_EXTRA_CA_CERTS), bearer token required, Graph's wire format on every
 * response, scriptable faults and latency, and request statistics for budget assertions.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { type DevCa, issueServerCertificate } from '../tls.js';
import { directoryRoutes } from './directory.js';
import { type ExportJobBehaviour, ExportJobs } from './exports.js';
import {
  type Budgets,
  FaultInjector,
  type FaultKind,
  type FaultOptions,
  type ThrottleFamily,
} from './faults.js';
import { intuneRoutes } from './intune.js';
import { errorBody, GraphHttpError, type GraphVersion, type SimRequest, type SimResponse } from './odata.js';
import { grants, requiredFor, toGranted } from './permissions.js';
import {
  DEFAULT_PAGE_SIZES,
  normaliseSegments,
  type PageSizes,
  type Quirks,
  type Route,
  Router,
  type SentMail,
} from './routes.js';
import type { SimTenant } from './sim-tenant.js';
import type { Tenant } from './tenant.js';

export type { Budgets, FaultKind, FaultOptions } from './faults.js';
export type { PageSizes, Quirks, SentMail } from './routes.js';

export interface GraphSimulatorOptions<T extends SimTenant = Tenant> {
  tenant: T;
  ca: DevCa;
  /** 0 or absent: a free port. */
  port?: number;
  latencyMs?: number;
  faults?: FaultOptions;
  pageSizes?: Partial<PageSizes>;
  /** The bearer token clients must send; random when absent. */
  token?: string;
  /** Intune-like request budgets per window: true = graph.md §14 numbers. */
  budgets?: Budgets | boolean;
  quirks?: Partial<Quirks>;
  /** Clock for dates in errors, budgets and delta tokens (tests may freeze it). */
  clock?: () => number;
  /** Seed for the $batch response shuffle. */
  batchSeed?: number | string;
  /** Application permissions of the token (e.g. 'Device.Read.All'); absent = all of them. */
  permissions?: readonly string[];
  /** Export job progress: polls before completion (default 1), or failing jobs. */
  exportJobs?: Partial<ExportJobBehaviour>;
}

export interface RequestLogEntry {
  method: string;
  /** Path and query as sent (no host). */
  url: string;
  label: string;
  status: number | 'reset';
  fault: FaultKind | 'budget' | null;
  /** Selected request headers; Authorization reduced to whether a bearer token was present. */
  headers: {
    authorization: boolean;
    consistencyLevel?: string;
    clientRequestId?: string;
    retryAttempt?: string;
  };
}

export interface SimStats {
  /** HTTP requests received (a $batch counts once). */
  total: number;
  /** By label "METHOD /version/template", e.g. "GET /v1.0/deviceManagement/managedDevices". */
  requestsByEndpoint: Record<string, number>;
  /** Requests carried inside $batch, by the same labels. */
  batchItemsByEndpoint: Record<string, number>;
  faultsInjected: number;
  faultsByKind: Record<string, number>;
  /** 429s from the request budgets (not counted in faultsInjected). */
  throttledByBudget: number;
}

export interface GraphSimulator<T extends SimTenant = Tenant> {
  /** https://localhost:<port> (no version segment). */
  baseUrl: string;
  port: number;
  token: string;
  /** CA certificate to trust (NODE_EXTRA_CA_CERTS). */
  caFile: string;
  tenant: T;
  stats(): SimStats;
  resetStats(): void;
  /** Every request (bounded to the last 20,000), for header and order assertions. */
  requestLog(): readonly RequestLogEntry[];
  setFaults(faults: FaultOptions): void;
  /** The next n requests whose label contains `pattern` (or matches the RegExp) fail with `kind`. */
  failNext(pattern: string | RegExp, n: number, kind: FaultKind): void;
  setLatency(ms: number): void;
  setBudgets(budgets: Budgets | boolean): void;
  /** Changes the token's permissions; undefined = all. */
  setPermissions(permissions: readonly string[] | undefined): void;
  /** Changes how export jobs created from now on progress. */
  setExportJobs(behaviour: Partial<ExportJobBehaviour>): void;
  /** Messages accepted by POST /users/{id}/sendMail. */
  sentMail: SentMail[];
  stop(): Promise<void>;
}

const JSON_TYPE =
  'application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8';
const INTUNE_FAMILIES: ReadonlySet<ThrottleFamily> = new Set([
  'intuneDevices',
  'intuneConfigV2',
  'intuneConfig',
  'intuneIntent',
]);
const LOG_LIMIT = 20_000;
const BODY_LIMIT = 4 * 1024 * 1024;

export const ALL_ROUTES: Route[] = [...directoryRoutes, ...intuneRoutes];

function emptyStats(): SimStats {
  return {
    total: 0,
    requestsByEndpoint: {},
    batchItemsByEndpoint: {},
    faultsInjected: 0,
    faultsByKind: {},
    throttledByBudget: 0,
  };
}

function bump(map: Record<string, number>, key: string): void {
  map[key] = (map[key] ?? 0) + 1;
}

/** What a route-level outcome is before it becomes bytes: a response, or a dropped connection. */
type Outcome =
  | { response: SimResponse; fault: FaultKind | 'budget' | null }
  | { reset: true; fault: FaultKind };

export async function startGraphSimulator<T extends SimTenant = Tenant>(
  options: GraphSimulatorOptions<T>,
): Promise<GraphSimulator<T>> {
  const { tenant, ca } = options;
  const token = options.token ?? `sim-${randomUUID()}`;
  const clock = options.clock ?? Date.now;
  const pageSizes: PageSizes = { ...DEFAULT_PAGE_SIZES, ...options.pageSizes };
  const quirks: Quirks = { managedDevicesNeAsEq: false, ...options.quirks };
  const faults = new FaultInjector(options.faults, options.budgets);
  const shuffler = new FaultInjector({ seed: options.batchSeed ?? 7 });
  const exportJobs = new ExportJobs(tenant);
  exportJobs.behaviour = { ...exportJobs.behaviour, ...options.exportJobs };
  const router = new Router([...ALL_ROUTES, ...exportJobs.routes()]);
  const sentMail: SentMail[] = [];
  let latencyMs = options.latencyMs ?? 0;
  let granted = toGranted(options.permissions);
  let stats = emptyStats();
  let log: RequestLogEntry[] = [];

  const faultResponse = (
    kind: FaultKind,
    family: ThrottleFamily,
    req: SimRequest,
    scopes: readonly string[] = [
      'DeviceManagementManagedDevices.Read.All',
      'DeviceManagementManagedDevices.ReadWrite.All',
    ],
  ): SimResponse => {
    const now = clock();
    const intune = INTUNE_FAMILIES.has(family);
    const retryAfter = { 'Retry-After': String(faults.retryAfterSeconds) };
    switch (kind) {
      case '429':
      case '429-no-retry-after': {
        const headers = kind === '429' ? retryAfter : {};
        const body = intune
          ? errorBody(
              'TooManyRequests',
              'An error has occurred.',
              req.requestId,
              req.clientRequestId,
              now,
              [],
            )
          : {
              error: {
                code: 'TooManyRequests',
                message: 'Please retry again later.',
                innerError: {
                  code: '429',
                  message: 'Please retry after',
                  status: '429',
                  date: new Date(now).toISOString().slice(0, 19),
                  'request-id': req.requestId,
                  'client-request-id': req.clientRequestId,
                },
              },
            };
        return { status: 429, headers, body };
      }
      case '503':
        return {
          status: 503,
          headers: retryAfter,
          body: errorBody(
            'serviceNotAvailable',
            'Service unavailable. Retry the request after a delay.',
            req.requestId,
            req.clientRequestId,
            now,
          ),
        };
      case '504':
        return { status: 504, body: errorBody('UnknownError', '', req.requestId, req.clientRequestId, now) };
      case '403-intune': {
        // Intune embeds a JSON document in `message` (graph.md §15).
        const inner = JSON.stringify(
          {
            _version: 3,
            Message: `Application is not authorized to perform this operation. Application must have one of the following scopes: ${scopes.join(', ')} - Operation ID (for customer support): 00000000-0000-0000-0000-000000000000 - Activity ID: ${req.clientRequestId} - Url: https://fef.msub01.manage.microsoft.com/${req.path} - CustomApiErrorPhrase: `,
            CustomApiErrorPhrase: '',
            RetryAfter: null,
            ErrorSourceService: '',
            HttpHeaders: '{}',
          },
          null,
          2,
        ).replace(/\n/g, '\r\n');
        return {
          status: 403,
          body: errorBody('Forbidden', inner, req.requestId, req.clientRequestId, now, []),
        };
      }
      case 'reset':
        return { status: 500 }; // not used: handled as a dropped connection
    }
  };

  /** Routes one request (top level or $batch item): faults, budgets, version check, handler. */
  const dispatch = (req: SimRequest, inBatch: boolean): Outcome & { label: string } => {
    const segments = normaliseSegments(req.segments);
    const matched = router.match(req.method, segments);
    const label = `${req.method} /${req.version}${matched ? matched.route.template : `/${segments.join('/')}`}`;
    if (inBatch) bump(stats.batchItemsByEndpoint, label);
    else bump(stats.requestsByEndpoint, label);
    const family: ThrottleFamily = matched?.route.family ?? 'identity';
    const now = clock();
    const fail = (e: unknown): Outcome & { label: string } => {
      if (e instanceof GraphHttpError) {
        return {
          label,
          fault: null,
          response: {
            status: e.status,
            headers: e.extra.headers,
            body: errorBody(e.code, e.message, req.requestId, req.clientRequestId, now, e.extra.details),
          },
        };
      }
      return {
        label,
        fault: null,
        response: {
          status: 500,
          body: errorBody(
            'generalException',
            'An unexpected error occurred.',
            req.requestId,
            req.clientRequestId,
            now,
          ),
        },
      };
    };
    const kind = faults.draw(label);
    if (kind) {
      stats.faultsInjected++;
      bump(stats.faultsByKind, kind);
      // A dropped connection cannot happen inside a batch; the item then reports a gateway timeout.
      if (kind === 'reset' && !inBatch) return { label, reset: true, fault: kind };
      return { label, fault: kind, response: faultResponse(kind === 'reset' ? '504' : kind, family, req) };
    }
    if (matched) {
      const q = req.query;
      const cost =
        family === 'identity'
          ? Math.max(1, (matched.route.cost ?? 1) - (q.has('$select') ? 1 : 0) + (q.has('$expand') ? 1 : 0))
          : 1;
      const wait = faults.charge(family, cost, now);
      if (wait !== null) {
        stats.throttledByBudget++;
        const r = faultResponse(INTUNE_FAMILIES.has(family) ? '429-no-retry-after' : '429', family, req);
        if (!INTUNE_FAMILIES.has(family)) r.headers = { 'Retry-After': wait.toFixed(3) };
        return { label, fault: 'budget', response: r };
      }
    }
    try {
      if (!matched) {
        const unknown = segments.at(-1);
        throw new GraphHttpError(400, 'BadRequest', `Resource not found for the segment '${unknown ?? ''}'.`);
      }
      if (!matched.route.versions.includes(req.version)) {
        // Beta-only resources do not exist in v1.0 (graph.md §20.5).
        // The first segment v1.0 lacks: the resource below the root or deviceManagement.
        const named = matched.route.template.split('/').filter((s) => s && !s.startsWith('{'));
        const betaOnly = (named[0] === 'deviceManagement' ? named[1] : named[0]) ?? '';
        throw new GraphHttpError(400, 'BadRequest', `Resource not found for the segment '${betaOnly}'.`);
      }
      const needed = requiredFor(matched.route.template);
      if (needed && !grants(granted, needed)) {
        if (INTUNE_FAMILIES.has(family))
          return { label, fault: null, response: faultResponse('403-intune', family, req, needed) };
        throw new GraphHttpError(
          403,
          'Authorization_RequestDenied',
          'Insufficient privileges to complete the operation.',
        );
      }
      const response = matched.route.handle({
        granted,
        req,
        params: matched.params,
        tenant,
        pageSizes,
        quirks,
        sentMail,
        now,
      });
      return { label, fault: null, response };
    } catch (e) {
      return fail(e);
    }
  };

  const handleBatch = (outer: SimRequest): SimResponse => {
    const now = clock();
    const err = (message: string): SimResponse => ({
      status: 400,
      body: errorBody('BadRequest', message, outer.requestId, outer.clientRequestId, now),
    });
    const body = outer.body as { requests?: unknown } | null;
    if (!body || !Array.isArray(body.requests)) return err('Invalid batch payload format.');
    const requests = body.requests as {
      id?: unknown;
      method?: unknown;
      url?: unknown;
      headers?: unknown;
      body?: unknown;
      dependsOn?: unknown;
    }[];
    if (requests.length === 0) return err('Invalid batch payload format.');
    if (requests.length > 20) return err('Number of batch request steps exceeds the maximum of 20.');
    const ids = new Set<string>();
    for (const r of requests) {
      if (typeof r.id !== 'string' || typeof r.method !== 'string' || typeof r.url !== 'string') {
        return err('Invalid batch payload format.');
      }
      if (ids.has(r.id)) return err('Batch request contains duplicate request ids.');
      ids.add(r.id);
    }
    for (const r of requests) {
      const deps = r.dependsOn;
      if (
        deps !== undefined &&
        (!Array.isArray(deps) || deps.some((d) => typeof d !== 'string' || !ids.has(d)))
      ) {
        return err('Depends on request id is invalid or not found.');
      }
    }
    const results = new Map<
      string,
      { id: string; status: number; headers: Record<string, string>; body?: unknown }
    >();
    const pending = [...requests];
    while (pending.length > 0) {
      const idx = pending.findIndex((r) =>
        ((r.dependsOn as string[] | undefined) ?? []).every((d) => results.has(d)),
      );
      if (idx < 0) return err('Batch request dependencies contain a cycle.');
      const r = pending.splice(idx, 1)[0] as (typeof requests)[number];
      const id = r.id as string;
      const failedDep = ((r.dependsOn as string[] | undefined) ?? []).some(
        (d) => (results.get(d)?.status ?? 500) >= 400,
      );
      const requestId = randomUUID();
      if (failedDep) {
        results.set(id, {
          id,
          status: 424,
          headers: { 'Content-Type': JSON_TYPE },
          body: errorBody(
            'FailedDependency',
            'The request failed because it depends on a request that failed.',
            requestId,
            outer.clientRequestId,
            now,
          ),
        });
        continue;
      }
      const url = r.url as string;
      if (/^https?:/i.test(url)) {
        results.set(id, {
          id,
          status: 400,
          headers: { 'Content-Type': JSON_TYPE },
          body: errorBody(
            'BadRequest',
            'Batch request urls must be relative to the version root.',
            requestId,
            outer.clientRequestId,
            now,
          ),
        });
        continue;
      }
      const parsed = new URL(`${outer.origin}/${outer.version}${url.startsWith('/') ? '' : '/'}${url}`);
      const itemHeaders: Record<string, string> = {};
      for (const [k, v] of Object.entries((r.headers as Record<string, string> | undefined) ?? {}))
        itemHeaders[k.toLowerCase()] = String(v);
      const inner: SimRequest = {
        method: (r.method as string).toUpperCase(),
        version: outer.version,
        path: decodePath(parsed.pathname).slice(outer.version.length + 1),
        segments: decodePath(parsed.pathname).split('/').filter(Boolean).slice(1),
        query: parsed.searchParams,
        rawQuery: parsed.search.replace(/^\?/, ''),
        headers: { ...itemHeaders, authorization: outer.headers.authorization ?? '' },
        body: r.body ?? null,
        origin: outer.origin,
        requestId,
        clientRequestId: outer.clientRequestId,
      };
      const out = dispatch(inner, true);
      const resp = 'reset' in out ? { status: 504 } : out.response;
      const headers: Record<string, string> = { ...(resp.headers ?? {}) };
      if (resp.body !== undefined) headers['Content-Type'] = JSON_TYPE;
      results.set(id, {
        id,
        status: resp.status,
        headers,
        ...(resp.body !== undefined ? { body: resp.body } : {}),
      });
    }
    // Graph returns batch responses in any order (graph.md §13).
    return { status: 200, body: { responses: shuffler.shuffle([...results.values()]) } };
  };

  const onRequest = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    stats.total++;
    const origin = `https://localhost:${port}`;
    const requestId = randomUUID();
    const clientRequestId = (req.headers['client-request-id'] as string | undefined) ?? randomUUID();
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers[k] = v;
    const logEntry: RequestLogEntry = {
      method: req.method ?? 'GET',
      url: req.url ?? '/',
      label: '',
      status: 0,
      fault: null,
      headers: {
        authorization: /^Bearer\s+\S/i.test(headers.authorization ?? ''),
        ...(headers.consistencylevel ? { consistencyLevel: headers.consistencylevel } : {}),
        ...(headers['client-request-id'] ? { clientRequestId: headers['client-request-id'] } : {}),
        ...(headers['retry-attempt'] ? { retryAttempt: headers['retry-attempt'] } : {}),
      },
    };
    log.push(logEntry);
    if (log.length > LOG_LIMIT) log = log.slice(-LOG_LIMIT / 2);
    const send = (r: SimResponse): void => {
      logEntry.status = r.status;
      const payload = r.body === undefined ? undefined : Buffer.from(JSON.stringify(r.body));
      res.writeHead(r.status, {
        'request-id': requestId,
        'client-request-id': clientRequestId,
        'x-ms-ags-diagnostic': JSON.stringify({
          ServerInfo: {
            DataCenter: 'Local',
            Slice: 'E',
            Ring: '0',
            ScaleUnit: '000',
            RoleInstance: 'graph-sim',
          },
        }),
        'Strict-Transport-Security': 'max-age=31536000',
        'Cache-Control': 'no-cache',
        ...(payload
          ? { 'Content-Type': JSON_TYPE, 'Content-Length': String(payload.length) }
          : { 'Content-Length': '0' }),
        ...(r.headers ?? {}),
      });
      res.end(payload);
    };
    const now = clock();
    const fail = (status: number, code: string, message: string): void =>
      send({ status, body: errorBody(code, message, requestId, clientRequestId, now) });

    let raw = '';
    try {
      raw = await readBody(req);
    } catch {
      fail(413, 'RequestEntityTooLarge', 'The request body is too large.');
      return;
    }
    const url = new URL(req.url ?? '/', origin);
    if (req.method === 'GET' && url.pathname.startsWith('/_blob/')) {
      // The export "SAS URL": no Graph token, the signature in the query is the credential.
      logEntry.label = 'GET /_blob/exports/{name}';
      bump(stats.requestsByEndpoint, logEntry.label);
      const blob = exportJobs.serveBlob(decodePath(url.pathname), url.searchParams);
      logEntry.status = blob.status;
      res.writeHead(blob.status, {
        'Content-Length': String(blob.raw?.length ?? 0),
        ...(blob.headers ?? {}),
      });
      res.end(blob.raw);
      return;
    }
    const allSegments = decodePath(url.pathname).split('/').filter(Boolean);
    const version = allSegments[0];
    if (version !== 'v1.0' && version !== 'beta') {
      logEntry.label = `${req.method} /(invalid version)`;
      fail(400, 'BadRequest', `Invalid version: ${version ?? ''}`);
      return;
    }
    if (headers.authorization !== `Bearer ${token}`) {
      logEntry.label = `${req.method} /${version}(unauthenticated)`;
      const message = headers.authorization
        ? 'Access token validation failure. Invalid audience.'
        : 'Access token is empty.';
      fail(401, 'InvalidAuthenticationToken', message);
      return;
    }
    let body: unknown = null;
    if (raw.length > 0) {
      try {
        body = JSON.parse(raw);
      } catch {
        fail(
          400,
          'BadRequest',
          'Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.',
        );
        return;
      }
    }
    const simReq: SimRequest = {
      method: (req.method ?? 'GET').toUpperCase(),
      version: version as GraphVersion,
      path: `/${allSegments.slice(1).join('/')}`,
      segments: allSegments.slice(1),
      query: url.searchParams,
      rawQuery: url.search.replace(/^\?/, ''),
      headers,
      body,
      origin,
      requestId,
      clientRequestId,
    };
    if (latencyMs > 0) await new Promise((r) => setTimeout(r, latencyMs));
    if (simReq.method === 'POST' && simReq.segments.length === 1 && simReq.segments[0] === '$batch') {
      const label = `POST /${version}/$batch`;
      logEntry.label = label;
      bump(stats.requestsByEndpoint, label);
      // Only scripted faults hit the envelope; random ones land on its items.
      const kind = faults.drawScripted(label);
      if (kind) {
        stats.faultsInjected++;
        bump(stats.faultsByKind, kind);
        logEntry.fault = kind;
        if (kind === 'reset') {
          logEntry.status = 'reset';
          req.socket.destroy();
          return;
        }
        send(faultResponse(kind, 'batch', simReq));
        return;
      }
      send(handleBatch(simReq));
      return;
    }
    const out = dispatch(simReq, false);
    logEntry.label = out.label;
    logEntry.fault = out.fault;
    if ('reset' in out) {
      logEntry.status = 'reset';
      req.socket.destroy();
      return;
    }
    send(out.response);
  };

  const { certPem, keyPem } = await issueServerCertificate(ca);
  const servers: Server[] = [];
  const make = (): Server => {
    const s = createServer({ cert: certPem, key: keyPem }, (req, res) => {
      onRequest(req, res).catch(() => {
        if (!res.headersSent) res.writeHead(500).end();
      });
    });
    servers.push(s);
    return s;
  };
  const listen = (s: Server, port: number, host: string): Promise<number> =>
    new Promise((resolve, reject) => {
      s.once('error', reject);
      s.listen(port, host, () => resolve((s.address() as AddressInfo).port));
    });
  const port = await listen(make(), options.port ?? 0, '127.0.0.1');
  // "localhost" may resolve to ::1 first; serve it too when the host has IPv6 loopback.
  const v6 = make();
  await listen(v6, port, '::1').catch(() => servers.splice(servers.indexOf(v6), 1));

  return {
    baseUrl: `https://localhost:${port}`,
    port,
    token,
    caFile: ca.certFile,
    tenant,
    stats: () => structuredClone(stats),
    resetStats: () => {
      stats = emptyStats();
      log = [];
    },
    requestLog: () => log,
    setFaults: (f) => faults.set(f),
    failNext: (pattern, n, kind) => faults.failNext(pattern, n, kind),
    setLatency: (ms) => {
      latencyMs = ms;
    },
    setBudgets: (b) => faults.setBudgets(b),
    setExportJobs: (b) => {
      exportJobs.behaviour = { ...exportJobs.behaviour, ...b };
    },
    setPermissions: (p) => {
      granted = toGranted(p);
    },
    sentMail,
    stop: async () => {
      await Promise.all(
        servers.map(
          (s) =>
            new Promise<void>((resolve) => {
              s.close(() => resolve());
              s.closeAllConnections();
            }),
        ),
      );
    },
  };
}

function decodePath(pathname: string): string {
  return pathname
    .split('/')
    .map((s) => {
      try {
        return decodeURIComponent(s);
      } catch {
        return s;
      }
    })
    .join('/');
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > BODY_LIMIT) {
        reject(new Error('body too large'));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
