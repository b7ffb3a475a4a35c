/**
 * A small local stand-in for the Azure Functions host (Core Tools cannot be installed here).
 * It loads the built entry point exactly as the worker does (with @azure/functions-core
 * injected, see functions-core.ts) and then:
 *  - serves every httpTrigger at /api/<route> with the host's route templates, methods and
 *    auth levels (function/admin need a key: `code` query or x-functions-key header);
 *  - fires every timerTrigger on its NCRONTAB schedule (6 fields, UTC like Azure);
 *  - runs every queueTrigger with the in-process QueueRunner (shared/queue/runner.ts) against
 *    the queues its `connection` names, with host.json's `extensions.queues` (batch size,
 *    retry visibility, maxDequeueCount and the move to `<queue>-poison`), as the host would;
 *  - answers GET /admin/functions and POST /admin/functions/<name> (202, runs it now), and, for
 *    local tooling, GET /admin/queues (counts) and POST /admin/queues/drain (waits until the
 *    queues are empty and nothing runs; answers the drain result);
 *  - with `signIn`, plays App Service Authentication's part (dev/easy-auth.ts): /.auth/login,
 *    a session cookie, and X-MS-CLIENT-PRINCIPAL headers it strips from clients and injects itself.
 * Each invocation gets a real InvocationContext whose logs go to `log`, prefixed by the
 * function name. Request and response bodies, query strings and keys are never logged.
 */
import { randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { format } from 'node:util';
import type { Cookie, HttpResponseInit, Timer } from '@azure/functions';
import { DefaultAzureCredential } from '@azure/identity';
import { QueueServiceClient } from '@azure/storage-queue';
import { Cron } from 'croner';
import { announceDevHostSignIn } from '../shared/auth/access.js';
import { AzureQueues } from '../shared/queue/azure.js';
import { queueHostSettings } from '../shared/queue/host-settings.js';
import { type DrainResult, QueueRunner, type QueueTriggerMetadata } from '../shared/queue/runner.js';
import { DevEasyAuth, type DevSignInOptions, isPlatformHeader } from './easy-auth.js';
import {
  type BindingMetadata,
  installRecordingCore,
  type Registration,
  triggerOf,
} from './functions-core.js';

export interface LocalHostOptions {
  /** 0 picks a free port. */
  port: number;
  /** Path (or file URL) of the built composition root, e.g. dist/functions/index.js. */
  entryPoint: string;
  /** One line per event; default stdout. */
  log?: (line: string) => void;
  /** Key for function/admin auth levels; default env FUNCTIONS_KEY, else generated and printed. */
  key?: string;
  /** host.json extensions.http.routePrefix; default "api". */
  routePrefix?: string;
  /** Interface to listen on; default 127.0.0.1 (a dev host is not for the network). */
  hostname?: string;
  /** host.json of the app (queue settings); default host.json beside the entry point's package. */
  hostJsonPath?: string;
  /** Seconds a running queue message stays invisible (renewed); default 60. */
  queueLeaseSeconds?: number;
  /**
   * Play App Service Authentication's part (people sign in on a local page, the app gets the
   * platform's principal headers). Off when absent.
   */
  signIn?: DevSignInOptions;
}

export interface FunctionInfo {
  name: string;
  kind: 'http' | 'timer' | 'queue' | 'other';
  triggerType: string;
  route?: string;
  methods?: string[];
  authLevel?: string;
  /** As registered (may be a %SETTING% reference) and as resolved. */
  schedule?: string;
  resolvedSchedule?: string;
  runOnStartup?: boolean;
  /** queueTrigger: the queue and the connection setting it names. */
  queueName?: string;
  connection?: string;
}

export interface LocalHost {
  url: string;
  key: string;
  functions: FunctionInfo[];
  /** Runs a non-HTTP function now (timers get a Timer object); resolves with its result. */
  invoke(name: string): Promise<unknown>;
  /** Runs the queue triggers until their queues are empty and nothing is in flight. */
  drainQueues(timeoutMs?: number): Promise<DrainResult>;
  stop(): Promise<void>;
}

// ---------------------------------------------------------------------------------------------
// Routes (pure)

type Segment =
  | { kind: 'literal'; value: string }
  | { kind: 'param'; name: string; optional: boolean; constraint?: (v: string) => boolean }
  | { kind: 'catchAll'; name: string };

export interface CompiledRoute {
  template: string;
  segments: Segment[];
}

// The common ASP.NET route constraints; anything else is refused at start rather than ignored.
const CONSTRAINTS: Record<string, (v: string) => boolean> = {
  int: (v) => /^-?\d+$/.test(v),
  long: (v) => /^-?\d+$/.test(v),
  guid: (v) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(v),
  alpha: (v) => /^[A-Za-z]+$/.test(v),
  bool: (v) => /^(true|false)$/i.test(v),
};

export function compileRoute(template: string): CompiledRoute {
  const parts = template.split('/').filter((p) => p.length > 0);
  const segments: Segment[] = parts.map((part, i) => {
    const catchAll = /^\{\*([A-Za-z_]\w*)\}$/.exec(part);
    if (catchAll) {
      if (i !== parts.length - 1) throw new Error(`route "${template}": {*${catchAll[1]}} must be last`);
      return { kind: 'catchAll', name: catchAll[1]! };
    }
    const param = /^\{([A-Za-z_]\w*)(?::([A-Za-z]+))?(\?)?\}$/.exec(part);
    if (param) {
      const constraintName = param[2]?.toLowerCase();
      const constraint = constraintName ? CONSTRAINTS[constraintName] : undefined;
      if (constraintName && !constraint) {
        throw new Error(`route "${template}": constraint ":${param[2]}" is not supported by the local host`);
      }
      return { kind: 'param', name: param[1]!, optional: param[3] === '?', constraint };
    }
    if (/[{}]/.test(part)) throw new Error(`route "${template}": segment "${part}" is not supported`);
    return { kind: 'literal', value: part };
  });
  return { template, segments };
}

/** Route params for `pathSegments` (already URL-decoded), or undefined when it does not match. */
export function matchRoute(route: CompiledRoute, pathSegments: string[]): Record<string, string> | undefined {
  const params: Record<string, string> = {};
  let i = 0;
  for (const seg of route.segments) {
    if (seg.kind === 'catchAll') {
      params[seg.name] = pathSegments.slice(i).join('/');
      return params;
    }
    const value = pathSegments[i];
    if (value === undefined) {
      if (seg.kind === 'param' && seg.optional) continue;
      return undefined;
    }
    if (seg.kind === 'literal') {
      // Literal segments compare case-insensitively, as in the host's ASP.NET routing.
      if (seg.value.toLowerCase() !== value.toLowerCase()) return undefined;
    } else {
      if (seg.constraint && !seg.constraint(value)) return undefined;
      params[seg.name] = value;
    }
    i++;
  }
  return i === pathSegments.length ? params : undefined;
}

/** Lower sorts first: literals beat parameters, which beat catch-alls, segment by segment. */
export function compareSpecificity(a: CompiledRoute, b: CompiledRoute): number {
  const rank = (s: Segment | undefined): number =>
    s === undefined
      ? 5
      : s.kind === 'literal'
        ? 0
        : s.kind === 'catchAll'
          ? 4
          : s.optional
            ? 3
            : s.constraint
              ? 1
              : 2;
  const n = Math.max(a.segments.length, b.segments.length);
  for (let i = 0; i < n; i++) {
    const d = rank(a.segments[i]) - rank(b.segments[i]);
    if (d !== 0) return d;
  }
  return 0;
}

/** App-setting references (%NAME%) in trigger options are resolved from the environment, as in Azure. */
export function resolveSettingReferences(
  value: string,
  env: Readonly<Record<string, string | undefined>>,
): string {
  return value.replace(/%([^%]+)%/g, (_, name: string) => {
    const v = env[name];
    if (v === undefined) throw new Error(`setting "${name}" referenced as %${name}% is not set`);
    return v;
  });
}

// ---------------------------------------------------------------------------------------------
// Host

interface HttpFunction {
  reg: Registration;
  trigger: BindingMetadata;
  route: CompiledRoute;
  methods: Set<string>;
  authLevel: string;
}

interface TimerFunction {
  reg: Registration;
  schedule: string;
  runOnStartup: boolean;
  last?: Date;
  job?: Cron;
  interval?: NodeJS.Timeout;
  next(): Date | null;
}

export async function startLocalHost(options: LocalHostOptions): Promise<LocalHost> {
  const log = options.log ?? ((line: string) => process.stdout.write(`${line}\n`));
  const routePrefix = (options.routePrefix ?? 'api').replace(/^\/+|\/+$/g, '');
  const easyAuth = options.signIn ? new DevEasyAuth(options.signIn) : null;
  // Before the app loads: from now on this process's principal headers come from us only.
  if (easyAuth) announceDevHostSignIn();

  // Order matters: the recorder must answer before @azure/functions first asks for the core.
  const core = installRecordingCore({
    systemLog: (level, _category, message) => {
      if (level !== 'debug' && level !== 'trace') log(`[host] ${level}: ${message}`);
    },
  });
  // require(), not import(): Node's ESM view of this CommonJS bundle misses some named
  // exports (HttpRequest among them), and require shares the instance the app loads.
  const functionsLib = createRequire(import.meta.url)(
    '@azure/functions',
  ) as typeof import('@azure/functions');
  const entryUrl = options.entryPoint.startsWith('file:')
    ? options.entryPoint
    : pathToFileURL(resolve(options.entryPoint)).href;
  await import(entryUrl);
  if (core.registrations.length === 0) {
    throw new Error(
      `${options.entryPoint} registered no functions (was @azure/functions used before the recording core was installed?)`,
    );
  }

  let key = options.key ?? process.env.FUNCTIONS_KEY;
  if (!key) {
    key = randomBytes(24).toString('base64url');
    // A throwaway key for this run only: printing it is how the developer learns it.
    log(`[host] generated function key for this run: ${key} (set FUNCTIONS_KEY to choose one)`);
  }
  const keyBytes = Buffer.from(key);
  const hasKey = (req: IncomingMessage, url: URL): boolean => {
    const header = req.headers['x-functions-key'];
    const given = (Array.isArray(header) ? header[0] : header) ?? url.searchParams.get('code') ?? '';
    const givenBytes = Buffer.from(given);
    return givenBytes.length === keyBytes.length && timingSafeEqual(givenBytes, keyBytes);
  };

  const httpFunctions: HttpFunction[] = [];
  const timers = new Map<string, TimerFunction>();
  const functions: FunctionInfo[] = [];
  const inFlight = new Set<Promise<unknown>>();
  const queueRegs: { reg: Registration; queueName: string; connection: string }[] = [];

  for (const reg of core.registrations) {
    const trigger = triggerOf(reg.metadata);
    const triggerType = trigger?.type ?? 'unknown';
    if (trigger && triggerType === 'httpTrigger') {
      const template = trigger.route ?? reg.name;
      const methods = (trigger.methods ?? ['GET', 'POST']).map((m) => m.toUpperCase());
      const authLevel = trigger.authLevel ?? 'anonymous';
      httpFunctions.push({
        reg,
        trigger,
        route: compileRoute(template),
        methods: new Set(methods),
        authLevel,
      });
      functions.push({ name: reg.name, kind: 'http', triggerType, route: template, methods, authLevel });
    } else if (trigger && triggerType === 'timerTrigger') {
      const raw = String(trigger.schedule ?? '');
      const schedule = resolveSettingReferences(raw, process.env).trim();
      timers.set(reg.name, { reg, schedule, runOnStartup: trigger.runOnStartup === true, next: () => null });
      functions.push({
        name: reg.name,
        kind: 'timer',
        triggerType,
        schedule: raw,
        resolvedSchedule: schedule,
        runOnStartup: trigger.runOnStartup === true,
      });
    } else if (trigger && triggerType === 'queueTrigger') {
      const queueName = resolveSettingReferences(String(trigger.queueName ?? ''), process.env);
      const connection = String(trigger.connection ?? 'AzureWebJobsStorage');
      queueRegs.push({ reg, queueName, connection });
      functions.push({ name: reg.name, kind: 'queue', triggerType, queueName, connection });
    } else {
      // Blob, ... triggers need their services; they stay invocable through the admin API.
      functions.push({ name: reg.name, kind: 'other', triggerType });
      log(
        `[host] ${reg.name}: ${triggerType} is not triggered by the local host; use POST /admin/functions/${reg.name}`,
      );
    }
  }
  httpFunctions.sort((a, b) => compareSpecificity(a.route, b.route));

  // Queue triggers: one runner per connection, fed the registered handlers themselves.
  const queueSettings = queueHostSettings(
    readHostJson(options.hostJsonPath ?? defaultHostJson(options.entryPoint)),
  );
  const runners: QueueRunner[] = [];
  for (const [connection, regs] of groupBy(queueRegs, (q) => q.connection)) {
    const queues = queuesForConnection(connection, process.env, log);
    runners.push(
      new QueueRunner({
        ...queueSettings,
        queues,
        leaseSeconds: options.queueLeaseSeconds ?? 60,
        log,
        bindings: regs.map(({ reg, queueName }) => ({
          name: reg.name,
          queue: queueName,
          handle: (input, triggerMetadata) =>
            track(
              Promise.resolve().then(() =>
                reg.handler(input, newQueueContext(reg, triggerOf(reg.metadata), triggerMetadata)),
              ),
            ),
        })),
      }),
    );
  }

  const newQueueContext = (
    reg: Registration,
    trigger: BindingMetadata | undefined,
    meta: QueueTriggerMetadata,
  ) =>
    new functionsLib.InvocationContext({
      functionName: reg.name,
      invocationId: randomUUID(),
      logHandler: (level, ...args) => log(`[${reg.name}] ${level}: ${format(...args)}`),
      triggerMetadata: { ...meta },
      ...(trigger ? { options: { trigger: trigger as never } } : {}),
    });

  const newContext = (reg: Registration, trigger: BindingMetadata | undefined) =>
    new functionsLib.InvocationContext({
      functionName: reg.name,
      invocationId: randomUUID(),
      logHandler: (level, ...args) => log(`[${reg.name}] ${level}: ${format(...args)}`),
      ...(trigger ? { options: { trigger: trigger as never } } : {}),
    });

  const track = <T>(p: Promise<T>): Promise<T> => {
    inFlight.add(p);
    const done = () => inFlight.delete(p);
    p.then(done, done);
    return p;
  };

  const runTimer = (t: TimerFunction, isPastDue: boolean): Promise<unknown> => {
    const now = new Date();
    const timer: Timer = {
      isPastDue,
      schedule: { adjustForDST: true },
      scheduleStatus: {
        last: (t.last ?? now).toISOString(),
        next: (t.next() ?? now).toISOString(),
        lastUpdated: now.toISOString(),
      },
    };
    t.last = now;
    const context = newContext(t.reg, triggerOf(t.reg.metadata));
    return track(Promise.resolve().then(() => t.reg.handler(timer, context)));
  };

  const runLogged = (name: string, run: () => Promise<unknown>): Promise<void> =>
    run().then(
      () => undefined,
      (err: unknown) => log(`[${name}] error: invocation failed: ${describeError(err)}`),
    );

  const invoke = (name: string): Promise<unknown> => {
    const t = timers.get(name);
    if (t) return runTimer(t, false);
    const reg = core.registrations.find((r) => r.name === name);
    if (!reg) return Promise.reject(new Error(`no function named "${name}"`));
    if (httpFunctions.some((f) => f.reg === reg)) {
      return Promise.reject(new Error(`"${name}" is an HTTP function: call its route instead`));
    }
    return track(
      Promise.resolve().then(() => reg.handler(undefined, newContext(reg, triggerOf(reg.metadata)))),
    );
  };

  const handleHttp = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const started = Date.now();
    const url = new URL(req.url ?? '/', `http://${req.headers.host ?? 'localhost'}`);
    const method = (req.method ?? 'GET').toUpperCase();
    const status =
      (easyAuth && (await easyAuth.handle(req, res, url, () => readAll(req)))) ||
      (await dispatch(req, res, url, method));
    // Path only: the query string may hold the key (`code`).
    log(`[host] ${method} ${url.pathname} -> ${status} (${Date.now() - started} ms)`);
  };

  const dispatch = async (req: IncomingMessage, res: ServerResponse, url: URL, method: string) => {
    let segments: string[];
    try {
      segments = url.pathname
        .split('/')
        .filter((s) => s.length > 0)
        .map((s) => decodeURIComponent(s));
    } catch {
      return sendJson(res, 400, {
        error: { code: 'bad_path', message: 'the path is not valid percent-encoding' },
      });
    }

    if (segments[0]?.toLowerCase() === 'admin' && segments[1]?.toLowerCase() === 'queues') {
      return handleQueuesAdmin(req, res, url, method, segments.slice(2));
    }
    if (segments[0]?.toLowerCase() === 'admin' && segments[1]?.toLowerCase() === 'functions') {
      return handleAdmin(req, res, url, method, segments.slice(2));
    }

    const prefixParts = routePrefix.split('/').filter((p) => p.length > 0);
    const underPrefix = prefixParts.every((p, i) => segments[i]?.toLowerCase() === p.toLowerCase());
    if (!underPrefix) return sendNotFound(res);
    const rest = segments.slice(prefixParts.length);

    let matchedPath = false;
    for (const fn of httpFunctions) {
      const params = matchRoute(fn.route, rest);
      if (!params) continue;
      matchedPath = true;
      if (!fn.methods.has(method)) continue;
      if (fn.authLevel !== 'anonymous' && !hasKey(req, url)) {
        return sendJson(res, 401, { error: { code: 'unauthorized', message: 'a function key is required' } });
      }
      return invokeHttp(fn, req, res, url, method, params);
    }
    if (matchedPath) {
      const allow = [
        ...new Set(httpFunctions.filter((f) => matchRoute(f.route, rest)).flatMap((f) => [...f.methods])),
      ];
      return sendJson(
        res,
        405,
        { error: { code: 'method_not_allowed', message: `use ${allow.join(', ')}` } },
        { allow: allow.join(', ') },
      );
    }
    return sendNotFound(res);
  };

  const invokeHttp = async (
    fn: HttpFunction,
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    method: string,
    params: Record<string, string>,
  ): Promise<number> => {
    const bytes = await readAll(req);
    const headers = flattenHeaders(req);
    if (easyAuth) {
      // As the platform does: a client never sets these; a signed-in session gets ours.
      for (const name of Object.keys(headers)) if (isPlatformHeader(name)) delete headers[name];
      Object.assign(headers, easyAuth.principalHeaders(req));
    }
    const request = new functionsLib.HttpRequest({
      method,
      url: url.href,
      headers,
      // GET/HEAD carry no body (the library would drop it with a warning anyway).
      ...(method === 'GET' || method === 'HEAD' ? {} : { body: { bytes } }),
      // No `query`: the library then reads it from the URL, which keeps repeated names.
      params,
    });
    const context = newContext(fn.reg, fn.trigger);
    let result: unknown;
    try {
      result = await track(Promise.resolve().then(() => fn.reg.handler(request, context)));
    } catch (err) {
      log(`[${fn.reg.name}] error: unhandled: ${describeError(err)}`);
      return sendJson(res, 500, { error: { code: 'internal_error', message: 'the function failed' } });
    }
    try {
      return await writeResponse(res, result, functionsLib.HttpResponse, core.httpStream);
    } catch (err) {
      log(`[${fn.reg.name}] error: the response could not be sent: ${describeError(err)}`);
      if (!res.headersSent) {
        return sendJson(res, 500, { error: { code: 'internal_error', message: 'the function failed' } });
      }
      res.destroy();
      return 500;
    }
  };

  const drainQueues = async (timeoutMs = 120_000): Promise<DrainResult> => {
    const results = await Promise.all(runners.map((r) => r.drain({ timeoutMs })));
    return results.reduce<DrainResult>(
      (a, r) => ({
        drained: a.drained && r.drained,
        processed: a.processed + r.processed,
        failed: a.failed + r.failed,
        poisoned: a.poisoned + r.poisoned,
        remaining: a.remaining + r.remaining,
      }),
      { drained: true, processed: 0, failed: 0, poisoned: 0, remaining: 0 },
    );
  };

  const handleQueuesAdmin = async (
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    method: string,
    rest: string[],
  ): Promise<number> => {
    if (!hasKey(req, url)) {
      return sendJson(res, 401, {
        error: { code: 'unauthorized', message: 'the admin API needs the function key' },
      });
    }
    await readAll(req);
    if (rest.length === 0 && method === 'GET') {
      const counts = await Promise.all(runners.map((r) => r.remaining().catch(() => -1)));
      return sendJson(res, 200, {
        queues: functions.filter((f) => f.kind === 'queue').map((f) => f.queueName),
        messages: counts.reduce((a, b) => (a < 0 || b < 0 ? -1 : a + b), 0),
      });
    }
    if (rest.length === 1 && rest[0]?.toLowerCase() === 'drain') {
      if (method !== 'POST') return sendJson(res, 405, methodNotAllowed('POST'), { allow: 'POST' });
      const timeout = Number(url.searchParams.get('timeoutSeconds') ?? '120');
      const result = await drainQueues(Number.isFinite(timeout) && timeout > 0 ? timeout * 1000 : 120_000);
      return sendJson(res, result.drained ? 200 : 504, result);
    }
    return sendNotFound(res);
  };

  const handleAdmin = async (
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    method: string,
    rest: string[],
  ): Promise<number> => {
    // The admin API needs the key, as the real host's master key (it can start collections).
    if (!hasKey(req, url)) {
      return sendJson(res, 401, {
        error: { code: 'unauthorized', message: 'the admin API needs the function key' },
      });
    }
    await readAll(req);
    if (rest.length === 0) {
      if (method !== 'GET') return sendJson(res, 405, methodNotAllowed('GET'), { allow: 'GET' });
      return sendJson(res, 200, functions);
    }
    const name = rest.join('/');
    const info = functions.find((f) => f.name.toLowerCase() === name.toLowerCase());
    if (!info || rest.length > 1) return sendNotFound(res);
    if (method === 'GET') return sendJson(res, 200, info);
    if (method !== 'POST') return sendJson(res, 405, methodNotAllowed('GET, POST'), { allow: 'GET, POST' });
    if (info.kind === 'http') {
      return sendJson(res, 400, {
        error: {
          code: 'http_function',
          message: `"${info.name}" is an HTTP function: call its route instead`,
        },
      });
    }
    // As the real host: accepted now, run in the background, outcome in the log.
    void runLogged(info.name, () => invoke(info.name));
    return sendJson(res, 202, undefined);
  };

  const server = createServer((req, res) => {
    handleHttp(req, res).catch((err: unknown) => {
      log(`[host] error: ${describeError(err)}`);
      if (!res.headersSent)
        sendJson(res, 500, { error: { code: 'internal_error', message: 'host failure' } });
      else res.destroy();
    });
  });
  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(options.port, options.hostname ?? '127.0.0.1', () => {
      server.off('error', fail);
      ok();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const baseUrl = `http://localhost:${port}`;

  // Timers and queue triggers start once the HTTP side is up, so they can call the routes.
  try {
    for (const t of timers.values()) startTimer(t, runTimer, runLogged);
    for (const r of runners) r.start();
  } catch (err) {
    stopTimers(timers);
    await closeServer(server);
    throw err;
  }

  for (const f of functions) log(`[host] ${describeFunction(f, baseUrl, routePrefix)}`);

  return {
    url: baseUrl,
    key,
    functions,
    invoke,
    drainQueues,
    async stop() {
      stopTimers(timers);
      await Promise.all(runners.map((r) => r.stop()));
      await closeServer(server);
      await Promise.allSettled([...inFlight]);
    },
  };
}

const TIMESPAN = /^(\d+):(\d{2}):(\d{2})$/;

function startTimer(
  t: TimerFunction,
  runTimer: (t: TimerFunction, isPastDue: boolean) => Promise<unknown>,
  runLogged: (name: string, run: () => Promise<unknown>) => Promise<void>,
): void {
  const name = t.reg.name;
  const span = TIMESPAN.exec(t.schedule);
  if (span) {
    // TimeSpan schedules ("hh:mm:ss", App Service plans) repeat from start.
    const ms = (Number(span[1]) * 3600 + Number(span[2]) * 60 + Number(span[3])) * 1000;
    if (ms <= 0) throw new Error(`${name}: schedule "${t.schedule}" must be longer than zero`);
    let nextAt = Date.now() + ms;
    t.next = () => new Date(nextAt);
    let running = false;
    t.interval = setInterval(() => {
      nextAt = Date.now() + ms;
      if (running) return; // one run at a time, as the host's singleton lock does
      running = true;
      void runLogged(name, () => runTimer(t, false)).finally(() => {
        running = false;
      });
    }, ms);
  } else {
    if (t.schedule.split(/\s+/).length !== 6) {
      throw new Error(`${name}: schedule "${t.schedule}" is not NCRONTAB with 6 fields (seconds first)`);
    }
    let expected: Date | null = null;
    let job: Cron;
    try {
      job = new Cron(
        t.schedule,
        {
          mode: '6-part',
          // Azure evaluates NCRONTAB in UTC unless WEBSITE_TIME_ZONE says otherwise.
          timezone: process.env.WEBSITE_TIME_ZONE || 'UTC',
          // One run at a time, as the host's singleton lock does.
          protect: true,
        },
        async (self) => {
          // Late by more than a second means this occurrence was missed (blocked loop, long run).
          const isPastDue = expected !== null && Date.now() - expected.getTime() > 1000;
          expected = self.nextRun();
          await runLogged(name, () => runTimer(t, isPastDue));
        },
      );
    } catch (err) {
      throw new Error(`${name}: schedule "${t.schedule}" is not valid NCRONTAB: ${describeError(err)}`);
    }
    expected = job.nextRun();
    t.job = job;
    t.next = () => job.nextRun();
  }
  if (t.runOnStartup) void runLogged(name, () => runTimer(t, false));
}

function stopTimers(timers: Map<string, TimerFunction>): void {
  for (const t of timers.values()) {
    t.job?.stop();
    if (t.interval) clearInterval(t.interval);
  }
}

function closeServer(server: import('node:http').Server): Promise<void> {
  return new Promise((ok) => {
    server.close(() => ok());
    server.closeAllConnections();
  });
}

function describeFunction(f: FunctionInfo, baseUrl: string, routePrefix: string): string {
  if (f.kind === 'http') {
    const prefix = routePrefix ? `/${routePrefix}` : '';
    return `${f.name}: [${f.methods?.join(',')}] ${baseUrl}${prefix}/${f.route} (${f.authLevel})`;
  }
  if (f.kind === 'queue') return `${f.name}: queue ${f.queueName} (connection ${f.connection})`;
  if (f.kind === 'timer') {
    const resolved = f.resolvedSchedule !== f.schedule ? ` = ${f.resolvedSchedule}` : '';
    return `${f.name}: timer ${f.schedule}${resolved}${f.runOnStartup ? ' (runOnStartup)' : ''}`;
  }
  return `${f.name}: ${f.triggerType}`;
}

function defaultHostJson(entryPoint: string): string {
  let dir = dirname(entryPoint.startsWith('file:') ? fileURLToPath(entryPoint) : resolve(entryPoint));
  while (!existsSync(join(dir, 'host.json'))) {
    const parent = dirname(dir);
    if (parent === dir) return join(process.cwd(), 'host.json');
    dir = parent;
  }
  return join(dir, 'host.json');
}

function readHostJson(file: string): unknown {
  if (!existsSync(file)) return {};
  return JSON.parse(readFileSync(file, 'utf8'));
}

function groupBy<T, K>(items: readonly T[], key: (t: T) => K): Map<K, T[]> {
  const out = new Map<K, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = out.get(k);
    if (list) list.push(item);
    else out.set(k, [item]);
  }
  return out;
}

/**
 * The queue service a trigger's `connection` names, resolved as the host does: a connection
 * string in the setting itself, else `<connection>__queueServiceUri` with DefaultAzureCredential.
 * Locally, when neither is set, the app's own STORAGE_CONNECTION_STRING (the queues it sends
 * to) is used, and said so.
 */
export function queuesForConnection(
  connection: string,
  env: Readonly<Record<string, string | undefined>>,
  log: (line: string) => void = () => {},
): AzureQueues {
  const settings = { tablePrefix: env.TABLE_PREFIX ?? 'rr' };
  const direct = env[connection]?.trim();
  if (direct) return AzureQueues.fromSettings({ ...settings, connectionString: direct });
  const uri = env[`${connection}__queueServiceUri`]?.trim() ?? env[`${connection}__serviceUri`]?.trim();
  if (uri) {
    return new AzureQueues(settings, new QueueServiceClient(uri, new DefaultAzureCredential()));
  }
  const app = env.STORAGE_CONNECTION_STRING?.trim();
  if (app) {
    log(
      `[host] queue connection ${connection} is not set; using STORAGE_CONNECTION_STRING, as the app sends there`,
    );
    return AzureQueues.fromSettings({ ...settings, connectionString: app });
  }
  throw new Error(
    `queue triggers name the connection ${connection}: set ${connection} (a connection string) or ${connection}__queueServiceUri`,
  );
}

/** Error name and where it was thrown; never the message, which may quote a body (e.g. JSON.parse). */
export function describeError(err: unknown): string {
  if (!(err instanceof Error)) return typeof err;
  const frame = err.stack
    ?.split('\n')
    .slice(1)
    .find((l) => l.trim().startsWith('at '))
    ?.trim();
  return frame ? `${err.name} ${frame}` : err.name;
}

function methodNotAllowed(allow: string) {
  return { error: { code: 'method_not_allowed', message: `use ${allow}` } };
}

function sendNotFound(res: ServerResponse): number {
  return sendJson(res, 404, { error: { code: 'not_found', message: 'no function serves this path' } });
}

function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): number {
  res.statusCode = status;
  for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
  if (body === undefined) {
    res.end();
  } else {
    res.setHeader('content-type', 'application/json; charset=utf-8');
    res.end(JSON.stringify(body));
  }
  return status;
}

