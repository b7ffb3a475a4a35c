/**
 * Issue 4's OData "Done when", on the product as deployed: the built composition root served by
 * the local Functions host, Azurite, the HTTPS Graph simulator with a generated tenant, signed
 * uploads from the reference agent and a real collection (which recomputes posture). Clients we
 * did not write read the feed: ts-odata-client follows @odata.nextLink through every entity set
 * on small pages, @sap-ux/edmx-parser reads $metadata. Expected rows come from the tables
 * themselves, listed here with the Table Storage SDK, never from the feed's code.
 */
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import type { TableClient } from '@azure/data-tables';
import { parse as parseEdmx } from '@sap-ux/edmx-parser';
import { ODataQuery } from 'ts-odata-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uploadReport } from '../../agent/reference/upload.js';
import { demoReportBody } from '../../dev/demo-report.js';
import { createDeviceIdentity } from '../../dev/device-identity.js';
import { generateTenant } from '../../dev/graph-sim/generate.js';
import { type GraphSimulator, startGraphSimulator } from '../../dev/graph-sim/server.js';
import type { Tenant } from '../../dev/graph-sim/tenant.js';
import { type LocalHost, startLocalHost } from '../../dev/host.js';
import { ensureDevCa } from '../../dev/tls.js';
import { alertsEntitySet } from '../../shared/alerts/entity-set.js';
import type { CanReset } from '../../shared/dsregcmd/types.js';
import { DEVICE_PROPERTIES, DEVICE_USER_PROPERTIES, feedSets } from '../../shared/feed/index.js';
import { createTableProvider, type TableProvider } from '../../shared/storage/tables.js';
import { testCaDir, testStorageConnectionString, uniqueTablePrefix } from '../support/env.js';

const KEY = 'feed-odata-test-key-0123456789';
const ENTRY = fileURLToPath(new URL('../../dist/functions/index.js', import.meta.url));
const ZERO = '00000000-0000-0000-0000-000000000000';
/** Small pages, so every set with more than a handful of rows is read over several requests. */
const PAGE = 25;
// The five posture sets, then the Alerts set the composition root adds.
const SETS = ['Devices', 'DeviceUsers', 'DailySummary', 'Reasons', 'Policies', 'Alerts'];

// biome-ignore lint/suspicious/noExplicitAny: OData JSON rows, checked field by field
type Json = Record<string, any>;
type Raw = Record<string, unknown>;

interface UserSpec {
  ngcSet: boolean;
  canReset?: CanReset;
}
/** Cycled over the reporting devices: every posture the reports can produce, one or two users. */
const MIXES: UserSpec[][] = [
  [{ ngcSet: true, canReset: 'DestructiveOnly' }],
  [{ ngcSet: true, canReset: 'DestructiveAndNonDestructive' }],
  [{ ngcSet: false }],
  [
    { ngcSet: true, canReset: 'NonDestructiveOnly' },
    { ngcSet: true, canReset: 'DestructiveOnly' },
  ],
  [{ ngcSet: true, canReset: 'Unknown' }],
];

let tenant: Tenant;
let sim: GraphSimulator;
let host: LocalHost;
let tables: TableProvider;
const logs: string[] = [];
let root: string;
/** Entra device ids of the devices that uploaded reports. */
let reporters: string[] = [];

async function upload(key: KeyObject, deviceId: string, users: UserSpec[]): Promise<void> {
  const identity = await createDeviceIdentity({ deviceId, privateKey: key });
  tenant.setDeviceCertificate(deviceId, identity.certDer);
  const body = demoReportBody({
    device: {
      deviceId,
      tenantId: tenant.tenantId,
      tenantName: 'Contoso',
      deviceName: `PC-${deviceId.slice(0, 6)}`,
      azureAdJoined: true,
      domainJoined: false,
      thumbprint: identity.binding.thumbprint,
    },
    users: users.map((u, i) => ({
      upn: `user${i}@${tenant.domain}`,
      sid: `S-1-12-1-${i}-1000`,
      ngcSet: u.ngcSet,
      ...(u.ngcSet ? { ngcKeyId: `fa0db076-a5d7-4844-82d8-50a2fb42ec${String(i).padStart(2, '0')}` } : {}),
      ...(u.canReset ? { canReset: u.canReset } : {}),
    })),
  });
  const res = await uploadReport(
    host.url,
    { deviceId, certDer: identity.certDer, privateKey: identity.privateKeyPem },
    body,
    { maxAttempts: 3, baseDelayMs: 10, sleep: (ms) => new Promise((r) => setTimeout(r, Math.min(ms, 50))) },
  );
  expect(res.status, JSON.stringify(res.body)).toBe(202);
}

