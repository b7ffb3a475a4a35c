/**
 * The OData service over an in-memory RowSource (pure: the Table Storage source has its own
 * integration test): documents, paging by nextLink under every mix of $skip/$top/page size and
 * filter, $count, $select, Prefer, and errors that are OData JSON 400/404/405/406, never a throw.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { EntitySetDefinition, Row, RowSource } from '../../shared/odata/edm.js';
import { createODataService, type ODataServiceOptions } from '../../shared/odata/service.js';

interface Source extends RowSource {
  calls: Array<{ filter?: string; pageSize: number }>;
}

/** Rows in a fixed order; the continuation is the index of the next row (as opaque as Table's). */
function memorySource(rows: Row[]): Source {
  const calls: Source['calls'] = [];
  return {
    calls,
    async query(opts) {
      calls.push({ ...(opts.filter ? { filter: opts.filter } : {}), pageSize: opts.pageSize });
      const start = opts.continuationToken ? Number(opts.continuationToken) : 0;
      const end = Math.min(rows.length, start + opts.pageSize);
      return { rows: rows.slice(start, end), ...(end < rows.length ? { next: String(end) } : {}) };
    },
  };
}

const ROWS: Row[] = Array.from({ length: 257 }, (_, i) => ({
  Id: `g${String(i).padStart(4, '0')}`,
  Kind: ['alpha', 'beta', 'gamma'][i % 3] as string,
  Size: i % 10,
  Seen: new Date(Date.UTC(2026, 10, 1 + (i % 30))),
  Secret: 'not in the model',
}));

function gadgets(rows: Row[] = ROWS): EntitySetDefinition & { source: Source } {
  return {
    name: 'Gadgets',
    entityType: 'Gadget',
    key: ['Id'],
    properties: [
      { name: 'Id', type: 'Edm.String', nullable: false, filterable: true },
      { name: 'Kind', type: 'Edm.String', nullable: false, filterable: true },
      { name: 'Size', type: 'Edm.Int32', nullable: false, filterable: true },
      { name: 'Seen', type: 'Edm.DateTimeOffset', nullable: true },
    ],
    source: memorySource(rows),
  };
}

const BASE = 'https://rr.example/api/odata/';

function serviceFor(set = gadgets(), options: ODataServiceOptions = {}) {
  const service = createODataService([set], options);
  const get = async (relative: string, headers: Record<string, string> = {}) => {
    const url = new URL(relative, BASE).href;
    const path = new URL(url).pathname.replace(/^\/api\/odata\/?/, '');
    const res = await service.handle({
      method: 'GET',
      url,
      path: decodeURIComponent(path),
      header: (n) => headers[n.toLowerCase()] ?? null,
    });
    return { ...res, json: () => JSON.parse(res.body) as Record<string, unknown> };
  };
  return { service, get, set };
}

/** Follows @odata.nextLink to the end, as a client does, and returns every row. */
async function readAll(get: ReturnType<typeof serviceFor>['get'], first: string, headers = {}) {
  const rows: Array<Record<string, unknown>> = [];
  let next: string | undefined = first;
  let pages = 0;
  while (next) {
    const res = await get(next, headers);
    expect(res.status).toBe(200);
    const body = res.json();
    rows.push(...(body.value as Array<Record<string, unknown>>));
    next = body['@odata.nextLink'] as string | undefined;
    if (++pages > 10_000) throw new Error('nextLink never ends');
  }
  return { rows, pages };
}

