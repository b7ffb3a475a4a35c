/**
 * The deployed entry point (package.json "main", built) registers every function the product
 * promises, as the Azure Functions worker would see it: the test loads it in a fresh Node
 * process with the recording @azure/functions-core injected (dev/functions-core.ts), then
 * serves it with `resetready serve` and talks to it over HTTP.
 *
 * To add a function: add a row to EXPECTED. The set must match exactly, so a function that
 * is registered but not listed (or listed but not registered) fails the test.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SETTING_NAMES } from '../../shared/config.js';
import { testStorageConnectionString, uniqueTablePrefix } from '../support/env.js';

type Expected =
  | {
      name: string;
      http: { route: string; methods: string[]; authLevel: 'anonymous' | 'function' | 'admin' };
    }
  | { name: string; timer: { schedule: string; runOnStartup?: boolean } }
  | { name: string; queue: { queueName: string; connection: string } };

const EXPECTED: Expected[] = [
  { name: 'ingestReport', http: { route: 'reports', methods: ['POST'], authLevel: 'anonymous' } },
  // Schedules = COLLECT_SCHEDULE's and REPORT_SCHEDULE's defaults.
  { name: 'collectInventory', timer: { schedule: '0 0 */6 * * *' } },
  { name: 'weeklyReport', timer: { schedule: '0 0 7 * * 1' } },
  // Daily staleness and alerts, whether or not a collection succeeds (fixed schedule).
  { name: 'freshnessSweep', timer: { schedule: '0 0 6 * * *' } },
  { name: 'summary', http: { route: 'summary', methods: ['GET'], authLevel: 'function' } },
  { name: 'devices', http: { route: 'devices', methods: ['GET'], authLevel: 'function' } },
  { name: 'odata', http: { route: 'odata/{*path}', methods: ['GET'], authLevel: 'function' } },
  { name: 'alerts', http: { route: 'alerts', methods: ['GET'], authLevel: 'function' } },
  { name: 'latestReport', http: { route: 'reports/latest', methods: ['GET'], authLevel: 'function' } },
  // A platform health probe carries no key; it answers only statuses and ages.
  { name: 'health', http: { route: 'health', methods: ['GET'], authLevel: 'anonymous' } },
  // Queue names = `<TABLE_PREFIX lower case>-<work>`; TABLE_PREFIX is ENTRY_PREFIX below.
  { name: 'recomputePosture', queue: { queueName: 'QUEUE-recompute', connection: 'RESETREADY_QUEUES' } },
  {
    name: 'recomputePosturePoison',
    queue: { queueName: 'QUEUE-recompute-poison', connection: 'RESETREADY_QUEUES' },
  },
  { name: 'deviceDetail', http: { route: 'devices/{deviceId}', methods: ['GET'], authLevel: 'function' } },
  { name: 'trend', http: { route: 'trend', methods: ['GET'], authLevel: 'function' } },
  { name: 'tenant', http: { route: 'tenant', methods: ['GET'], authLevel: 'function' } },
  // The console: no function key (a browser has none); the app demands an Entra ID sign-in.
  ...(
    [
      ['consoleOverview', 'console'],
      ['consoleDevices', 'console/devices'],
      ['consoleDevice', 'console/devices/{deviceId}'],
      ['consoleReason', 'console/reasons/{code}'],
      ['consoleTenant', 'console/tenant'],
      ['consoleAlerts', 'console/alerts'],
      ['consoleReport', 'console/report'],
      ['consoleData', 'console/data/{*path}'],
      ['consoleAsset', 'console/assets/{name}'],
    ] as const
  ).map(([name, route]): Expected => ({ name, http: { route, methods: ['GET'], authLevel: 'anonymous' } })),
];

const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const MAIN = join(
  ROOT,
  (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { main: string }).main,
);
const RECORDER = join(ROOT, 'dist', 'dev', 'functions-core.js');
const CLI = join(ROOT, 'dist', 'cli', 'resetready.js');
const MARK = '@@registrations@@';

/** The inherited environment without any product setting, so defaults apply unless a test sets one. */
function baseEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of SETTING_NAMES) delete env[name];
  delete env.FUNCTIONS_KEY;
  return { ...env, ...extra };
}

function validSettings(): Record<string, string> {
  return {
    STORAGE_CONNECTION_STRING: testStorageConnectionString(),
    TABLE_PREFIX: uniqueTablePrefix('entry'),
    // Never contacted: the composition root connects on first use, not at load.
    GRAPH_BASE_URL: 'https://localhost:9',
  };
}

