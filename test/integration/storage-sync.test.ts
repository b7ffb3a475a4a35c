/** syncEntities against Azurite: only changes are written, removals are flagged, re-runs write nothing. */
import type { TableClient, TableEntity } from '@azure/data-tables';
import { beforeEach, describe, expect, it } from 'vitest';
import { contentHash, loadExisting, syncEntities } from '../../shared/storage/entity-sync.js';
import { createTableProvider } from '../../shared/storage/tables.js';
import { testConfig } from '../support/env.js';

const provider = createTableProvider(testConfig().storage);
let table: TableClient;
let n = 0;

beforeEach(async () => {
  table = await provider.table(`Sync${++n}`);
});

function device(pk: string, i: number, over: Record<string, unknown> = {}): TableEntity {
  return {
    partitionKey: pk,
    rowKey: `dev${String(i).padStart(4, '0')}`,
    Name: `PC-${i}`,
    Os: 'Windows',
    Seen: i,
    ...over,
  };
}

function fleet(): TableEntity[] {
  return [
    ...Array.from({ length: 120 }, (_, i) => device('p1', i)),
    ...Array.from({ length: 100 }, (_, i) => device('p2', i)),
    ...Array.from({ length: 30 }, (_, i) => device('p3', i)),
  ];
}

async function rows(): Promise<Map<string, Record<string, unknown>>> {
  const out = new Map<string, Record<string, unknown>>();
  for await (const e of table.listEntities()) out.set(`${e.partitionKey}/${e.rowKey}`, e);
  return out;
}

describe('syncEntities', () => {
  it('inserts in per-partition batches of at most 100, then a re-run writes nothing', async () => {
    const first = await syncEntities(table, fleet(), { concurrency: 2 });
    expect(first).toEqual({ inserted: 250, updated: 0, unchanged: 0, removed: 0, batches: 4 });
    const before = await rows();
    expect(before.size).toBe(250);
    expect(before.get('p1/dev0007')).toMatchObject({
      Name: 'PC-7',
      ContentHash: contentHash(device('p1', 7)),
    });

    const again = await syncEntities(table, fleet());
    expect(again).toEqual({ inserted: 0, updated: 0, unchanged: 250, removed: 0, batches: 0 });
    const after = await rows();
    for (const [k, e] of before) expect(after.get(k)?.etag).toBe(e.etag);
  });

  it('writes only changed entities and flags the ones no longer desired, once', async () => {
    await syncEntities(table, fleet());
    const removedAt = new Date('2026-11-24T06:00:00Z');
    const changed = fleet()
      .filter((e) => !(e.partitionKey === 'p2' && ['dev0001', 'dev0002', 'dev0003'].includes(e.rowKey)))
      .map((e) => (e.partitionKey === 'p1' && Number(e.Seen) < 5 ? { ...e, Os: 'Windows 11' } : e));
    const before = await rows();

    expect(await syncEntities(table, changed, { now: removedAt })).toEqual({
      inserted: 0,
      updated: 5,
      unchanged: 242,
      removed: 3,
      batches: 2,
    });
    const after = await rows();
    expect(after.get('p1/dev0004')?.Os).toBe('Windows 11');
    expect(after.get('p1/dev0005')?.etag).toBe(before.get('p1/dev0005')?.etag);
    expect(after.get('p2/dev0002')).toMatchObject({ Removed: true, Name: 'PC-2' });
    expect(new Date(after.get('p2/dev0002')?.RemovedAt as string).toISOString()).toBe(
      removedAt.toISOString(),
    );

    expect(await syncEntities(table, changed)).toMatchObject({ updated: 0, removed: 0, batches: 0 });

    // A device that comes back unchanged loses its Removed flag.
    const back = [...changed, device('p2', 2)];
    expect(await syncEntities(table, back)).toMatchObject({ updated: 1, unchanged: 247, batches: 1 });
    expect((await rows()).get('p2/dev0002')?.Removed).toBeUndefined();
  });

  it('deletes instead of flagging with removedPolicy delete, and leaves rows with keep', async () => {
    await syncEntities(table, fleet());
    const fewer = fleet().filter((e) => e.partitionKey !== 'p3');
    expect(await syncEntities(table, fewer, { removedPolicy: 'keep' })).toMatchObject({
      removed: 0,
      batches: 0,
    });
    expect((await rows()).size).toBe(250);
    expect(await syncEntities(table, fewer, { removedPolicy: 'delete' })).toMatchObject({
      removed: 30,
      batches: 1,
    });
    expect((await rows()).size).toBe(220);
  });

  it('considers only scoped partitions, and accepts an existing map from the caller', async () => {
    await syncEntities(table, fleet());
    const p3Only = fleet()
      .filter((e) => e.partitionKey === 'p3')
      .slice(0, 10);
    expect(await syncEntities(table, p3Only, { scopePartitions: ['p3'] })).toEqual({
      inserted: 0,
      updated: 0,
      unchanged: 10,
      removed: 20,
      batches: 1,
    });
    const after = await rows();
    expect(after.get('p1/dev0100')?.Removed).toBeUndefined();
    expect(after.get('p3/dev0029')?.Removed).toBe(true);

    const existing = await loadExisting(table, ['p1']);
    expect(existing.size).toBe(120);
    const p1 = fleet().filter((e) => e.partitionKey === 'p1');
    p1.push(device('p1', 500));
    expect(await syncEntities(table, p1, { existing, scopePartitions: ['p1'] })).toMatchObject({
      inserted: 1,
      unchanged: 120,
      removed: 0,
    });
  });

  it('hashes content independently of property order and ignores keys and bookkeeping columns', () => {
    const a = { partitionKey: 'x', rowKey: '1', B: 2, A: { z: 1, y: [1, 2] } };
    const b = { partitionKey: 'y', rowKey: '2', A: { y: [1, 2], z: 1 }, B: 2, ContentHash: 'old', etag: 'e' };
    expect(contentHash(a)).toBe(contentHash(b));
    expect(contentHash(a)).not.toBe(contentHash({ ...a, B: 3 }));
  });
});