/** Every entity of a table, straight from the SDK (optionally with the stored EDM types). */
async function listTable(name: string, disableTypeConversion = false): Promise<Raw[]> {
  const table: TableClient = await tables.table(name);
  const out: Raw[] = [];
  for await (const e of table.listEntities<Raw>({ queryOptions: {}, disableTypeConversion } as never))
    out.push(e as Raw);
  return out;
}

/** Live (still in Intune) posture rows: the fleet the summary counts. */
async function storedDevices(): Promise<Raw[]> {
  return (await listTable('Posture')).filter((r) => r.LeftIntune !== true);
}

/**
 * A client query with small pages (Prefer header). With `inUrl` the key rides in the URL, as
 * Power BI sends it; the client's query builder drops a URL's own query string, so queries it
 * builds ($filter, $count) carry the key as a header instead.
 */
function query<T = Json>(set: string, inUrl = true) {
  const prefer = { prefer: `odata.maxpagesize=${PAGE}` };
  return inUrl
    ? ODataQuery.forV4<T>(`${root}${set}?code=${KEY}`, { requestInit: () => ({ headers: prefer }) })
    : ODataQuery.forV4<T>(`${root}${set}`, {
        requestInit: () => ({ headers: { ...prefer, 'x-functions-key': KEY } }),
      });
}

/** Every row of a set, by the client's own iteration over @odata.nextLink. */
async function readAll(set: string): Promise<Json[]> {
  const rows: Json[] = [];
  for await (const row of query(set)) rows.push(row as Json);
  return rows;
}

/** Every row a raw $filter selects, following nextLinks by hand (and the @odata.count it states). */
async function readFiltered(set: string, filter: string): Promise<{ rows: Json[]; count: number }> {
  let url: string | undefined = `${root}${set}?code=${KEY}&$count=true&$filter=${encodeURIComponent(filter)}`;
  const rows: Json[] = [];
  let count = -1;
  while (url) {
    const res = await fetch(url, { headers: { prefer: `odata.maxpagesize=${PAGE}` } });
    const body = (await res.json()) as Json;
    expect(res.status, JSON.stringify(body)).toBe(200);
    count = body['@odata.count'];
    rows.push(...body.value);
    url = body['@odata.nextLink'];
  }
  return { rows, count };
}

const sorted = (xs: unknown[]) => xs.map(String).sort();
const time = (v: unknown) => (v instanceof Date ? v.getTime() : Number.NaN);

beforeAll(async () => {
  tenant = generateTenant({ devices: 240, seed: 'feed-odata', now: new Date().toISOString() });
  const key = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
  reporters = tenant.managedDevices
    .filter((d) => d.operatingSystem === 'Windows')
    .map((d) => d.azureADDeviceId.toLowerCase())
    .filter((id) => id !== ZERO && tenant.entraDeviceByDeviceId(id)?.accountEnabled === true)
    .slice(0, 40);
  sim = await startGraphSimulator({ tenant, ca: await ensureDevCa(testCaDir()) });
  const prefix = uniqueTablePrefix('feed');
  Object.assign(process.env, {
    STORAGE_CONNECTION_STRING: testStorageConnectionString(),
    TABLE_PREFIX: prefix,
    GRAPH_BASE_URL: sim.baseUrl,
    GRAPH_ACCESS_TOKEN: sim.token,
  });
  tables = createTableProvider({ connectionString: testStorageConnectionString(), tablePrefix: prefix });
  host = await startLocalHost({ port: 0, entryPoint: ENTRY, key: KEY, log: (l) => logs.push(l) });
  root = `${host.url}/api/odata/`;
  for (let i = 0; i < reporters.length; i += 10) {
    await Promise.all(
      reporters.slice(i, i + 10).map((id, j) => upload(key, id, MIXES[(i + j) % MIXES.length]!)),
    );
  }
  // Collection, then the full posture recompute the timer runs after it.
  await host.invoke('collectInventory');
}, 180_000);

afterAll(async () => {
  await host?.stop();
  await sim?.stop();
});

