/**
 * A 10,000-device generated tenant: the run sends no more than 10% over the fewest Graph
 * requests paging and $batch allow (computed from the simulated tenant's sizes), and what it
 * stores covers every Windows device.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tenantShape } from '../../bench/collect.js';
import { generateTenant } from '../../dev/graph-sim/generate.js';
import { type GraphSimulator, startGraphSimulator } from '../../dev/graph-sim/server.js';
import type { Tenant } from '../../dev/graph-sim/tenant.js';
import { ensureDevCa } from '../../dev/tls.js';
import { CollectionStore, runCollection } from '../../shared/collection/index.js';
import { minimumGraphRequests } from '../../shared/collection/request-floor.js';
import { createGraphPort } from '../../shared/graph/client.js';
import { createTableProvider } from '../../shared/storage/tables.js';
import { testCaDir, testConfig } from '../support/env.js';

let sim: GraphSimulator;
let tenant: Tenant;

beforeAll(async () => {
  tenant = generateTenant({ devices: 10_000, seed: 'collection-scale' });
  sim = await startGraphSimulator({ tenant, ca: await ensureDevCa(testCaDir()) });
});

afterAll(async () => {
  await sim?.stop();
});

describe('collection at 10,000 devices', () => {
  it('stays within 10% of the minimum Graph requests and stores every Windows device', async () => {
    const config = testConfig({ GRAPH_BASE_URL: sim.baseUrl, GRAPH_ACCESS_TOKEN: sim.token });
    const tables = createTableProvider(config.storage);
    const graph = createGraphPort(config.graph);
    sim.resetStats();
    const summary = await runCollection({ config, tables, graph });
    expect(summary.errors).toEqual([]);
    expect(summary.retries).toBe(0);

    const store = new CollectionStore(tables);
    const policies = await store.listPolicies();
    const floor = minimumGraphRequests(tenantShape(tenant, policies));
    const sent = sim.stats().total;
    // Our count and the simulator's agree, and both sit within 10% of the floor.
    expect(summary.graphRequests).toBe(sent);
    expect(floor.total).toBeGreaterThan(10);
    expect(sent).toBeGreaterThanOrEqual(floor.total);
    expect(sent).toBeLessThanOrEqual(Math.floor(floor.total * 1.1));

    const windows = tenant.managedDevices.filter((d) => d.operatingSystem === 'Windows').length;
    expect(summary.devices).toBe(windows);
    let targeted = 0;
    for await (const _t of store.targeting()) targeted++;
    expect(targeted).toBe(windows);
    expect(summary.policies).toBeGreaterThan(0);
    expect(summary.groups).toBeGreaterThan(0);
  }, 180_000);
});