function readAll(req: IncomingMessage): Promise<Buffer> {
  return new Promise((ok, fail) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => ok(Buffer.concat(chunks)));
    req.on('error', fail);
  });
}

function flattenHeaders(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    out[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

interface ResponseLike {
  status: number;
  headers: Headers;
  cookies: Cookie[];
  body: ReadableStream<Uint8Array> | null;
  arrayBuffer(): Promise<ArrayBuffer>;
}

/**
 * Writes the function's response. As the real host: buffered whole by default, streamed chunk
 * by chunk (chunked transfer encoding) when the app enabled HTTP streaming with app.setup.
 */
async function writeResponse(
  res: ServerResponse,
  result: unknown,
  HttpResponseClass: new (init?: HttpResponseInit) => ResponseLike,
  stream: boolean,
): Promise<number> {
  // An HttpResponse (or anything shaped like one) is used as is; a plain HttpResponseInit goes
  // through the library's own constructor, so jsonBody and defaults behave as in Azure.
  const response: ResponseLike = isResponseLike(result)
    ? result
    : new HttpResponseClass((result ?? {}) as HttpResponseInit);
  const head = () => {
    res.statusCode = response.status;
    for (const [name, value] of response.headers) {
      if (name.toLowerCase() !== 'set-cookie') res.setHeader(name, value);
    }
    const setCookies = [...response.headers.getSetCookie(), ...(response.cookies ?? []).map(serializeCookie)];
    if (setCookies.length > 0) res.setHeader('set-cookie', setCookies);
  };
  if (!stream || !response.body) {
    const body = Buffer.from(await response.arrayBuffer());
    head();
    res.end(body);
    return response.status;
  }
  head();
  res.flushHeaders();
  for await (const chunk of response.body) {
    if (res.destroyed) break; // the client went away: stop reading (cancels the body)
    // Respect the client's pace: wait for the socket to drain rather than queue the whole body.
    if (!res.write(chunk)) await drained(res);
  }
  res.end();
  return response.status;
}

function drained(res: ServerResponse): Promise<void> {
  return new Promise((ok) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      ok();
    };
    res.once('drain', done);
    res.once('close', done);
  });
}

function isResponseLike(value: unknown): value is ResponseLike {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as ResponseLike).arrayBuffer === 'function' &&
    (value as ResponseLike).headers instanceof Headers
  );
}

function serializeCookie(c: Cookie): string {
  const parts = [`${c.name}=${c.value}`];
  if (c.domain) parts.push(`Domain=${c.domain}`);
  if (c.path) parts.push(`Path=${c.path}`);
  if (c.expires !== undefined) parts.push(`Expires=${new Date(c.expires).toUTCString()}`);
  if (c.maxAge !== undefined) parts.push(`Max-Age=${c.maxAge}`);
  if (c.secure) parts.push('Secure');
  if (c.httpOnly) parts.push('HttpOnly');
  if (c.sameSite) parts.push(`SameSite=${c.sameSite}`);
  return parts.join('; ');
}
