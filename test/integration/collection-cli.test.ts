/** `resetready collect`: exit codes and the printed run summary, against the simulator and Azurite. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../../cli/commands/collect.js';
import { type GraphSimulator, startGraphSimulator } from '../../dev/graph-sim/server.js';
import { TenantBuilder } from '../../dev/graph-sim/tenant.js';
import { ensureDevCa } from '../../dev/tls.js';
import { testCaDir, testStorageConnectionString, uniqueTablePrefix } from '../support/env.js';

let sim: GraphSimulator;

beforeAll(async () => {
  const tenant = new TenantBuilder({ seed: 'collection-cli' })
    .device('pc1')
    .device('pc2')
    .group('g', ['pc1'])
    .settingsCatalogPolicy('P', { pinRecovery: { device: true }, assignments: [{ include: 'g' }] })
    .build();
  sim = await startGraphSimulator({ tenant, ca: await ensureDevCa(testCaDir()) });
});

afterAll(async () => {
  await sim?.stop();
});

function invoke(env: Record<string, string>) {
  let out = '';
  let err = '';
  return run([], {
    env,
    settingsFile: '/nonexistent/local.settings.json',
    out: (t) => {
      out += t;
    },
    err: (t) => {
      err += t;
    },
  }).then((code) => ({ code, out, err }));
}

describe('resetready collect', () => {
  it('prints the run summary and exits 0 when the run succeeds', async () => {
    const r = await invoke({
      STORAGE_CONNECTION_STRING: testStorageConnectionString(),
      TABLE_PREFIX: uniqueTablePrefix('cli'),
      GRAPH_BASE_URL: sim.baseUrl,
      GRAPH_ACCESS_TOKEN: sim.token,
    });
    expect(r.code).toBe(0);
    const summary = JSON.parse(r.out) as Record<string, unknown>;
    expect(summary).toMatchObject({
      status: 'succeeded',
      devices: 2,
      policies: 1,
      retries: 0,
      tableWrites: 6,
    });
    expect(summary.graphRequests).toBeGreaterThan(0);
    expect(typeof summary.durationMs).toBe('number');
    // The token never appears in what the command prints.
    expect(r.out + r.err).not.toContain(sim.token);
  });

  it('exits 1 with the failure in the summary when Graph cannot be reached', async () => {
    const r = await invoke({
      STORAGE_CONNECTION_STRING: testStorageConnectionString(),
      TABLE_PREFIX: uniqueTablePrefix('cli'),
      GRAPH_BASE_URL: 'https://localhost:9',
      GRAPH_ACCESS_TOKEN: 'unused',
      GRAPH_MAX_RETRIES: '0',
    });
    expect(r.code).toBe(1);
    const summary = JSON.parse(r.out) as { status: string; errors: { phase: string }[] };
    expect(summary.status).toBe('failed');
    expect(summary.errors.map((e) => e.phase)).toContain('devices');
  });

  it('exits 2 and prints the configuration problem', async () => {
    const r = await invoke({ GRAPH_BASE_URL: 'http://graph.example' });
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err).toContain('STORAGE_CONNECTION_STRING');
    expect(r.err).toContain('GRAPH_BASE_URL must be https://');
  });
});
