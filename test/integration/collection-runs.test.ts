/**
 * How collection runs behave over time and under failure, against the Graph simulator and
 * Azurite: throttling does not change what is stored, a run killed midway leaves readable
 * data and the next run converges, a failed listing never marks devices removed, two runs
 * never overlap, and an unchanged tenant costs no writes.
 */
import type { TableClient, TransactionAction } from '@azure/data-tables';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { changeDevices } from '../../bench/collect.js';
import { generateTenant } from '../../dev/graph-sim/generate.js';
import { type GraphSimulator, startGraphSimulator } from '../../dev/graph-sim/server.js';
import type { Tenant } from '../../dev/graph-sim/tenant.js';
import { ensureDevCa } from '../../dev/tls.js';
import {
  COLLECTION_LEASE,
  COLLECTION_TABLES,
  CollectionStore,
  runCollection,
} from '../../shared/collection/index.js';
import type { Config } from '../../shared/config.js';
import { createGraphPort } from '../../shared/graph/client.js';
import type { GraphPort } from '../../shared/graph/port.js';
import { acquireLease } from '../../shared/storage/lease.js';
import { createTableProvider, type TableProvider } from '../../shared/storage/tables.js';
import { testCaDir, testConfig } from '../support/env.js';

const DATA_TABLES = [
  COLLECTION_TABLES.devices,
  COLLECTION_TABLES.targeting,
  COLLECTION_TABLES.policies,
  COLLECTION_TABLES.tenant,
];

let sim: GraphSimulator;
let tenant: Tenant;

beforeAll(async () => {
  tenant = generateTenant({ devices: 400, seed: 'collection-runs' });
  sim = await startGraphSimulator({
    tenant,
    ca: await ensureDevCa(testCaDir()),
    // Small pages so a listing has several pages that can fail in between.
    pageSizes: { managedDevices: 50, managedDevicesMaxTop: 50 },
    faults: { retryAfterSeconds: 0.05 },
  });
});

afterAll(async () => {
  await sim?.stop();
});

interface Env {
  config: Config;
  tables: TableProvider;
  graph: GraphPort;
  run(over?: { tables?: TableProvider; graph?: GraphPort }): ReturnType<typeof runCollection>;
}

function env(maxRetries = 10): Env {
  const config = testConfig({
    GRAPH_BASE_URL: sim.baseUrl,
    GRAPH_ACCESS_TOKEN: sim.token,
    GRAPH_MAX_RETRIES: String(maxRetries),
  });
  const tables = createTableProvider(config.storage);
  const graph = createGraphPort(config.graph, { backoff: { baseDelayMs: 2, maxDelayMs: 20 } });
  return {
    config,
    tables,
    graph,
    run: (over = {}) => runCollection({ config, tables: over.tables ?? tables, graph: over.graph ?? graph }),
  };
}

/** Table contents without what the service or the clock sets (etag, Timestamp, RemovedAt). */
async function snapshot(tables: TableProvider): Promise<Record<string, Record<string, unknown>[]>> {
  const out: Record<string, Record<string, unknown>[]> = {};
  for (const name of DATA_TABLES) {
    const rows: Record<string, unknown>[] = [];
    for await (const e of (await tables.table(name)).listEntities()) {
      const { etag: _e, timestamp: _t, RemovedAt: _r, ...rest } = e as Record<string, unknown>;
      rows.push(rest);
    }
    rows.sort((a, b) => `${a.partitionKey}/${a.rowKey}`.localeCompare(`${b.partitionKey}/${b.rowKey}`));
    out[name] = rows;
  }
  return out;
}

/** A TableProvider whose batches start failing for good after `n` of them: the process "died". */
function dyingAfter(inner: TableProvider, n: number): TableProvider & { batches(): number } {
  let done = 0;
  return {
    batches: () => done,
    async table(name: string): Promise<TableClient> {
      const client = await inner.table(name);
      return new Proxy(client, {
        get(target, prop, receiver) {
          if (prop !== 'submitTransaction') return Reflect.get(target, prop, receiver);
          return async (actions: TransactionAction[]) => {
            if (done >= n) throw new Error('simulated crash during table writes');
            done++;
            return target.submitTransaction(actions);
          };
        },
      });
    },
  };
}

const windowsDevices = () => tenant.managedDevices.filter((d) => d.operatingSystem === 'Windows');

