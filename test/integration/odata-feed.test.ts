/**
 * The OData feed end to end, as Power BI meets it: the real registerOData served by the local
 * Functions host (keyed route, `code` query), rows in Azurite, and clients we did not write —
 * ts-odata-client reads every entity set to the end by following @odata.nextLink, and
 * @sap-ux/edmx-parser reads $metadata as CSDL.
 */
import { fileURLToPath } from 'node:url';
import { parse as parseEdmx } from '@sap-ux/edmx-parser';
import fc from 'fast-check';
import { ODataQuery } from 'ts-odata-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalHost, startLocalHost } from '../../dev/host.js';
import type { EntitySetDefinition, Row } from '../../shared/odata/edm.js';
import { evaluateFilter } from '../../shared/odata/evaluate.js';
import { parseFilter } from '../../shared/odata/filter.js';
import { toTableFilter } from '../../shared/odata/table-filter.js';
import { createTableProvider } from '../../shared/storage/tables.js';
import { testStorageConnectionString, uniqueTablePrefix } from '../support/env.js';
import {
  DAY_COUNT,
  dayRow,
  GADGET_COUNT,
  gadgetsInStoreOrder,
  seedTestEntitySets,
  testEntitySets,
} from '../support/odata-test-sets.js';

const KEY = 'odata-feed-test-key-0123456789';
const ENTRY = fileURLToPath(new URL('../support/odata-test-app.ts', import.meta.url));
const prefix = uniqueTablePrefix('od');
const tables = createTableProvider({ connectionString: testStorageConnectionString(), tablePrefix: prefix });
const sets = testEntitySets(tables);
const gadgetSet = sets.find((s) => s.name === 'Gadgets') as EntitySetDefinition;

let host: LocalHost;
const logs: string[] = [];
let root: string;

beforeAll(async () => {
  await seedTestEntitySets(tables);
  process.env.RR_ODATA_TEST_PREFIX = prefix;
  host = await startLocalHost({ port: 0, entryPoint: ENTRY, key: KEY, log: (line) => logs.push(line) });
  root = `${host.url}/api/odata/`;
});

afterAll(async () => {
  await host?.stop();
});

interface Gadget {
  GadgetId: string;
  Posture: string;
  Score: number;
  Big: number;
  Active: boolean;
  /** Nullable in the feed; typed Date so the client's query builder offers date comparisons. */
  LastSeen: Date;
  DateKey: number;
  Day: string;
  Note: string | null;
}

/** What the feed must answer for a generated row: OData JSON values of the model columns. */
function asJson(row: Row): Record<string, unknown> {
  return {
    ...row,
    LastSeen: row.LastSeen instanceof Date ? row.LastSeen.toISOString() : null,
  };
}

interface ParsedCsdl {
  version: string;
  schema: {
    entitySets: Array<{ name: string; entityTypeName: string }>;
    entityTypes: Array<{
      fullyQualifiedName: string;
      keys: Array<{ name: string }>;
      entityProperties: Array<{ name: string; type: string; nullable?: boolean }>;
    }>;
  };
}

async function getJson(url: string, init: RequestInit = {}) {
  const res = await fetch(url, init);
  return { status: res.status, headers: res.headers, body: (await res.json()) as Record<string, unknown> };
}