describe('documents', () => {
  it('serves the service document listing every entity set', async () => {
    const { get } = serviceFor();
    const res = await get('');
    expect(res.status).toBe(200);
    expect(res.headers['OData-Version']).toBe('4.0');
    expect(res.headers['Content-Type']).toBe('application/json;odata.metadata=minimal');
    expect(res.json()).toEqual({
      '@odata.context': `${BASE}$metadata`,
      value: [{ name: 'Gadgets', kind: 'EntitySet', url: 'Gadgets' }],
    });
  });

  it('serves CSDL with keys, types, nullability and what cannot be filtered', async () => {
    const { get } = serviceFor();
    const res = await get('$metadata');
    expect(res.headers['Content-Type']).toBe('application/xml');
    expect(res.body).toContain('<edmx:Edmx Version="4.0"');
    expect(res.body).toContain('<PropertyRef Name="Id"/>');
    expect(res.body).toContain('<Property Name="Size" Type="Edm.Int32" Nullable="false"/>');
    expect(res.body).toContain('<Property Name="Seen" Type="Edm.DateTimeOffset"/>');
    expect(res.body).toContain('<EntitySet Name="Gadgets" EntityType="ResetReady.Gadget">');
    expect(res.body).toContain('<PropertyPath>Seen</PropertyPath>');
  });

  it('refuses definitions CSDL cannot describe when the service is built', () => {
    const bad = (change: Partial<EntitySetDefinition>) => () =>
      createODataService([{ ...gadgets(), ...change }]);
    expect(bad({ key: ['Nope'] })).toThrow(/key "Nope"/);
    expect(bad({ key: ['Seen'] })).toThrow(/must not be nullable/);
    expect(bad({ name: 'Bad Name' })).toThrow(/identifier/);
    expect(() => createODataService([gadgets(), gadgets()])).toThrow(/twice/);
  });
});

describe('collections', () => {
  it('answers rows with only the model columns, values in OData JSON form', async () => {
    const { get } = serviceFor();
    const body = (await get('Gadgets?$top=1')).json();
    expect(body['@odata.context']).toBe(`${BASE}$metadata#Gadgets`);
    expect(body.value).toEqual([{ Id: 'g0000', Kind: 'alpha', Size: 0, Seen: '2026-11-01T00:00:00.000Z' }]);
    expect(body['@odata.nextLink']).toBeUndefined();
  });

  it('pages by nextLink: absolute, same path and options (the key too), plus $skiptoken', async () => {
    const { get } = serviceFor(gadgets(), { pageSize: 100 });
    const first = (await get("Gadgets?code=k%2Bey&$filter=Kind%20ne%20'beta'")).json();
    const link = new URL(first['@odata.nextLink'] as string);
    expect(link.origin + link.pathname).toBe(`${BASE}Gadgets`);
    expect(link.searchParams.get('code')).toBe('k+ey');
    expect(link.searchParams.get('$filter')).toBe("Kind ne 'beta'");
    expect(link.searchParams.getAll('$skiptoken')).toHaveLength(1);
    const all = await readAll(get, "Gadgets?code=k%2Bey&$filter=Kind%20ne%20'beta'");
    expect(all.rows.map((r) => r.Id)).toEqual(ROWS.filter((r) => r.Kind !== 'beta').map((r) => r.Id));
    expect(all.pages).toBe(2);
  });

  it('returns exactly the rows of $filter, $skip and $top for any page size (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 120 }),
        fc.option(fc.integer({ min: 0, max: 300 }), { nil: undefined }),
        fc.option(fc.integer({ min: 0, max: 300 }), { nil: undefined }),
        fc.option(fc.integer({ min: 0, max: 9 }), { nil: undefined }),
        fc.integer({ min: 1, max: 4 }),
        async (pageSize, skip, top, size, maxStorePages) => {
          const { get } = serviceFor(gadgets(), { pageSize, maxStorePages });
          const q = new URLSearchParams();
          if (skip !== undefined) q.set('$skip', String(skip));
          if (top !== undefined) q.set('$top', String(top));
          if (size !== undefined) q.set('$filter', `Size ge ${size}`);
          const { rows } = await readAll(get, `Gadgets?${q}`);
          let want = ROWS.filter((r) => size === undefined || (r.Size as number) >= size);
          want = want.slice(skip ?? 0);
          if (top !== undefined) want = want.slice(0, top);
          expect(rows.map((r) => r.Id)).toEqual(want.map((r) => r.Id));
        },
      ),
      { numRuns: 150 },
    );
  });

  it('pushes the filter down to the source and still filters in memory', async () => {
    const set = gadgets();
    const { get } = serviceFor(set);
    const body = (await get("Gadgets?$filter=Kind eq 'gamma' and Size eq 2")).json();
    expect(set.source.calls[0]?.filter).toBe("(Kind eq 'gamma') and (Size eq 2)");
    // The memory source ignores the filter: every row returned proves the in-memory pass.
    expect((body.value as Row[]).map((r) => r.Id)).toEqual(
      ROWS.filter((r) => r.Kind === 'gamma' && r.Size === 2).map((r) => r.Id),
    );
  });

  it('adds @odata.count on every page, counted once', async () => {
    const set = gadgets();
    const { get } = serviceFor(set, { pageSize: 50 });
    const first = (await get('Gadgets?$count=true&$filter=Size lt 5&$top=70')).json();
    expect(first['@odata.count']).toBe(ROWS.filter((r) => (r.Size as number) < 5).length);
    const callsAfterFirst = set.source.calls.length;
    const second = (await get(first['@odata.nextLink'] as string)).json();
    expect(second['@odata.count']).toBe(first['@odata.count']);
    expect(second.value).toHaveLength(20);
    expect(set.source.calls.length - callsAfterFirst).toBe(1);
    const countOnly = await get('Gadgets/$count?$filter=Size lt 5');
    expect(countOnly.headers['Content-Type']).toMatch(/^text\/plain/);
    expect(countOnly.body).toBe(String(first['@odata.count']));
  });

  it('projects $select and says so in the context URL', async () => {
    const { get } = serviceFor();
    const body = (await get('Gadgets?$select=Size,Id&$top=2')).json();
    expect(body['@odata.context']).toBe(`${BASE}$metadata#Gadgets(Id,Size)`);
    expect(body.value).toEqual([
      { Id: 'g0000', Size: 0 },
      { Id: 'g0001', Size: 1 },
    ]);
  });

  it('honours odata.maxpagesize below the server page size and says so', async () => {
    const { get } = serviceFor();
    const res = await get('Gadgets', { prefer: 'odata.track-changes, odata.maxpagesize=40' });
    expect(res.headers['Preference-Applied']).toBe('odata.maxpagesize=40');
    expect(res.json().value).toHaveLength(40);
    const all = await readAll(get, 'Gadgets', { prefer: 'odata.maxpagesize=40' });
    expect(all.rows).toHaveLength(ROWS.length);
    expect(all.pages).toBe(Math.ceil(ROWS.length / 40));
    expect((await get('Gadgets', { prefer: 'odata.maxpagesize=5000' })).json().value).toHaveLength(257);
  });

  it('serves an empty set as an empty page', async () => {
    const { get } = serviceFor(gadgets([]));
    const body = (await get('Gadgets?$count=true')).json();
    expect(body).toEqual({ '@odata.context': `${BASE}$metadata#Gadgets`, '@odata.count': 0, value: [] });
  });
});