describe('collection runs', () => {
  it('stores the same state with 20% of Graph requests throttled or unavailable as without', async () => {
    const clean = env();
    const cleanRun = await clean.run();
    expect(cleanRun.status).toBe('succeeded');
    expect(cleanRun.retries).toBe(0);

    const faulty = env();
    sim.setFaults({
      rate: 0.2,
      kinds: ['429', '429-no-retry-after', '503'],
      retryAfterSeconds: 0.05,
      seed: 5,
    });
    let faultyRun: Awaited<ReturnType<typeof runCollection>>;
    try {
      faultyRun = await faulty.run();
    } finally {
      sim.setFaults({ rate: 0, retryAfterSeconds: 0.05 });
    }
    expect(faultyRun.errors).toEqual([]);
    expect(faultyRun.status).toBe('succeeded');
    expect(faultyRun.retries).toBeGreaterThan(0);
    expect(faultyRun.devices).toBe(windowsDevices().length);
    expect(await snapshot(faulty.tables)).toEqual(await snapshot(clean.tables));
  });

  it('a run killed during writes leaves whole rows; the next run converges to a clean run and writes only the rest', async () => {
    const subject = env();
    const reference = env();
    const dying = dyingAfter(subject.tables, 25);
    const killed = await subject.run({ tables: dying });
    expect(killed.status).toBe('failed');
    expect(killed.errors[0]?.phase).toMatch(/^store:/);
    expect(dying.batches()).toBe(25);

    // Whatever was written is complete on its own: every stored device reads back fully.
    const store = new CollectionStore(subject.tables);
    const partial = await store.listDevices({ includeRemoved: true });
    expect(partial.length).toBeGreaterThan(0);
    expect(partial.length).toBeLessThan(windowsDevices().length);
    const byId = new Map(windowsDevices().map((d) => [d.id.toLowerCase(), d]));
    for (const d of partial) {
      expect(d.removed).toBe(false);
      expect(d.deviceName).toBe(byId.get(d.id)?.deviceName);
    }
    expect((await store.latestRun())?.status).toBe('failed');

    const rerun = await subject.run();
    const fresh = await reference.run();
    expect(rerun.status).toBe('succeeded');
    expect(fresh.status).toBe('succeeded');
    expect(await snapshot(subject.tables)).toEqual(await snapshot(reference.tables));
    // Idempotent: the rerun wrote only what the killed run had not.
    expect(rerun.tableWrites).toBeLessThan(fresh.tableWrites);
    expect(rerun.tableWrites).toBeGreaterThan(0);
  });

  it('a listing that fails midway marks nothing removed; the next complete one does, like a clean history', async () => {
    const subject = env(2);
    const reference = env(2);
    expect((await subject.run()).status).toBe('succeeded');
    expect((await reference.run()).status).toBe('succeeded');
    const before = await snapshot(subject.tables);

    // Devices leave Intune and others change.
    const leaving = windowsDevices().slice(0, 5);
    for (const d of leaving) tenant.managedDevices.splice(tenant.managedDevices.indexOf(d), 1);
    const changed = changeDevices(tenant, 3);

    // After the first page arrives, managedDevices fails more often than retries allow.
    const broken: GraphPort = {
      ...subject.graph,
      async *pages<T>(path: string, opts?: Parameters<GraphPort['pages']>[1]) {
        let n = 0;
        for await (const page of subject.graph.pages<T>(path, opts)) {
          yield page;
          if (path.includes('managedDevices') && ++n === 1) sim.failNext('managedDevices', 3, '503');
        }
      },
    };
    const failed = await subject.run({ graph: broken });
    expect(failed.status).toBe('failed');
    expect(failed.errors.map((e) => e.phase)).toContain('devices');
    expect(failed.removedDevices).toBe(0);
    expect(await snapshot(subject.tables)).toEqual(before);

    const next = await subject.run();
    const ref = await reference.run();
    expect(next.status).toBe('succeeded');
    expect(next.removedDevices).toBe(5);
    expect(ref.removedDevices).toBe(5);
    expect(await snapshot(subject.tables)).toEqual(await snapshot(reference.tables));

    const store = new CollectionStore(subject.tables);
    const all = await store.listDevices({ includeRemoved: true });
    expect(new Set(all.map((d) => d.id)).size).toBe(all.length); // no duplicates
    const removed = all.filter((d) => d.removed);
    expect(removed.map((d) => d.id).sort()).toEqual(leaving.map((d) => d.id.toLowerCase()).sort());
    expect(removed.every((d) => d.removedAt !== null)).toBe(true);
    expect((await store.listDevices()).length).toBe(windowsDevices().length);
    expect((await store.getTargeting(leaving[0]?.id ?? ''))?.removed).toBe(true);
    expect(changed).toBe(3);
  });

  it('two concurrent runs: one collects, the other is skipped; a live lease holder also skips a run', async () => {
    const e = env();
    const [a, b] = await Promise.all([e.run(), e.run()]);
    expect([a.status, b.status].sort()).toEqual(['skipped', 'succeeded']);
    const skipped = a.status === 'skipped' ? a : b;
    expect(skipped).toMatchObject({ devices: 0, tableWrites: 0 });

    // The lease was released at the end: another instance holding it now blocks the next run.
    const held = await acquireLease(await e.tables.table(COLLECTION_TABLES.leases), COLLECTION_LEASE, {
      ttlMs: 60_000,
      owner: 'other-instance',
    });
    expect(held).not.toBeNull();
    expect((await e.run()).status).toBe('skipped');
    await held?.release();
    expect((await e.run()).status).toBe('succeeded');
  });

  it('a second run with nothing changed writes nothing; with k devices changed it writes k', async () => {
    const e = env();
    const first = await e.run();
    expect(first.tableWrites).toBeGreaterThan(2 * windowsDevices().length - 1);

    const again = await e.run();
    expect(again.status).toBe('succeeded');
    expect(again.tableWrites).toBe(0);
    expect(again.tableBatches).toBe(0);
    expect(again.tableWritesByTable[COLLECTION_TABLES.devices]?.unchanged).toBe(windowsDevices().length);

    const k = changeDevices(tenant, 7);
    const changed = await e.run();
    expect(changed.tableWrites).toBe(k);
    expect(changed.tableWritesByTable[COLLECTION_TABLES.devices]?.updated).toBe(k);
  });
});
