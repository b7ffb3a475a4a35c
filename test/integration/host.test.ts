/**
 * The local Functions host (dev/host.ts) serves a real @azure/functions app the way Azure
 * does: routes under /api with params, methods, auth levels, timers on NCRONTAB schedules,
 * and the admin API. The app is test/support/host-test-app.ts, loaded through the recording
 * @azure/functions-core exactly like the built entry point.
 */
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalHost, startLocalHost } from '../../dev/host.js';

const KEY = 'host-test-key-0123456789';
const ENTRY = fileURLToPath(new URL('../support/host-test-app.ts', import.meta.url));

let host: LocalHost;
const logs: string[] = [];

async function waitForLog(pattern: RegExp, count = 1, timeoutMs = 5000): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const hits = logs.filter((l) => pattern.test(l));
    if (hits.length >= count) return hits;
    if (Date.now() > deadline)
      throw new Error(`no ${count} log lines matching ${pattern}; got:\n${logs.join('\n')}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

beforeAll(async () => {
  process.env.RR_HOST_TEST_SCHEDULE = '0 30 4 * * *';
  host = await startLocalHost({ port: 0, entryPoint: ENTRY, key: KEY, log: (line) => logs.push(line) });
});

afterAll(async () => {
  await host?.stop();
});

describe('local host: HTTP functions', () => {
  it('lists every registered function with its trigger settings', () => {
    expect(host.functions).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          name: 'getThing',
          kind: 'http',
          route: 'things/{id}/{*rest}',
          methods: ['GET'],
        }),
        expect.objectContaining({
          name: 'echo',
          kind: 'http',
          methods: ['POST', 'PUT'],
          authLevel: 'function',
        }),
        expect.objectContaining({ name: 'tick', kind: 'timer', schedule: '*/1 * * * * *' }),
        expect.objectContaining({ name: 'nightly', kind: 'timer', schedule: '0 0 3 * * *' }),
        expect.objectContaining({
          name: 'fromSetting',
          schedule: '%RR_HOST_TEST_SCHEDULE%',
          resolvedSchedule: '0 30 4 * * *',
        }),
      ]),
    );
    expect(host.functions).toHaveLength(6);
  });

  it('routes /api/<route> with route params, catch-all, repeated query names and headers', async () => {
    const res = await fetch(`${host.url}/api/things/42/a/b%20c?tag=x&tag=y`, {
      headers: { accept: 'application/json' },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await res.json()).toEqual({
      id: '42',
      rest: 'a/b c',
      tags: ['x', 'y'],
      accept: 'application/json',
    });
    await waitForLog(/^\[getThing\] information: get thing 42$/);
  });

  it('answers 404 for paths no function serves', async () => {
    for (const path of ['/api/nothing', '/api/things', '/elsewhere/things/1/x', '/']) {
      const res = await fetch(`${host.url}${path}`);
      expect(res.status, path).toBe(404);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('not_found');
    }
  });

  it('answers 405 with Allow for a known route and another method', async () => {
    const res = await fetch(`${host.url}/api/echo?code=${KEY}`);
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('POST, PUT');
  });

  it('requires the key for authLevel function, by header or code query', async () => {
    const noKey = await fetch(`${host.url}/api/echo`, { method: 'POST', body: 'x' });
    expect(noKey.status).toBe(401);
    const wrongKey = await fetch(`${host.url}/api/echo`, {
      method: 'POST',
      body: 'x',
      headers: { 'x-functions-key': `${KEY}x` },
    });
    expect(wrongKey.status).toBe(401);
    const byQuery = await fetch(`${host.url}/api/echo?code=${encodeURIComponent(KEY)}`, {
      method: 'POST',
      body: 'x',
    });
    expect(byQuery.status).toBe(201);
    // The key in the query string never reaches the log.
    expect(logs.join('\n')).not.toContain(KEY);
  });

  it('round-trips binary bodies, headers, status and cookies', async () => {
    const bytes = new Uint8Array(70_000).map((_, i) => (i * 31) % 256);
    const res = await fetch(`${host.url}/api/echo`, {
      method: 'PUT',
      body: bytes,
      headers: { 'x-functions-key': KEY, 'content-type': 'application/x-test', 'x-custom': 'hello' },
    });
    expect(res.status).toBe(201);
    expect(res.headers.get('content-type')).toBe('application/x-test');
    expect(res.headers.get('x-echo-method')).toBe('PUT');
    expect(res.headers.get('x-echo-header')).toBe('hello');
    expect(res.headers.getSetCookie()).toEqual(['seen=1; HttpOnly']);
    expect(new Uint8Array(await res.arrayBuffer())).toEqual(bytes);
  });

  it('turns a handler error into a 500 JSON error and logs it without the body', async () => {
    const res = await fetch(`${host.url}/api/fails`, { method: 'POST', body: 'secret-body-not-json' });
    expect(res.status).toBe(500);
    expect(await res.json()).toEqual({ error: { code: 'internal_error', message: 'the function failed' } });
    await waitForLog(/^\[fails\] error: unhandled: SyntaxError/);
    expect(logs.join('\n')).not.toContain('secret-body');
  });
});

describe('local host: timers and the admin API', () => {
  it('fires a timer on its NCRONTAB schedule with a Timer object', async () => {
    const ticks = await waitForLog(/^\[tick\] information: tick isPastDue=false next=/, 2, 4000);
    const next = /next=(\S+)/.exec(ticks[0]!)![1]!;
    expect(new Date(next).getUTCMilliseconds()).toBe(0);
  });

  it('lists functions at GET /admin/functions, with the key only', async () => {
    expect((await fetch(`${host.url}/admin/functions`)).status).toBe(401);
    const res = await fetch(`${host.url}/admin/functions`, { headers: { 'x-functions-key': KEY } });
    expect(res.status).toBe(200);
    const names = ((await res.json()) as { name: string }[]).map((f) => f.name).sort();
    expect(names).toEqual(['echo', 'fails', 'fromSetting', 'getThing', 'nightly', 'tick']);
  });

  it('runs a timer now on POST /admin/functions/<name> (202)', async () => {
    expect(logs.some((l) => l.startsWith('[nightly]'))).toBe(false);
    const res = await fetch(`${host.url}/admin/functions/nightly`, {
      method: 'POST',
      headers: { 'x-functions-key': KEY, 'content-type': 'application/json' },
      body: '{"input":""}',
    });
    expect(res.status).toBe(202);
    await waitForLog(/^\[nightly\] information: nightly ran isPastDue=false$/);
  });

  it('refuses admin invocation of unknown and HTTP functions', async () => {
    const headers = { 'x-functions-key': KEY };
    expect((await fetch(`${host.url}/admin/functions/nope`, { method: 'POST', headers })).status).toBe(404);
    expect((await fetch(`${host.url}/admin/functions/echo`, { method: 'POST', headers })).status).toBe(400);
  });

  it('invokes a timer programmatically', async () => {
    const before = logs.filter((l) => l.startsWith('[nightly]')).length;
    await host.invoke('nightly');
    expect(logs.filter((l) => l.startsWith('[nightly]')).length).toBe(before + 1);
    await expect(host.invoke('nope')).rejects.toThrow(/no function named "nope"/);
  });
});