describe('an OData client we did not write', () => {
  it('reads every entity set in the service document to the end by following @odata.nextLink', async () => {
    const doc = await getJson(`${root}?code=${KEY}`);
    expect(doc.status).toBe(200);
    const listed = doc.body.value as Array<{ name: string; url: string; kind: string }>;
    expect(listed.map((s) => s.name)).toEqual(['Gadgets', 'DailyCounts', 'Empties']);

    const read: Record<string, unknown[]> = {};
    for (const s of listed) {
      // The key rides in the URL only: every page after the first is fetched from a nextLink.
      const query = ODataQuery.forV4<Record<string, unknown>>(`${root}${s.url}?code=${KEY}`);
      const rows: unknown[] = [];
      for await (const row of query) rows.push(row);
      read[s.name] = rows;
    }
    expect(read.Gadgets).toHaveLength(GADGET_COUNT);
    expect(read.Gadgets).toEqual(gadgetsInStoreOrder().map(asJson));
    expect(read.DailyCounts).toEqual(Array.from({ length: DAY_COUNT }, (_, i) => dayRow(i)));
    expect(read.Empties).toEqual([]);
    // 3,000 rows at the default page of 1,000 took three requests.
    expect(logs.filter((l) => /GET \/api\/odata\/Gadgets -> 200/.test(l))).toHaveLength(3);
  });

  it('builds $filter and $count that the feed answers exactly, through every page', async () => {
    const all = gadgetsInStoreOrder();
    const query = ODataQuery.forV4<Gadget>(`${root}Gadgets`, {
      requestInit: () => ({ headers: { 'x-functions-key': KEY } }),
    });
    const cases = [
      {
        q: query.filter((g) => g.Posture.$equals('DestructiveOnly')),
        want: all.filter((r) => r.Posture === 'DestructiveOnly'),
      },
      {
        q: query.filter((g) => g.DateKey.$greaterThanOrEqualTo(20261120).and(g.Active.$equals(true))),
        want: all.filter((r) => (r.DateKey as number) >= 20261120 && r.Active === true),
      },
      {
        q: query.filter((g) => g.LastSeen.$lessThan(new Date('2026-10-10T00:00:00Z'))),
        want: all.filter((r) => r.LastSeen instanceof Date && r.LastSeen < new Date('2026-10-10T00:00:00Z')),
      },
      { q: query.filter((g) => g.Score.$equals(3)), want: all.filter((r) => r.Score === 3) },
      {
        q: query.filter((g) => g.DateKey.$in([20261001, 20261015])),
        want: all.filter((r) => r.DateKey === 20261001 || r.DateKey === 20261015),
      },
      { q: query.filter((g) => g.LastSeen.$equals(null)), want: all.filter((r) => r.LastSeen === null) },
    ];
    for (const { q, want } of cases) {
      expect(want.length).toBeGreaterThan(0);
      let page = await q.getManyWithCountAsync();
      expect(page['@odata.count']).toBe(want.length);
      const got = [...page.value];
      while (page.next) {
        page = await page.next();
        got.push(...page.value);
      }
      expect(got.map((g) => g.GadgetId)).toEqual(want.map((r) => r.GadgetId));
    }
  });
});

