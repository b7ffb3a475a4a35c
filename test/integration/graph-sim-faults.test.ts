/**
 * Faults, throttling budgets and JSON batching in the simulator, plus the `resetready sim`
 * command. Clients see these as real Graph would send them (graph.md §13–§15).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@microsoft/microsoft-graph-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseSimArgs, startSim } from '../../cli/commands/sim.js';
import { type GraphSimulator, startGraphSimulator } from '../../dev/graph-sim/server.js';
import { type Tenant, TenantBuilder } from '../../dev/graph-sim/tenant.js';
import { ensureDevCa } from '../../dev/tls.js';
import { testCaDir } from '../support/env.js';

let sim: GraphSimulator;
let tenant: Tenant;

type Json = Record<string, unknown>;

async function call(
  path: string,
  init: RequestInit = {},
): Promise<{ status: number; headers: Headers; body: Json }> {
  const res = await fetch(`${sim.baseUrl}${path}`, {
    ...init,
    headers: {
      Authorization: `Bearer ${sim.token}`,
      'Content-Type': 'application/json',
      ...(init.headers ?? {}),
    },
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? (JSON.parse(text) as Json) : {} };
}

function batch(requests: unknown[]) {
  return call('/v1.0/$batch', { method: 'POST', body: JSON.stringify({ requests }) });
}

beforeAll(async () => {
  const b = new TenantBuilder({ seed: 'faults' }).user('alice');
  for (let i = 0; i < 25; i++) b.device(`pc${i}`, { user: 'alice' });
  tenant = b.group('g', ['pc1', 'pc2']).build();
  sim = await startGraphSimulator({
    tenant,
    ca: await ensureDevCa(testCaDir()),
    faults: { retryAfterSeconds: 0.25 },
  });
});

afterAll(async () => {
  await sim?.stop();
});

describe('scripted faults', () => {
  it('429 with a fractional Retry-After (directory body) and without it (Intune body with details)', async () => {
    sim.failNext('GET /v1.0/organization', 1, '429');
    const a = await call('/v1.0/organization');
    expect(a.status).toBe(429);
    expect(a.headers.get('retry-after')).toBe('0.25');
    expect((a.body.error as Json).code).toBe('TooManyRequests');
    sim.failNext('deviceManagement/managedDevices', 1, '429-no-retry-after');
    const b = await call('/v1.0/deviceManagement/managedDevices');
    expect(b.status).toBe(429);
    expect(b.headers.get('retry-after')).toBeNull();
    expect(b.body.error).toMatchObject({ code: 'TooManyRequests', details: [] });
    expect((await call('/v1.0/deviceManagement/managedDevices')).status).toBe(200);
  });

  it('503 with Retry-After, 504, and an Intune 403 whose message is embedded JSON', async () => {
    sim.failNext('organization', 1, '503');
    const a = await call('/v1.0/organization');
    expect([a.status, (a.body.error as Json).code, a.headers.get('retry-after')]).toEqual([
      503,
      'serviceNotAvailable',
      '0.25',
    ]);
    sim.failNext('organization', 1, '504');
    expect((await call('/v1.0/organization')).status).toBe(504);
    sim.failNext('managedDevices', 1, '403-intune');
    const f = await call('/beta/deviceManagement/managedDevices');
    expect(f.status).toBe(403);
    expect(JSON.parse((f.body.error as Json).message as string).Message).toContain(
      'Application is not authorized',
    );
  });

  it('drops the connection for "reset", then serves the next request', async () => {
    sim.failNext('GET /v1.0/organization', 1, 'reset');
    await expect(call('/v1.0/organization')).rejects.toThrow();
    expect((await call('/v1.0/organization')).status).toBe(200);
  });

  it('the SDK RetryHandler retries 429s and sends Retry-Attempt', async () => {
    sim.setFaults({ retryAfterSeconds: 0 });
    sim.resetStats();
    sim.failNext('GET /v1.0/organization', 2, '429');
    const client = Client.initWithMiddleware({
      authProvider: { getAccessToken: async () => sim.token },
      baseUrl: sim.baseUrl,
      customHosts: new Set(['localhost']),
    });
    const org = await client.api('/organization').get();
    expect(org.value[0].id).toBe(tenant.tenantId);
    expect(sim.requestLog().map((e) => [e.status, e.headers.retryAttempt ?? null])).toEqual([
      [429, null],
      [429, '1'],
      [200, '2'],
    ]);
    expect(sim.stats().faultsByKind).toEqual({ '429': 2 });
    sim.setFaults({ retryAfterSeconds: 0.25 });
  });
});

describe('random faults', () => {
  it('injects the configured kinds at about the configured rate, reproducibly for a seed', async () => {
    const runOnce = async () => {
      sim.setFaults({
        rate: 0.25,
        kinds: ['503', '429-no-retry-after'],
        seed: 'rate',
        retryAfterSeconds: 0.25,
      });
      sim.resetStats();
      const statuses: number[] = [];
      for (let i = 0; i < 200; i++) statuses.push((await call('/v1.0/devices?$top=1')).status);
      sim.setFaults({ rate: 0 });
      return statuses;
    };
    const first = await runOnce();
    const faults = first.filter((s) => s !== 200);
    expect(new Set(faults)).toEqual(new Set([503, 429]));
    // Binomial(200, 0.25): mean 50, sd ≈ 6.1.
    expect(faults.length).toBeGreaterThan(25);
    expect(faults.length).toBeLessThan(75);
    expect(sim.stats().faultsInjected).toBe(faults.length);
    expect(await runOnce()).toEqual(first);
  });
});

describe('$batch', () => {
  it('rejects more than 20 requests with 400', async () => {
    const r = await batch(
      Array.from({ length: 21 }, (_, i) => ({ id: String(i), method: 'GET', url: '/organization' })),
    );
    expect(r.status).toBe(400);
    expect((r.body.error as Json).code).toBe('BadRequest');
  });

  it('runs relative urls, answers every id in shuffled order, and counts items by endpoint', async () => {
    sim.resetStats();
    const devices = tenant.devices.slice(0, 20);
    const r = await batch(
      devices.map((d, i) => ({
        id: String(i + 1),
        method: 'GET',
        url: `/devices/${d.id}?$select=id,deviceId`,
      })),
    );
    expect(r.status).toBe(200);
    const responses = r.body.responses as { id: string; status: number; body: Json }[];
    expect(responses.map((x) => x.id).sort()).toEqual(devices.map((_, i) => String(i + 1)).sort());
    expect(responses.map((x) => x.id)).not.toEqual(devices.map((_, i) => String(i + 1)));
    for (const x of responses) expect(x.body.deviceId).toBe(devices[Number(x.id) - 1]?.deviceId);
    expect(sim.stats().batchItemsByEndpoint).toEqual({ 'GET /v1.0/devices/{id}': 20 });
    expect(sim.stats().requestsByEndpoint).toEqual({ 'POST /v1.0/$batch': 1 });
  });

  it('throttles single items with Retry-After in the item headers while the batch is 200', async () => {
    sim.failNext('transitiveMembers', 1, '429');
    const g = tenant.group('g')?.id;
    const r = await batch([
      { id: 'a', method: 'GET', url: `/groups/${g}/transitiveMembers/microsoft.graph.device?$select=id` },
      { id: 'b', method: 'GET', url: 'organization?$select=id' },
    ]);
    expect(r.status).toBe(200);
    const byId = Object.fromEntries(
      (r.body.responses as { id: string; status: number; headers: Json }[]).map((x) => [x.id, x]),
    );
    expect(byId.a?.status).toBe(429);
    expect(byId.a?.headers['Retry-After']).toBe('0.25');
    expect(byId.b?.status).toBe(200);
  });

  it('can fail the envelope itself when scripted (random faults only hit items)', async () => {
    sim.failNext('POST /v1.0/$batch', 1, '503');
    const r = await batch([{ id: '1', method: 'GET', url: '/organization' }]);
    expect(r.status).toBe(503);
    expect((await batch([{ id: '1', method: 'GET', url: '/organization' }])).status).toBe(200);
  });

  it('fails dependants of a failed request with 424', async () => {
    const r = await batch([
      { id: '1', method: 'GET', url: '/devices/00000000-0000-0000-0000-000000000001' },
      { id: '2', method: 'GET', url: '/organization', dependsOn: ['1'] },
      { id: '3', method: 'GET', url: '/organization', dependsOn: ['2'] },
    ]);
    const statuses = Object.fromEntries(
      (r.body.responses as { id: string; status: number }[]).map((x) => [x.id, x.status]),
    );
    expect(statuses).toEqual({ '1': 404, '2': 424, '3': 424 });
  });
});

describe('request budgets', () => {
  it('throttles a family past its budget for the window, without Retry-After on Intune', async () => {
    let now = Date.parse('2025-06-02T08:00:00Z');
    const s = await startGraphSimulator({
      tenant,
      ca: await ensureDevCa(testCaDir()),
      budgets: { windowSeconds: 20, intuneDevices: 3 },
      clock: () => now,
    });
    try {
      const get = (p: string) =>
        fetch(`${s.baseUrl}${p}`, { headers: { Authorization: `Bearer ${s.token}` } });
      const statuses = [];
      for (let i = 0; i < 4; i++) statuses.push((await get('/v1.0/deviceManagement/managedDevices')).status);
      expect(statuses).toEqual([200, 200, 200, 429]);
      expect((await get('/v1.0/organization')).status).toBe(200);
      now += 20_000;
      expect((await get('/v1.0/deviceManagement/managedDevices')).status).toBe(200);
      expect(s.stats().throttledByBudget).toBe(1);
    } finally {
      await s.stop();
    }
  });
});

describe('resetready sim', () => {
  it('parses its flags and rejects unknown ones', () => {
    expect(
      parseSimArgs([
        '--devices',
        '50',
        '--seed=abc',
        '--fault-rate',
        '0.1',
        '--latency-ms',
        '5',
        '--port',
        '0',
      ]),
    ).toMatchObject({
      devices: 50,
      seed: 'abc',
      faultRate: 0.1,
      latencyMs: 5,
      port: 0,
    });
    expect(() => parseSimArgs(['--fault-rate', '2'])).toThrow(/--fault-rate/);
    expect(() => parseSimArgs(['--nope', '1'])).toThrow(/unknown option/);
    // The tenant clock: the real one unless fixed, and a bad date is named.
    expect(parseSimArgs([]).now).toBeUndefined();
    expect(parseSimArgs(['--now', '2031-02-03T04:05:06+01:00']).now).toBe('2031-02-03T03:05:06.000Z');
    expect(() => parseSimArgs(['--now', 'tomorrow'])).toThrow(/--now must be an ISO 8601/);
    // Streaming mode takes no value; the tenant is rendered per page instead of held.
    expect(parseSimArgs(['--streaming', '--devices', '1000000'])).toMatchObject({
      streaming: true,
      devices: 1_000_000,
    });
    expect(parseSimArgs([]).streaming).toBe(false);
  });

  it('prints export lines that reach a working simulator', async () => {
    const caDir = mkdtempSync(join(tmpdir(), 'rr-sim-ca-'));
    const { sim: s, lines } = await startSim({ ...parseSimArgs(['--devices', '40']), caDir });
    try {
      const env = Object.fromEntries(
        lines.filter((l) => l.startsWith('export ')).map((l) => l.slice(7).split(/=(.*)/s)),
      );
      expect(Object.keys(env)).toEqual([
        'GRAPH_BASE_URL',
        'GRAPH_ACCESS_TOKEN',
        'GRAPH_TENANT_ID',
        'NODE_EXTRA_CA_CERTS',
      ]);
      expect(env.NODE_EXTRA_CA_CERTS).toBe(join(caDir, 'ca.pem'));
      // This process trusts only the test CA, so verify with the printed CA explicitly.
      const { request } = await import('node:https');
      const { readFileSync } = await import('node:fs');
      const body = await new Promise<string>((resolve, reject) => {
        request(
          `${env.GRAPH_BASE_URL}/v1.0/deviceManagement/managedDevices?$select=id&$top=5`,
          {
            headers: { Authorization: `Bearer ${env.GRAPH_ACCESS_TOKEN}` },
            ca: readFileSync(env.NODE_EXTRA_CA_CERTS as string),
          },
          (res) => {
            let t = '';
            res.on('data', (c) => (t += c));
            res.on('end', () => resolve(t));
          },
        )
          .on('error', reject)
          .end();
      });
      expect(JSON.parse(body).value).toHaveLength(5);
      expect(s.tenant.tenantId).toBe(env.GRAPH_TENANT_ID);
    } finally {
      await s.stop();
    }
  });
});