describe('an OData client we did not write', () => {
  it('reads every entity set in the service document to the end by following @odata.nextLink', async () => {
    const doc = (await (await fetch(`${root}?code=${KEY}`)).json()) as Json;
    expect(doc.value.map((s: Json) => s.name)).toEqual(SETS);

    const summary = (await (await fetch(`${host.url}/api/summary?code=${KEY}`)).json()) as Json;
    const devices = await readAll('Devices');
    // The Done-when: one flat row per device, as many as the summary counts.
    expect(devices).toHaveLength(summary.totals.devices);
    expect(sorted(devices.map((d) => d.DeviceKey))).toEqual(
      sorted((await storedDevices()).map((r) => r.rowKey)),
    );
    // More than one page really happened: one request per PAGE rows, and one for the rest.
    const deviceGets = logs.filter((l) => /GET \/api\/odata\/Devices -> 200/.test(l));
    expect(deviceGets).toHaveLength(Math.ceil(devices.length / PAGE));
    expect(devices.length).toBeGreaterThan(3 * PAGE);

    const users = await readAll('DeviceUsers');
    const storedUsers = await listTable('DeviceUsers');
    expect(users).toHaveLength(storedUsers.length);
    expect(users.length).toBeGreaterThan(PAGE);
    const u = storedUsers[0]!;
    expect(users.find((x) => x.DeviceKey === u.DeviceKey && x.UserKey === u.UserKey)).toMatchObject({
      UserPrincipalName: u.Upn,
      Posture: u.Posture,
      ReportedAt: (u.ReportedAt as Date).toISOString(),
    });

    const daily = await readAll('DailySummary');
    const today = Number(new Date().toISOString().slice(0, 10).replaceAll('-', ''));
    expect(daily.map((d) => d.DateKey)).toEqual([today]);
    expect(daily[0]).toMatchObject({
      Devices: summary.totals.devices,
      DestructiveOnly: summary.byPosture.destructiveOnly,
      NotReported: summary.byPosture.notReported,
    });

    const reasons = await readAll('Reasons');
    expect(reasons.length).toBeGreaterThan(0);
    for (const r of reasons) expect(r.Devices).toBe(summary.byReason[r.Code]);
    const surfaced = summary.reasons.map((r: Json) => [r.code, r.title, r.docsUrl]);
    expect(surfaced.length).toBeGreaterThan(0);
    expect(reasons.filter((r) => r.Devices > 0).map((r) => [r.Code, r.Title, r.DocsUrl])).toEqual(
      expect.arrayContaining(surfaced),
    );

    const policies = await readAll('Policies');
    const storedPolicies = (await listTable('Policies')).filter((p) => p.Removed !== true);
    expect(policies.length).toBeGreaterThan(0);
    expect(sorted(policies.map((p) => p.Id))).toEqual(sorted(storedPolicies.map((p) => p.PolicyId)));
    for (const p of policies) {
      const stored = storedPolicies.find((s) => s.PolicyId === p.Id)!;
      expect(p.AssignmentCount).toBe(JSON.parse(stored.Assignments as string).length);
      expect(p.Name).toBe(stored.Name);
    }

    // The collection's after-run step evaluated alerts; the feed serves every stored row.
    const alerts = await readAll('Alerts');
    expect(sorted(alerts.map((a) => a.AlertId))).toEqual(
      sorted((await listTable('Alerts')).map((a) => a.rowKey)),
    );
  });

  it("answers Posture eq 'destructiveOnly' with exactly the devices stored as destructiveOnly", async () => {
    const want = (await storedDevices()).filter((r) => r.Posture === 'destructiveOnly').map((r) => r.rowKey);
    expect(want.length).toBeGreaterThan(0);
    let page = await query<{ DeviceKey: string; Posture: string }>('Devices', false)
      .filter((d) => d.Posture.$equals('destructiveOnly'))
      .getManyWithCountAsync();
    expect(page['@odata.count']).toBe(want.length);
    const got = [...page.value];
    while (page.next) {
      page = await page.next();
      got.push(...page.value);
    }
    expect(sorted(got.map((d) => d.DeviceKey))).toEqual(sorted(want));
  });

  it('filters on date and number columns exactly, pushed down to the stored types', async () => {
    const stored = await storedDevices();
    const reportTimes = stored.map((r) => time(r.LastReportAt)).filter((t) => Number.isFinite(t));
    reportTimes.sort((a, b) => a - b);
    // A bound inside the reports, so both sides are non-empty.
    const bound = reportTimes[Math.floor(reportTimes.length / 2)]!;
    const iso = new Date(bound).toISOString();
    const cases: Array<[string, string, (r: Raw) => boolean]> = [
      ['Devices', `LastReportAt ge ${iso}`, (r) => time(r.LastReportAt) >= bound],
      ['Devices', `LastReportAt lt ${iso} or LastReportAt eq null`, (r) => !(time(r.LastReportAt) >= bound)],
      ['Devices', 'UserCount ge 2', (r) => Number(r.UserCount) >= 2],
      ['Devices', 'DaysDestructiveOnly eq 0', (r) => r.DaysDestructiveOnly === 0],
      [
        'Devices',
        `OsBuild gt 0 and DestructiveOnlySince le ${new Date().toISOString()}`,
        (r) => Number(r.OsBuild) > 0 && time(r.DestructiveOnlySince) <= Date.now(),
      ],
      [
        'Devices',
        "Posture ne 'notReported' and HybridKeyTrustRisk eq false",
        (r) => r.Posture !== 'notReported' && r.HybridKeyTrustRisk === false,
      ],
    ];
    for (const [set, filter, keep] of cases) {
      const want = stored.filter(keep).map((r) => r.rowKey);
      expect(want.length, filter).toBeGreaterThan(0);
      expect(want.length, filter).toBeLessThan(stored.length);
      const { rows, count } = await readFiltered(set, filter);
      expect(count, filter).toBe(want.length);
      expect(sorted(rows.map((r) => r.DeviceKey)), filter).toEqual(sorted(want));
    }

    const today = Number(new Date().toISOString().slice(0, 10).replaceAll('-', ''));
    expect((await readFiltered('DailySummary', `DateKey ge ${today} and Devices gt 0`)).count).toBe(1);
    expect((await readFiltered('DailySummary', `DateKey lt ${today}`)).count).toBe(0);
    const assigned = await readFiltered('Policies', 'AssignmentCount ge 1');
    expect(assigned.rows.every((p) => p.AssignmentCount >= 1)).toBe(true);
  });

  it('stores every pushed-down column with the EDM type the feed declares', async () => {
    // Azure Table Storage compares typed values (a datetime literal never matches a string):
    // the wire types of the stored rows must be the declared ones, or push-down would miss rows.
    const wire: Record<string, string> = {
      'Edm.String': 'String',
      'Edm.Int32': 'Int32',
      'Edm.Boolean': 'Boolean',
      'Edm.DateTimeOffset': 'DateTime',
    };
    const checks: Array<[string, typeof DEVICE_PROPERTIES, Record<string, string>]> = [
      ['Posture', DEVICE_PROPERTIES, { DeviceKey: 'RowKey' }],
      ['DeviceUsers', DEVICE_USER_PROPERTIES, { UserPrincipalName: 'Upn' }],
    ];
    for (const [table, properties, columns] of checks) {
      const rows = await listTable(table, true);
      const seen = new Set<string>();
      for (const row of rows) {
        for (const p of properties.filter((x) => x.filterable)) {
          const column = columns[p.name] ?? p.name;
          if (column === 'RowKey') continue;
          const v = row[column] as { type?: string } | undefined;
          if (v === undefined) continue;
          seen.add(p.name);
          expect(v.type, `${table}.${column}`).toBe(wire[p.type]);
        }
      }
      // Each typed column was seen at least once (else the check proved nothing about it).
      for (const p of properties.filter((x) => x.filterable && x.type !== 'Edm.String')) {
        expect(seen, table).toContain(p.name);
      }
    }
  });
});

