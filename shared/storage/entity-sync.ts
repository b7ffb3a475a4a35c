/**
 * Makes a table (or some partitions of it) hold a desired set of entities while writing
 * only what changed: each entity carries a ContentHash of its non-key properties, so a
 * collection run that finds nothing new writes nothing (cheap, and Timestamp keeps
 * meaning "last changed"). Writes go per partition in batches of ≤100, partitions in
 * parallel with bounded concurrency (a partition is the unit of throughput).
 */
import { createHash } from 'node:crypto';
import { odata, type TableClient, type TableEntity, type TransactionAction } from '@azure/data-tables';

export type RemovedPolicy = 'markRemoved' | 'delete' | 'keep';

export interface ExistingEntity {
  hash: string | undefined;
  etag?: string;
  /** Already marked Removed: re-desiring it must clear the mark even if the hash matches. */
  removed?: boolean;
}

export interface SyncOptions {
  /** What the table holds now, by entityKey(); 'load' (default) reads it (scoped by scopePartitions). */
  existing?: Map<string, ExistingEntity> | 'load';
  hashOf?: (entity: TableEntity) => string;
  /** Partitions written in parallel. */
  concurrency?: number;
  /** Existing entities not desired: flag them (default), delete them, or leave them. */
  removedPolicy?: RemovedPolicy;
  /** Only these partitions are loaded and considered for removal; default every partition. */
  scopePartitions?: string[];
  /** Merge keeps columns other writers added; Replace (default) drops columns no longer desired. */
  mode?: 'Merge' | 'Replace';
  now?: Date;
}

export interface SyncResult {
  inserted: number;
  updated: number;
  unchanged: number;
  removed: number;
  batches: number;
}

export const CONTENT_HASH = 'ContentHash';
const NOT_CONTENT = new Set([
  'partitionKey',
  'rowKey',
  'etag',
  'timestamp',
  CONTENT_HASH,
  'Removed',
  'RemovedAt',
]);
const MAX_BATCH = 100;

export function entityKey(partitionKey: string, rowKey: string): string {
  return `${partitionKey}\u0000${rowKey}`;
}

/** JSON with object keys sorted at every level, so equal content always hashes equal. */
export function stableJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => {
    if (v && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Date)) {
      const obj = v as Record<string, unknown>;
      return Object.fromEntries(
        Object.keys(obj)
          .sort()
          .map((k) => [k, obj[k]]),
      );
    }
    return v;
  });
}

/** SHA-256 (base64url) of the stable JSON of the non-key, non-bookkeeping properties. */
export function contentHash(entity: TableEntity): string {
  const content: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(entity)) {
    if (!NOT_CONTENT.has(k) && !k.startsWith('odata.') && v !== undefined) content[k] = v;
  }
  return createHash('sha256').update(stableJson(content)).digest('base64url');
}

export async function loadExisting(
  table: TableClient,
  scopePartitions?: string[],
): Promise<Map<string, ExistingEntity>> {
  const existing = new Map<string, ExistingEntity>();
  const select = ['PartitionKey', 'RowKey', CONTENT_HASH, 'Removed'];
  const filters = scopePartitions ? scopePartitions.map((pk) => odata`PartitionKey eq ${pk}`) : [undefined];
  // One query per scoped partition: a long OR filter is slow and has a length limit.
  for (const filter of filters) {
    for await (const e of table.listEntities({ queryOptions: { filter, select } })) {
      existing.set(entityKey(String(e.partitionKey), String(e.rowKey)), {
        hash: typeof e[CONTENT_HASH] === 'string' ? (e[CONTENT_HASH] as string) : undefined,
        etag: e.etag,
        removed: e.Removed === true,
      });
    }
  }
  return existing;
}

export async function syncEntities(
  table: TableClient,
  desired: TableEntity[],
  options: SyncOptions = {},
): Promise<SyncResult> {
  const hashOf = options.hashOf ?? contentHash;
  const policy = options.removedPolicy ?? 'markRemoved';
  const mode = options.mode ?? 'Replace';
  const now = options.now ?? new Date();
  const scope = options.scopePartitions ? new Set(options.scopePartitions) : undefined;
  const existing =
    options.existing === undefined || options.existing === 'load'
      ? await loadExisting(table, options.scopePartitions)
      : options.existing;

  const result: SyncResult = { inserted: 0, updated: 0, unchanged: 0, removed: 0, batches: 0 };
  const byPartition = new Map<string, TransactionAction[]>();
  const queue = (pk: string, action: TransactionAction) => {
    const list = byPartition.get(pk) ?? [];
    list.push(action);
    byPartition.set(pk, list);
  };

  // Later duplicates win: a batch may not touch one entity twice.
  const wanted = new Map<string, TableEntity>();
  for (const e of desired) wanted.set(entityKey(e.partitionKey, e.rowKey), e);

  for (const [key, entity] of wanted) {
    const hash = hashOf(entity);
    const current = existing.get(key);
    if (current && current.hash === hash && !current.removed) {
      result.unchanged++;
      continue;
    }
    if (current) result.updated++;
    else result.inserted++;
    const row: TableEntity = { ...entity, [CONTENT_HASH]: hash };
    if (mode === 'Merge' && current?.removed) row.Removed = false;
    queue(entity.partitionKey, ['upsert', row, mode]);
  }

  if (policy !== 'keep') {
    for (const [key, current] of existing) {
      if (wanted.has(key)) continue;
      const [partitionKey = '', rowKey = ''] = key.split('\u0000');
      if (scope && !scope.has(partitionKey)) continue;
      if (policy === 'markRemoved') {
        if (current.removed) continue;
        queue(partitionKey, ['update', { partitionKey, rowKey, Removed: true, RemovedAt: now }, 'Merge']);
      } else {
        queue(partitionKey, ['delete', { partitionKey, rowKey }]);
      }
      result.removed++;
    }
  }

  const partitions = [...byPartition.entries()];
  await forEachLimited(partitions, options.concurrency ?? 8, async ([, actions]) => {
    for (let i = 0; i < actions.length; i += MAX_BATCH) {
      await table.submitTransaction(actions.slice(i, i + MAX_BATCH));
      result.batches++;
    }
  });
  return result;
}

async function forEachLimited<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++] as T;
      await fn(item);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
}