describe('$metadata', () => {
  it('parses as CSDL 4.0 describing each entity set, its key and typed columns', async () => {
    const res = await fetch(`${root}$metadata?code=${KEY}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/xml');
    expect(res.headers.get('odata-version')).toBe('4.0');
    // The parser's types live in a package it does not depend on; this is the part we read.
    const csdl = parseEdmx(await res.text()) as unknown as ParsedCsdl;
    expect(csdl.version).toBe('4.0');
    const { entityTypes, entitySets } = csdl.schema;
    expect(entitySets.map((s) => [s.name, s.entityTypeName])).toEqual(
      sets.map((s) => [s.name, `ResetReady.${s.entityType}`]),
    );
    for (const set of sets) {
      const type = entityTypes.find((t) => t.fullyQualifiedName === `ResetReady.${set.entityType}`);
      expect(type?.keys.map((k) => k.name)).toEqual(set.key);
      expect(type?.entityProperties.map((p) => [p.name, p.type, p.nullable !== false])).toEqual(
        set.properties.map((p) => [p.name, p.type, p.nullable]),
      );
    }
  });
});

describe('keys, paging and errors through the host', () => {
  it('keeps the function key in every nextLink, so a client holding only the URL can follow it', async () => {
    let url: string | undefined = `${root}Gadgets?code=${KEY}&$select=GadgetId`;
    let rows = 0;
    let pages = 0;
    while (url) {
      const page = await getJson(url, { headers: { prefer: 'odata.maxpagesize=700' } });
      expect(page.status).toBe(200);
      expect(page.headers.get('preference-applied')).toBe('odata.maxpagesize=700');
      rows += (page.body.value as unknown[]).length;
      url = page.body['@odata.nextLink'] as string | undefined;
      if (url) expect(new URL(url).searchParams.get('code')).toBe(KEY);
      pages++;
    }
    expect(rows).toBe(GADGET_COUNT);
    expect(pages).toBe(Math.ceil(GADGET_COUNT / 700));

    const first = await getJson(`${root}Gadgets?code=${KEY}`);
    const link = new URL(first.body['@odata.nextLink'] as string);
    link.searchParams.delete('code');
    expect((await fetch(link)).status).toBe(401);
  });

  it.each([
    ['Gadgets?$filter=Colour eq 1', 400, 'unknown_property'],
    ["Gadgets?$filter=Note eq 'x'", 400, 'property_not_filterable'],
    ['Gadgets?$filter=Score eq', 400, 'invalid_filter'],
    ['Gadgets?$top=-1', 400, 'invalid_query_option'],
    ['Gadgets?$orderby=GadgetId', 400, 'unsupported_query_option'],
    ['Gadgets?$bogus=1', 400, 'unknown_query_option'],
    ['Gadgets?$skiptoken=AAAA', 400, 'invalid_skiptoken'],
    ['Nope', 404, 'unknown_entity_set'],
  ])('%s → %i %s', async (path, status, code) => {
    const res = await getJson(`${root}${path}${path.includes('?') ? '&' : '?'}code=${KEY}`);
    expect(res.status).toBe(status);
    expect(res.headers.get('odata-version')).toBe('4.0');
    expect(res.body).toEqual({ error: { code, message: expect.any(String) } });
  });

  it('is read-only (405) and keyed (401)', async () => {
    expect((await fetch(`${root}Gadgets?code=${KEY}`, { method: 'POST', body: '{}' })).status).toBe(405);
    expect((await fetch(`${root}Gadgets`)).status).toBe(401);
  });

  it('answers random query options with 200 or an OData 4xx, never 500 (fuzz)', async () => {
    const name = fc.constantFrom(
      '$filter',
      '$select',
      '$top',
      '$skip',
      '$count',
      '$skiptoken',
      '$orderby',
      '$expand',
    );
    const value = fc.oneof(
      fc.string({ maxLength: 30 }),
      fc
        .array(
          fc.constantFrom(
            'Posture',
            'Score',
            'LastSeen',
            'eq',
            'ne',
            'and',
            'or',
            'not',
            '(',
            ')',
            "'Ready'",
            '3',
            '2.5',
            'null',
            '2026-10-10T00:00:00Z',
            'true',
          ),
          { maxLength: 10 },
        )
        .map((p) => p.join(' ')),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(name, value), { maxLength: 3 }), async (pairs) => {
        const all: Array<[string, string]> = [...pairs, ['code', KEY], ['$top', '5']];
        // One of each name: a duplicate is its own (tested) 400.
        const q = new URLSearchParams(all.filter(([n], i) => all.findIndex(([m]) => m === n) === i));
        const res = await fetch(`${root}Gadgets?${q}`);
        expect([200, 400, 406]).toContain(res.status);
        const body = (await res.json()) as Record<string, unknown>;
        if (res.status !== 200)
          expect(body).toEqual({ error: { code: expect.any(String), message: expect.any(String) } });
      }),
      { numRuns: 60 },
    );
    expect(logs.filter((l) => / -> 500 /.test(l))).toEqual([]);
  });
});

describe('push-down against Table Storage', () => {
  // Each filter's store-side translation must keep every row the OData filter keeps, and for
  // non-null comparisons select exactly those rows: typed literals (2.0, 12L, datetime'…')
  // must match how the rows were written.
  it.each([
    "Posture eq 'Ready'",
    'Score eq 3',
    'Score ge 5.25',
    'Big gt 5000002990',
    'Active eq false',
    'LastSeen ge 2026-12-01T00:00:00Z',
    'Day eq 2026-10-05',
    "DateKey le 20261003 and not (Posture eq 'Unknown')",
    "GadgetId eq 'gadget-00042'",
    "GadgetId ge 'gadget-02990'",
    'LastSeen eq null or Score lt 1',
  ])('%s', async (filter) => {
    const node = parseFilter(filter, gadgetSet);
    const pushed = toTableFilter(node, (p) => gadgetSet.source.columnOf?.(p) ?? p);
    const want = gadgetsInStoreOrder()
      .filter((r) => evaluateFilter(node, r))
      .map((r) => r.GadgetId);
    const fromStore: Row[] = [];
    let next: string | undefined;
    do {
      const page = await gadgetSet.source.query({
        ...(pushed ? { filter: pushed } : {}),
        pageSize: 1000,
        ...(next ? { continuationToken: next } : {}),
      });
      fromStore.push(...page.rows);
      next = page.next;
    } while (next);
    const ids = fromStore.map((r) => r.GadgetId);
    if (filter.includes('null')) {
      expect(ids).toEqual(expect.arrayContaining(want));
    } else {
      expect(ids).toEqual(want);
    }
    expect(fromStore.filter((r) => evaluateFilter(node, r)).map((r) => r.GadgetId)).toEqual(want);
  });
});
