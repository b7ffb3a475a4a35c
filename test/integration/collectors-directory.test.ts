/**
 * Directory-side collectors (groups, tenant id, PIN reset apps) through createGraphPort against
 * the HTTPS Graph simulator: real wire format, paging, $batch shuffling and request counts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type GraphSimulator, startGraphSimulator } from '../../dev/graph-sim/server.js';
import { type Tenant, TenantBuilder } from '../../dev/graph-sim/tenant.js';
import { ensureDevCa } from '../../dev/tls.js';
import { createGraphPort } from '../../shared/graph/client.js';
import { collectGroupMembers } from '../../shared/graph/collectors/groups.js';
import { collectTenantReadiness, resolveTenantId } from '../../shared/graph/collectors/tenant.js';
import { testCaDir } from '../support/env.js';

let sim: GraphSimulator;
let tenant: Tenant;

function port(s: GraphSimulator, maxRetries = 3) {
  return createGraphPort(
    { baseUrl: s.baseUrl, accessToken: s.token, maxConcurrency: 4, maxRetries },
    { backoff: { baseDelayMs: 5, maxDelayMs: 50 } },
  );
}

beforeAll(async () => {
  const b = new TenantBuilder({ seed: 'collectors-directory' }).user('alice').user('bob').user('carol');
  for (let i = 0; i < 12; i++) b.device(`pc${i}`, { user: i % 2 ? 'alice' : 'bob' });
  b.group('inner', ['pc1', 'pc2', 'bob'])
    .group('middle', ['inner', 'pc3'])
    .group('outer', ['middle', 'pc4', 'alice'])
    .group(
      'big',
      Array.from({ length: 12 }, (_v, i) => `pc${i}`),
    )
    .group('empty', []);
  tenant = b.build();
  sim = await startGraphSimulator({
    tenant,
    ca: await ensureDevCa(testCaDir()),
    pageSizes: { directory: 5 },
    quirks: {},
    faults: { seed: 3 },
  });
});

afterAll(async () => {
  await sim?.stop();
});

const entraId = (name: string) => tenant.entraDevice(name)!.id;
const deviceIdOf = (name: string) => tenant.entraDevice(name)!.deviceId;
const userId = (name: string) => tenant.user(name)!.id;
const groupId = (name: string) => tenant.group(name)!.id;

describe('collectGroupMembers', () => {
  it('returns transitive device and user members of nested groups and the deviceId → id map', async () => {
    sim.resetStats();
    const graph = port(sim);
    const m = await collectGroupMembers(graph, ['outer', 'big', 'empty'].map(groupId));
    expect([...m.devicesOf(groupId('outer'))].sort()).toEqual(
      ['pc1', 'pc2', 'pc3', 'pc4'].map(entraId).sort(),
    );
    expect([...m.usersOf(groupId('outer'))].sort()).toEqual(['alice', 'bob'].map(userId).sort());
    expect(m.devicesOf(groupId('big')).size).toBe(12);
    expect(m.usersOf(groupId('big')).size).toBe(0);
    expect(m.devicesOf(groupId('empty')).size).toBe(0);
    for (let i = 0; i < 12; i++)
      expect(m.objectIdByDeviceId.get(deviceIdOf(`pc${i}`))).toBe(entraId(`pc${i}`));
    expect(m.unmappedDeviceMembers).toBe(0);
    // Upper-case ids from callers still match.
    expect(m.devicesOf(groupId('outer').toUpperCase()).size).toBe(4);

    // Every group's devices and users in one $batch ($top=999 covers these groups in one page each).
    const s = sim.stats();
    expect(s.total).toBe(1);
    expect(s.requestsByEndpoint['POST /v1.0/$batch']).toBe(1);
    expect(s.batchItemsByEndpoint['GET /v1.0/groups/{id}/transitiveMembers/microsoft.graph.device']).toBe(3);
    expect(s.batchItemsByEndpoint['GET /v1.0/groups/{id}/transitiveMembers/microsoft.graph.user']).toBe(3);
    expect(graph.stats().requestsByEndpoint).toEqual({
      'POST /v1.0/$batch': 1,
      'GET /v1.0/groups/{id}/transitiveMembers/microsoft.graph.device (in $batch)': 3,
      'GET /v1.0/groups/{id}/transitiveMembers/microsoft.graph.user (in $batch)': 3,
    });
  });

  it('treats a deleted group as empty and not found', async () => {
    const m = await collectGroupMembers(port(sim), ['0b6a1f5e-0000-4000-8000-00000000dead']);
    expect(m.groups.get('0b6a1f5e-0000-4000-8000-00000000dead')).toMatchObject({ found: false });
    expect(m.devicesOf('0b6a1f5e-0000-4000-8000-00000000dead').size).toBe(0);
  });

  it('re-sends throttled batch items until they succeed', async () => {
    sim.resetStats();
    sim.failNext('transitiveMembers', 3, '429');
    const m = await collectGroupMembers(port(sim), [groupId('big'), groupId('inner')]);
    expect(m.devicesOf(groupId('big')).size).toBe(12);
    expect([...m.devicesOf(groupId('inner'))].sort()).toEqual(['pc1', 'pc2'].map(entraId).sort());
    expect(sim.stats().faultsInjected).toBe(3);
  });
});

describe('tenant', () => {
  it('resolves the tenant id', async () => {
    await expect(resolveTenantId(port(sim))).resolves.toBe(tenant.tenantId.toLowerCase());
  });

  it('reports both PIN reset apps ready in one request', async () => {
    sim.resetStats();
    const r = await collectTenantReadiness(port(sim));
    expect(r).toMatchObject({
      state: 'ready',
      service: { present: true, enabled: true },
      client: { present: true },
    });
    expect(sim.stats().total).toBe(1);
  });

  it.each([
    ['service-missing', 'missing', { present: false }, { present: true }],
    ['both-missing', 'missing', { present: false }, { present: false }],
    ['client-disabled', 'disabled', { present: true, enabled: true }, { present: true, enabled: false }],
  ] as const)('%s → %s', async (apps, state, service, client) => {
    const t = new TenantBuilder({ seed: `apps-${apps}` }).pinResetApps(apps).build();
    const s = await startGraphSimulator({ tenant: t, ca: await ensureDevCa(testCaDir()) });
    try {
      expect(await collectTenantReadiness(port(s))).toMatchObject({ state, service, client });
    } finally {
      await s.stop();
    }
  });

  it('says unknown, not missing, when Graph fails', async () => {
    // Both items fail in the first batch and in the one re-send (maxRetries 1).
    sim.failNext('servicePrincipals', 4, '503');
    const r = await collectTenantReadiness(port(sim, 1));
    expect(r.state).toBe('unknown');
    expect(r.service.present).toBeNull();
    expect(r.error).toMatch(/^503/);
  });
});