describe('$metadata', () => {
  it('parses as CSDL 4.0 with every entity set, key and typed column, DateKey an Int32', async () => {
    const res = await fetch(`${root}$metadata?code=${KEY}`);
    expect(res.status).toBe(200);
    const csdl = parseEdmx(await res.text()) as unknown as {
      version: string;
      schema: {
        entitySets: Array<{ name: string }>;
        entityTypes: Array<{
          name: string;
          keys: Array<{ name: string }>;
          entityProperties: Array<{ name: string; type: string }>;
        }>;
      };
    };
    expect(csdl.version).toBe('4.0');
    expect(csdl.schema.entitySets.map((s) => s.name)).toEqual(SETS);
    const defs = feedSets(
      { tables, posture: { readSummary: async () => null } },
      { extraSets: [alertsEntitySet(tables)] },
    );
    for (const def of defs) {
      const type = csdl.schema.entityTypes.find((t) => t.name === def.entityType);
      expect(type?.keys.map((k) => k.name)).toEqual(def.key);
      expect(type?.entityProperties.map((p) => [p.name, p.type])).toEqual(
        def.properties.map((p) => [p.name, p.type]),
      );
    }
    const daily = csdl.schema.entityTypes.find((t) => t.name === 'DailySummary');
    expect(daily?.entityProperties.find((p) => p.name === 'DateKey')?.type).toBe('Edm.Int32');
  });
});

