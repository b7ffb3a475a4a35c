/** The collectInventory timer adapter: runs one collection with the deployed wiring and logs a summary without secrets. */
import { InvocationContext } from '@azure/functions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type GraphSimulator, startGraphSimulator } from '../../dev/graph-sim/server.js';
import { TenantBuilder } from '../../dev/graph-sim/tenant.js';
import { ensureDevCa } from '../../dev/tls.js';
import { handleCollectInventory } from '../../functions/collect-inventory.js';
import { buildServices } from '../../functions/services.js';
import { CollectionStore } from '../../shared/collection/index.js';
import { testCaDir, testConfig } from '../support/env.js';

let sim: GraphSimulator;

beforeAll(async () => {
  const tenant = new TenantBuilder({ seed: 'collection-timer' })
    .user('u')
    .device('pc', { user: 'u' })
    .build();
  sim = await startGraphSimulator({ tenant, ca: await ensureDevCa(testCaDir()) });
});

afterAll(async () => {
  await sim?.stop();
});

describe('collectInventory timer', () => {
  it('collects, records the run and logs counts only', async () => {
    const services = buildServices(
      testConfig({ GRAPH_BASE_URL: sim.baseUrl, GRAPH_ACCESS_TOKEN: sim.token }),
    );
    const logs: string[] = [];
    const context = new InvocationContext({
      functionName: 'collectInventory',
      logHandler: (level, ...args) => logs.push(`${level} ${args.map((a) => JSON.stringify(a)).join(' ')}`),
    });
    const summary = await handleCollectInventory(
      {
        isPastDue: false,
        schedule: { adjustForDST: true },
        scheduleStatus: { last: '', next: '', lastUpdated: '' },
      },
      context,
      { config: services.config, tables: services.tables, graph: services.graph },
    );
    expect(summary).toMatchObject({ status: 'succeeded', devices: 1 });
    expect((await new CollectionStore(services.tables).latestRun())?.runId).toBe(summary.runId);
    const line = logs.find((l) => l.includes('collect_inventory_summary'));
    expect(line).toContain(`"runId":"${summary.runId}"`);
    expect(line).toContain('"devices":1');
    const all = logs.join('\n');
    expect(all).not.toContain(sim.token);
    expect(all).not.toContain('u@contoso'); // no device or user data in logs
  });
});