/** Loads the entry point in a fresh process as the worker does and returns what it registered. */
function loadEntryPoint(env: NodeJS.ProcessEnv) {
  const script = `
    const { installRecordingCore, triggerOf } = await import(${JSON.stringify(pathToFileURL(RECORDER).href)});
    const core = installRecordingCore();
    await import(${JSON.stringify(pathToFileURL(MAIN).href)});
    const out = core.registrations.map((r) => ({ name: r.name, trigger: triggerOf(r.metadata) }));
    process.stdout.write('\\n${MARK}' + JSON.stringify({ out, httpStream: core.httpStream }) + '\\n', () => process.exit(0));
  `;
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    cwd: ROOT,
    env,
    encoding: 'utf8',
    timeout: 30_000,
  });
  const line = child.stdout.split('\n').find((l) => l.startsWith(MARK));
  const loaded = line
    ? (JSON.parse(line.slice(MARK.length)) as {
        out: { name: string; trigger?: Record<string, unknown> & { type: string } }[];
        httpStream: boolean;
      })
    : undefined;
  return {
    status: child.status,
    stderr: child.stderr,
    registrations: loaded?.out,
    httpStream: loaded?.httpStream,
  };
}

beforeAll(() => {
  // dist/ is built once per test run by test/global-setup.ts (the same tsc as `npm run build`).
  for (const file of [MAIN, RECORDER, CLI]) {
    if (!statSync(file, { throwIfNoEntry: false }))
      throw new Error(`${file} is missing: the build did not emit it`);
  }
});

describe('deployed entry point (package.json main)', () => {
  it('registers exactly the expected functions, with their routes, methods, auth levels and schedules', () => {
    const loaded = loadEntryPoint(baseEnv(validSettings()));
    expect(loaded.stderr).not.toMatch(/test mode/);
    expect(loaded.status, loaded.stderr).toBe(0);
    const actual = (loaded.registrations ?? []).map((r): Expected => {
      const t = r.trigger;
      if (t?.type === 'httpTrigger') {
        return {
          name: r.name,
          http: {
            route: String(t.route ?? r.name),
            methods: ((t.methods as string[]) ?? []).map((m) => m.toUpperCase()).sort(),
            authLevel: t.authLevel as 'anonymous',
          },
        };
      }
      if (t?.type === 'timerTrigger') {
        // A %SETTING% reference is resolved from the (default-free) environment, as Azure does.
        const schedule = String(t.schedule).replace(
          /%([^%]+)%/g,
          (_, n: string) => process.env[n] ?? `%${n}%`,
        );
        return { name: r.name, timer: { schedule, ...(t.runOnStartup ? { runOnStartup: true } : {}) } };
      }
      if (t?.type === 'queueTrigger') {
        // The prefix is per test run; compare the part after it.
        const queueName = String(t.queueName).replace(/^[a-z0-9]+-/, 'QUEUE-');
        return { name: r.name, queue: { queueName, connection: String(t.connection) } };
      }
      return { name: r.name, unexpectedTrigger: t?.type } as unknown as Expected;
    });
    const byName = (a: Expected, b: Expected) => a.name.localeCompare(b.name);
    expect(actual.sort(byName)).toEqual([...EXPECTED].sort(byName));
  });

  it('turns HTTP streaming on, so the host passes the device CSV through as it is written', () => {
    const loaded = loadEntryPoint(baseEnv(validSettings()));
    expect(loaded.status, loaded.stderr).toBe(0);
    expect(loaded.httpStream).toBe(true);
  });

  it('keeps the two surfaces apart: keyed read API, device signature or health outside /console, sign-in inside', () => {
    // App Service Authentication runs in "allow anonymous" mode (infra/modules/console-auth.bicep),
    // so nothing but the function key, the device signature or the app's own sign-in check
    // guards a route: a route outside /console that needs neither key nor signature would be open.
    const open = EXPECTED.flatMap((e) =>
      'http' in e && e.http.authLevel === 'anonymous' && !e.http.route.startsWith('console') ? [e.name] : [],
    );
    expect(open.sort()).toEqual(['health', 'ingestReport']);
    const keyedConsole = EXPECTED.filter(
      (e) => 'http' in e && e.http.route.startsWith('console') && e.http.authLevel !== 'anonymous',
    );
    expect(keyedConsole).toEqual([]);
  });

  it('fails at load with every configuration problem when settings are wrong', () => {
    const loaded = loadEntryPoint(baseEnv({ TRUST_MODE: 'sometimes' }));
    expect(loaded.status).not.toBe(0);
    expect(loaded.registrations).toBeUndefined();
    expect(loaded.stderr).toContain('STORAGE_CONNECTION_STRING');
    expect(loaded.stderr).toContain('TRUST_MODE must be "graph" or "certificate-only"');
  });

  it('fails at load naming a schedule setting that is not NCRONTAB, before any timer is registered', () => {
    const loaded = loadEntryPoint(baseEnv({ ...validSettings(), COLLECT_SCHEDULE: '0 0 25 * * *' }));
    expect(loaded.status).not.toBe(0);
    expect(loaded.registrations).toBeUndefined();
    expect(loaded.stderr).toContain(
      'COLLECT_SCHEDULE is not a valid NCRONTAB expression (got "0 0 25 * * *"): Invalid value for hour: 25',
    );
    expect(loaded.stderr).not.toMatch(/^CronPattern/m);
  });
});