describe('query options', () => {
  it('honours $select, $top, $skip and $count against the full read', async () => {
    const all = await readAll('Devices');
    const res = await fetch(
      `${root}Devices?code=${KEY}&$select=DeviceKey,Posture&$top=7&$skip=3&$count=true`,
    );
    const body = (await res.json()) as Json;
    expect(res.status).toBe(200);
    expect(body['@odata.count']).toBe(all.length);
    expect(body.value).toEqual(all.slice(3, 10).map((d) => ({ DeviceKey: d.DeviceKey, Posture: d.Posture })));
    expect(body['@odata.nextLink']).toBeUndefined();
    const count = await fetch(
      `${root}Devices/$count?code=${KEY}&$filter=${encodeURIComponent("Posture eq 'destructiveOnly'")}`,
    );
    expect(Number(await count.text())).toBe(all.filter((d) => d.Posture === 'destructiveOnly').length);
  });

  it.each([
    ["Devices?$filter=Reasons eq 'x'", 'unknown_property'],
    ["Devices?$filter=OsBuild eq 'x'", 'type_mismatch'],
    ['Devices?$filter=LastReportAt ge 2026-13-01T00:00:00Z', 'invalid_filter'],
    ["Devices?$filter=contains(DeviceName,'PC')", 'not_supported'],
    ['Devices?$orderby=DeviceName', 'unsupported_query_option'],
    ['Devices?$top=many', 'invalid_query_option'],
    ['Devices?$select=Nope', 'unknown_property'],
    ['DailySummary?$filter=DateKey eq', 'invalid_filter'],
    ['Policies?$skiptoken=AAAA', 'invalid_skiptoken'],
    ['Reasons?$expand=Devices', 'unsupported_query_option'],
  ])('%s → 400 %s', async (path, code) => {
    const [set, q] = path.split('?') as [string, string];
    const [name, value] = [q.slice(0, q.indexOf('=')), q.slice(q.indexOf('=') + 1)];
    const res = await fetch(`${root}${set}?code=${KEY}&${name}=${encodeURIComponent(value)}`);
    expect(res.status).toBe(400);
    expect(res.headers.get('odata-version')).toBe('4.0');
    const body = (await res.json()) as Json;
    expect(body).toEqual({ error: { code: expect.any(String), message: expect.any(String) } });
    expect(body.error.code).toBe(code);
  });

  it('never answered 500', () => {
    expect(logs.filter((l) => /odata.* -> 5\d\d/.test(l))).toEqual([]);
  });
});

describe('devices that leave Intune', () => {
  it('leaves them out of Devices, which still equals the summary device count', async () => {
    // A device that reported keeps its posture row (LeftIntune) after it leaves Intune.
    const leaving = reporters[0]!;
    const managed = tenant.managedDevices.find((d) => d.azureADDeviceId.toLowerCase() === leaving)!;
    tenant.managedDevices.splice(tenant.managedDevices.indexOf(managed), 1);
    await host.invoke('collectInventory');

    const stored = await listTable('Posture');
    expect(stored.find((r) => r.rowKey === leaving)?.LeftIntune).toBe(true);
    const summary = (await (await fetch(`${host.url}/api/summary?code=${KEY}`)).json()) as Json;
    expect(summary.totals.removed).toBeGreaterThanOrEqual(1);
    const devices = await readAll('Devices');
    expect(devices).toHaveLength(summary.totals.devices);
    expect(devices.map((d) => d.DeviceKey)).not.toContain(leaving);
    const filtered = await readFiltered('Devices', `DeviceKey eq '${leaving}'`);
    expect(filtered).toEqual({ rows: [], count: 0 });
  });
});
