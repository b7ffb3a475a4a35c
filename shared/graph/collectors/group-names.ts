/**
 * Display names of the Entra groups a device page mentions (assignments name groups by id
 * only). Read when a page asks, a few ids at a time, in one $batch, and cached per instance:
 * names are for people to read, never an input of posture, so a Graph failure degrades to
 * showing the ids rather than failing the page.
 */
import type { GraphPort } from '../port.js';

export interface GroupNames {
  /** Name per id found; a group that no longer exists maps to null; unknown (Graph failed) is absent. */
  names(ids: readonly string[]): Promise<Map<string, string | null>>;
}

export interface GroupNameCacheOptions {
  ttlMs?: number;
  maxEntries?: number;
  now?: () => number;
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function groupNamePath(id: string): string {
  return `/groups/${encodeURIComponent(id)}?$select=id,displayName`;
}

export class GraphGroupNames implements GroupNames {
  private readonly cache = new Map<string, { name: string | null; until: number }>();
  private readonly ttlMs: number;
  private readonly maxEntries: number;
  private readonly now: () => number;

  constructor(
    private readonly graph: Pick<GraphPort, 'batch'>,
    options: GroupNameCacheOptions = {},
  ) {
    this.ttlMs = options.ttlMs ?? 15 * 60_000;
    this.maxEntries = options.maxEntries ?? 5000;
    this.now = options.now ?? Date.now;
  }

  async names(ids: readonly string[]): Promise<Map<string, string | null>> {
    const out = new Map<string, string | null>();
    const wanted = [...new Set(ids.map((i) => i.toLowerCase()).filter((i) => GUID.test(i)))];
    const missing: string[] = [];
    const t = this.now();
    for (const id of wanted) {
      const hit = this.cache.get(id);
      if (hit && hit.until > t) out.set(id, hit.name);
      else missing.push(id);
    }
    if (missing.length === 0) return out;
    try {
      const results = await this.graph.batch<{ displayName?: unknown }>(
        missing.map((id, i) => ({ id: String(i), method: 'GET' as const, url: groupNamePath(id) })),
        { version: 'v1.0' },
      );
      for (const r of results) {
        const id = missing[Number(r.id)];
        if (!id) continue;
        let name: string | null | undefined;
        if (r.status === 404) name = null;
        else if (r.status >= 200 && r.status < 300 && typeof r.body?.displayName === 'string')
          name = r.body.displayName;
        if (name === undefined) continue;
        out.set(id, name);
        this.remember(id, name, t);
      }
    } catch {
      // Names are cosmetic: the page shows ids instead.
    }
    return out;
  }

  private remember(id: string, name: string | null, t: number): void {
    if (this.cache.size >= this.maxEntries) {
      const oldest = this.cache.keys().next().value;
      if (oldest !== undefined) this.cache.delete(oldest);
    }
    this.cache.set(id, { name, until: t + this.ttlMs });
  }
}