describe('errors', () => {
  const expectError = async (path: string, status: number, code: string) => {
    const { get } = serviceFor();
    const res = await get(path);
    expect(res.status).toBe(status);
    expect(res.headers['OData-Version']).toBe('4.0');
    const body = res.json() as { error: { code: string; message: string } };
    expect(body.error.code).toBe(code);
    expect(body.error.message.length).toBeGreaterThan(0);
    return body.error.message;
  };

  it.each([
    ['Gadgets?$filter=Colour eq 1', 400, 'unknown_property'],
    ['Gadgets?$filter=Seen eq null', 400, 'property_not_filterable'],
    ['Gadgets?$select=Id,Colour', 400, 'unknown_property'],
    ['Gadgets?$select=Id,,Size', 400, 'invalid_select'],
    ['Gadgets?$top=-1', 400, 'invalid_query_option'],
    ['Gadgets?$top=abc', 400, 'invalid_query_option'],
    ['Gadgets?$skip=1.5', 400, 'invalid_query_option'],
    ['Gadgets?$top=99999999999', 400, 'invalid_query_option'],
    ['Gadgets?$count=yes', 400, 'invalid_query_option'],
    ['Gadgets?$orderby=Id', 400, 'unsupported_query_option'],
    ['Gadgets?$expand=Parts', 400, 'unsupported_query_option'],
    ['Gadgets?$search=x', 400, 'unsupported_query_option'],
    ['Gadgets?$frobnicate=1', 400, 'unknown_query_option'],
    ['Gadgets?$top=1&$TOP=2', 400, 'duplicate_query_option'],
    ['Gadgets?$skiptoken=garbage!', 400, 'invalid_skiptoken'],
    ['Gadgets?$skiptoken=eyJ2IjoxfQ', 400, 'invalid_skiptoken'],
    ['Gadgets?$format=xml', 406, 'unsupported_format'],
    ['$metadata?$format=json', 406, 'unsupported_format'],
    ['Widgets', 404, 'unknown_entity_set'],
    ["Gadgets('g0001')", 404, 'unknown_entity_set'],
    ['Gadgets/Id', 404, 'unknown_path'],
  ])('%s → %i %s', async (path, status, code) => {
    await expectError(path, status, code);
  });

  it('accepts $format=json and the function key, and refuses any other option without $', async () => {
    const { get } = serviceFor();
    expect((await get('Gadgets?$format=json&$top=1&code=abc')).status).toBe(200);
    for (const path of ['Gadgets?$top=1&code=abc&foo=bar', '?foo=bar', '$metadata?foo=bar']) {
      const res = await get(path);
      expect(res.status, path).toBe(400);
      expect(res.json()).toMatchObject({
        error: {
          code: 'unknown_query_option',
          message: expect.stringMatching(/unknown query parameter "foo"/),
        },
      });
    }
    const forgotDollar = await get("Gadgets?filter=Kind%20eq%20'beta'");
    expect(forgotDollar.json()).toMatchObject({
      error: { message: expect.stringMatching(/system query options start with "\$": \$filter/) },
    });
    expect((await get('Gadgets?$format=application/json;odata.metadata=minimal&$top=1')).status).toBe(200);
  });

  it('refuses a skiptoken replayed on another filter', async () => {
    const { get } = serviceFor(gadgets(), { pageSize: 10 });
    const link = new URL((await get('Gadgets?$filter=Size eq 1')).json()['@odata.nextLink'] as string);
    link.searchParams.set('$filter', 'Size eq 2');
    const res = await get(link.href);
    expect(res.status).toBe(400);
    expect(res.json()).toMatchObject({ error: { code: 'invalid_skiptoken' } });
  });

  it('is read-only: other methods are 405 with Allow', async () => {
    const { service } = serviceFor();
    const res = await service.handle({
      method: 'POST',
      url: `${BASE}Gadgets`,
      path: 'Gadgets',
      header: () => null,
    });
    expect(res.status).toBe(405);
    expect(res.headers.Allow).toBe('GET');
  });

  it('answers any query string with 200 or an OData 4xx, never a throw (fuzz)', async () => {
    const { get } = serviceFor(gadgets(), { pageSize: 20 });
    const name = fc.constantFrom(
      '$filter',
      '$select',
      '$top',
      '$skip',
      '$count',
      '$skiptoken',
      '$format',
      '$orderby',
      'code',
      '$x',
    );
    const value = fc.oneof(
      fc.string({ maxLength: 40 }),
      fc.constantFrom(
        'Size eq 1',
        "Kind eq 'a''b'",
        "not (Size lt 3) or Id ge 'g'",
        'Seen',
        '1',
        '-1',
        'true',
        'Id,Size',
      ),
      fc
        .array(
          fc.constantFrom(
            'Size',
            'Kind',
            'eq',
            'and',
            'or',
            'not',
            '(',
            ')',
            "'x'",
            '3',
            'null',
            '2026-11-24T00:00:00Z',
            ' ',
          ),
          { maxLength: 12 },
        )
        .map((parts) => parts.join(' ')),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(name, value), { maxLength: 4 }), async (pairs) => {
        const q = new URLSearchParams(pairs);
        const res = await get(`Gadgets?${q}`);
        expect([200, 400, 406]).toContain(res.status);
        const body = res.json();
        if (res.status !== 200) {
          expect(body).toEqual({ error: { code: expect.any(String), message: expect.any(String) } });
        }
      }),
      { numRuns: 400 },
    );
  });
});
