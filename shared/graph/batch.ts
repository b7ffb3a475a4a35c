/**
 * JSON batching (graph.md §13): at most 20 requests per POST /$batch, answers possibly out
 * of order, throttling per item inside an outer 200. SDKs do not retry those items, so we
 * re-send them in a new batch after the largest item Retry-After (bounded), and return
 * whatever still failed as a result with its status rather than throwing for all.
 */
import type { BatchItem, BatchResult } from './port.js';
import { type BackoffSettings, parseRetryAfter, RETRYABLE_STATUSES, retryDelay } from './retry-policy.js';

export const BATCH_LIMIT = 20;

export interface BatchResponseItem {
  id: string;
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
}

export interface BatchDeps {
  /** POSTs one $batch of ≤ 20 requests; resolves with its `responses`. */
  send(requests: BatchItem[]): Promise<BatchResponseItem[]>;
  maxRetries: number;
  backoff: BackoffSettings;
  sleep: (ms: number) => Promise<void>;
  now: () => Date;
  random: () => number;
  onItemRetry?: (count: number) => void;
}

export function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

function header(headers: Record<string, string> | undefined, name: string): string | null {
  if (!headers) return null;
  for (const [k, v] of Object.entries(headers)) if (k.toLowerCase() === name) return v;
  return null;
}

export async function runBatch<T>(items: readonly BatchItem[], deps: BatchDeps): Promise<BatchResult<T>[]> {
  const ids = new Set<string>();
  for (const item of items) {
    if (ids.has(item.id)) throw new Error(`duplicate $batch item id "${item.id}"`);
    ids.add(item.id);
  }
  const results = new Map<string, BatchResult<T>>();
  await Promise.all(chunk(items, BATCH_LIMIT).map((c) => runChunk(c, deps, results)));
  return items.map((item) => results.get(item.id) as BatchResult<T>);
}

async function runChunk<T>(chunkItems: BatchItem[], deps: BatchDeps, results: Map<string, BatchResult<T>>) {
  let pending = chunkItems;
  for (let round = 0; pending.length > 0; round++) {
    const responses = await deps.send(pending);
    const byId = new Map(responses.map((r) => [String(r.id), r]));
    const retry: BatchItem[] = [];
    let largestRetryAfter: number | null = null;
    for (const item of pending) {
      const r = byId.get(item.id);
      // A missing answer is treated like a transient one: Graph promises one per request.
      const status = r ? Number(r.status) : 0;
      const transient = !r || RETRYABLE_STATUSES.has(status);
      if (transient && round < deps.maxRetries) {
        retry.push(item);
        const ra = parseRetryAfter(header(r?.headers, 'retry-after'), deps.now().getTime());
        if (ra !== null) largestRetryAfter = Math.max(largestRetryAfter ?? 0, ra);
        continue;
      }
      results.set(item.id, {
        id: item.id,
        status,
        body: (r?.body ??
          (r ? null : { error: { code: 'missingBatchResponse', message: 'no answer in $batch' } })) as T,
      });
    }
    if (retry.length > 0) {
      deps.onItemRetry?.(retry.length);
      await deps.sleep(retryDelay(round, largestRetryAfter, deps.random, deps.backoff));
    }
    pending = retry;
  }
}
