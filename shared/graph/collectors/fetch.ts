/** Reading whole collections through GraphPort, directly or as the first pages of a $batch. */
import { errorFromBody } from '../errors.js';
import type { GraphCollection, GraphPort, GraphRequestOptions } from '../port.js';

export async function collectAll<T>(
  graph: GraphPort,
  path: string,
  opts?: GraphRequestOptions,
): Promise<T[]> {
  const out: T[] = [];
  for await (const page of graph.pages<T>(path, opts)) out.push(...page);
  return out;
}

export interface CollectionRequest {
  id: string;
  /** Relative to the version root. */
  url: string;
}

/**
 * Fetches many collections with one $batch per 20 first pages, then follows each nextLink.
 * A 404 (object deleted since it was listed) gives null; any other failure throws, because a
 * silently missing collection would turn into a wrong posture.
 */
export async function batchCollections<T>(
  graph: GraphPort,
  requests: readonly CollectionRequest[],
  opts: GraphRequestOptions = {},
): Promise<Map<string, T[] | null>> {
  const out = new Map<string, T[] | null>();
  if (requests.length === 0) return out;
  const results = await graph.batch<GraphCollection<T>>(
    requests.map((r) => ({ id: r.id, method: 'GET' as const, url: r.url, headers: opts.headers })),
    opts,
  );
  await Promise.all(
    results.map(async (r) => {
      if (r.status === 404) {
        out.set(r.id, null);
        return;
      }
      if (r.status < 200 || r.status > 299) throw errorFromBody(r.status, r.body);
      const items = [...(Array.isArray(r.body?.value) ? r.body.value : [])];
      const next = r.body?.['@odata.nextLink'];
      if (next) items.push(...(await collectAll<T>(graph, next, opts)));
      out.set(r.id, items);
    }),
  );
  return out;
}
