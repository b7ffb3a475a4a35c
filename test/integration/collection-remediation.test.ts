/**
 * The collection run reads the Remediations detection output when REMEDIATION_SCRIPT_ID is set,
 * and stores it as reports next to the inventory, once: a re-run adds nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type GraphSimulator, startGraphSimulator } from '../../dev/graph-sim/server.js';
import { type Tenant, TenantBuilder } from '../../dev/graph-sim/tenant.js';
import { ensureDevCa } from '../../dev/tls.js';
import { runCollection } from '../../shared/collection/run-collection.js';
import type { Config } from '../../shared/config.js';
import { recomputeAfterCollection } from '../../shared/freshness/index.js';
import { createGraphPort } from '../../shared/graph/client.js';
import { PostureStore } from '../../shared/posture-store/store.js';
import { TableReportStore } from '../../shared/storage/report-store.js';
import { createTableProvider, type TableProvider } from '../../shared/storage/tables.js';
import { testCaDir, testConfig } from '../support/env.js';

const IDS = {
  ready: '0a0a0a0a-0000-4000-8000-000000000001',
  destructive: '0a0a0a0a-0000-4000-8000-000000000002',
  broken: '0a0a0a0a-0000-4000-8000-000000000003',
};

function line(deviceId: string, canReset: string, upn: string): string {
  return JSON.stringify({
    v: 1,
    canReset,
    ngcSet: true,
    ngcKeyId: 'fa0db076-a5d7-4844-82d8-50a2fb42ec7b',
    aadJoined: true,
    domainJoined: false,
    deviceId,
    tenantId: '72f988bf-86f1-41af-91ab-2d7cd011db47',
    upn,
    os: '10.0.22631.4317',
    ts: '2025-06-01T07:59:00Z',
  });
}

let sim: GraphSimulator;
let tenant: Tenant;
let config: Config;
let tables: TableProvider;

beforeAll(async () => {
  tenant = new TenantBuilder({ seed: 'collection-remediation' })
    .user('ada')
    .user('bob')
    .device('ready', { deviceId: IDS.ready, user: 'ada' })
    .device('destructive', { deviceId: IDS.destructive, user: 'bob' })
    .device('broken', { deviceId: IDS.broken })
    .healthScript('ResetReady detection', {
      runStates: [
        { device: 'ready', output: line(IDS.ready, 'DestructiveAndNonDestructive', 'ada@contoso.com') },
        { device: 'destructive', output: line(IDS.destructive, 'DestructiveOnly', 'bob@contoso.com') },
        {
          device: 'broken',
          output: 'Exception calling "Invoke" with "0" argument(s)',
          detectionState: 'scriptError',
        },
      ],
    })
    .build();
  sim = await startGraphSimulator({ tenant, ca: await ensureDevCa(testCaDir()) });
  config = testConfig({
    GRAPH_BASE_URL: sim.baseUrl,
    GRAPH_ACCESS_TOKEN: sim.token,
    REMEDIATION_SCRIPT_ID: tenant.deviceHealthScripts[0]!.id,
  });
  tables = createTableProvider(config.storage);
});

afterAll(async () => {
  await sim?.stop();
});

describe('collection with the Remediations path', () => {
  it('stores each usable run state as a remediation report, rejects the broken one, and is idempotent', async () => {
    const graph = createGraphPort(config.graph);
    const first = await runCollection({ config, tables, graph });
    expect(first.status).toBe('succeeded');
    expect(first.remediation).toEqual({ seen: 3, stored: 2, skippedUnchanged: 0, rejected: 1 });

    const reports = new TableReportStore(tables);
    const ready = await reports.latestUsers(IDS.ready);
    expect(ready.map((u) => [u.canReset, u.source, u.trust])).toEqual([
      ['DestructiveAndNonDestructive', 'remediation', 'verified'],
    ]);
    expect((await reports.latestUsers(IDS.destructive)).map((u) => u.canReset)).toEqual(['DestructiveOnly']);
    expect(await reports.countReports(IDS.broken)).toBe(0);

    const second = await runCollection({ config, tables, graph });
    expect(second.remediation).toMatchObject({ stored: 0, skippedUnchanged: 2 });
    expect(await reports.countReports(IDS.ready)).toBe(1);
  });

  it('drives posture like uploaded reports: ready and destructive-only devices, the broken one not reported', async () => {
    const graph = createGraphPort(config.graph);
    const run = await runCollection({ config, tables, graph });
    expect(run.status).toBe('succeeded');
    // The simulated run states are dated on the tenant's clock; judge freshness on it too.
    const outcome = await recomputeAfterCollection(
      { tables, reports: new TableReportStore(tables) },
      run,
      tenant.now,
    );
    expect(outcome.recomputed).toBe(true);
    const posture = new PostureStore(tables);
    expect((await posture.getPosture(IDS.ready))?.record.posture).toBe('nonDestructive');
    const destructive = await posture.getPosture(IDS.destructive);
    expect(destructive?.record.posture).toBe('destructiveOnly');
    expect(destructive?.record.reasons.length).toBeGreaterThan(0);
    expect((await posture.getPosture(IDS.broken))?.record.posture).toBe('notReported');
  });

  it('without REMEDIATION_SCRIPT_ID the run does not touch the Remediations endpoint', async () => {
    const plain = testConfig({ GRAPH_BASE_URL: sim.baseUrl, GRAPH_ACCESS_TOKEN: sim.token });
    const graph = createGraphPort(plain.graph);
    const run = await runCollection({ config: plain, tables: createTableProvider(plain.storage), graph });
    expect(run.status).toBe('succeeded');
    expect(run.remediation).toBeUndefined();
    expect(Object.keys(run.graphRequestsByEndpoint).some((k) => k.includes('deviceHealthScripts'))).toBe(
      false,
    );
  });
});