describe('resetready serve', () => {
  let dir: string;
  let child: ChildProcess | undefined;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'resetready-serve-'));
  });
  afterAll(() => {
    child?.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  function serve(env: NodeJS.ProcessEnv) {
    const proc = spawn(process.execPath, [CLI, 'serve', '--port', '0'], { cwd: dir, env });
    let stdout = '';
    let stderr = '';
    proc.stdout?.on('data', (c: Buffer) => {
      stdout += c.toString();
    });
    proc.stderr?.on('data', (c: Buffer) => {
      stderr += c.toString();
    });
    const exited = new Promise<number | null>((ok) => proc.on('exit', (code) => ok(code)));
    return { proc, exited, out: () => stdout, err: () => stderr };
  }

  it('exits 2 with the configuration problems when settings are missing', async () => {
    const run = serve(baseEnv({}));
    expect(await run.exited).toBe(2);
    expect(run.err()).toMatch(/Invalid configuration:\n\s+- set STORAGE_CONNECTION_STRING/);
  });

  it('serves the app with local.settings.json applied, and stops on SIGTERM', async () => {
    const settings = validSettings();
    // The file supplies storage; the environment supplies Graph and wins over the file.
    writeFileSync(
      join(dir, 'local.settings.json'),
      JSON.stringify({
        IsEncrypted: false,
        Values: {
          STORAGE_CONNECTION_STRING: settings.STORAGE_CONNECTION_STRING,
          TABLE_PREFIX: settings.TABLE_PREFIX,
          GRAPH_BASE_URL: 'not a url',
        },
      }),
    );
    const run = serve(baseEnv({ GRAPH_BASE_URL: settings.GRAPH_BASE_URL!, FUNCTIONS_KEY: 'serve-test-key' }));
    child = run.proc;
    const deadline = Date.now() + 30_000;
    let url: string | undefined;
    while (!url && Date.now() < deadline) {
      url = /functions on (http:\/\/localhost:\d+)/.exec(run.out())?.[1];
      if (!url) await new Promise((r) => setTimeout(r, 50));
    }
    expect(url, `${run.out()}\n${run.err()}`).toBeDefined();
    expect(run.out()).toMatch(/ingestReport: \[POST\] http:\/\/localhost:\d+\/api\/reports \(anonymous\)/);

    // The real ingest handler answers (an unsigned upload is refused with the JSON error shape).
    const res = await fetch(`${url}/api/reports`, { method: 'POST', body: '{}' });
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    expect([404, 405]).not.toContain(res.status);
    expect(((await res.json()) as { error: { code: string } }).error.code).toEqual(expect.any(String));

    const admin = await fetch(`${url}/admin/functions`, { headers: { 'x-functions-key': 'serve-test-key' } });
    expect(((await admin.json()) as { name: string }[]).map((f) => f.name).sort()).toEqual(
      EXPECTED.map((e) => e.name).sort(),
    );

    run.proc.kill('SIGTERM');
    expect(await run.exited).toBe(0);
    child = undefined;
    expect(run.err()).toBe('');
  });

  it('with DEV_SIGN_IN=off nothing plays the platform, so a principal header from a client opens nothing', async () => {
    const settings = validSettings();
    const run = serve(baseEnv({ ...settings, DEV_SIGN_IN: 'off' }));
    child = run.proc;
    const deadline = Date.now() + 30_000;
    let url: string | undefined;
    while (!url && Date.now() < deadline) {
      url = /functions on (http:\/\/localhost:\d+)/.exec(run.out())?.[1];
      if (!url) await new Promise((r) => setTimeout(r, 50));
    }
    expect(url, `${run.out()}\n${run.err()}`).toBeDefined();
    expect(run.out()).not.toContain('local sign-in');
    const forged = Buffer.from(
      JSON.stringify({
        auth_typ: 'aad',
        claims: [
          { typ: 'name', val: 'mallory' },
          { typ: 'roles', val: 'ResetReady.Admin' },
        ],
      }),
    ).toString('base64');
    const res = await fetch(`${url}/api/console/data/summary`, {
      headers: { 'x-ms-client-principal': forged },
    });
    expect(res.status).toBe(401);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('sign_in_not_configured');
    const login = await fetch(`${url}/.auth/login/aad`);
    expect(login.status).toBe(404);
    run.proc.kill('SIGTERM');
    expect(await run.exited).toBe(0);
    child = undefined;
  });
});
