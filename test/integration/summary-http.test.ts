/**
 * /api/devices, /api/summary and /api/health through their real handlers (HttpRequest /
 * InvocationContext) over posture rows in Azurite: filters select what the test expects,
 * pages reach every row exactly once, CSV is quoted and formula-safe, bad parameters get a
 * JSON error with a code, and health tells storage and collection problems apart.
 */
import { HttpRequest, type HttpResponseInit, InvocationContext } from '@azure/functions';
import { beforeAll, describe, expect, it } from 'vitest';
import { handleOpenAlerts } from '../../functions/alerts.js';
import { handleDevices } from '../../functions/devices.js';
import { handleHealth } from '../../functions/health.js';
import { handleSummary } from '../../functions/summary.js';
import { handleLatestReport } from '../../functions/weekly-report.js';
import { writeRunFinished } from '../../shared/collection/run-record.js';
import { CollectionStore } from '../../shared/collection/store.js';
import { COLLECTION_TABLES } from '../../shared/collection/tables.js';
import { DEVICE_COLUMN_HEADERS } from '../../shared/device-list/index.js';
import { aggregatePostures } from '../../shared/posture/aggregate.js';
import type { DevicePosture, Posture, ReasonCode } from '../../shared/posture/types.js';
import { postureEntity } from '../../shared/posture-store/entities.js';
import { PostureStore } from '../../shared/posture-store/store.js';
import { createTableProvider } from '../../shared/storage/tables.js';
import { devicesCsv } from '../../shared/weekly-report/render/csv.js';
import { testStorageConnectionString, uniqueTablePrefix } from '../support/env.js';

// biome-ignore lint/suspicious/noExplicitAny: JSON answers, checked field by field by the assertions
type Json = Record<string, any>;

const tables = createTableProvider({
  connectionString: testStorageConnectionString(),
  tablePrefix: uniqueTablePrefix('sh'),
});
const posture = new PostureStore(tables);
const logs: string[] = [];

const POSTURES: Posture[] = ['nonDestructive', 'destructiveOnly', 'noHelloKey', 'notReported'];
const REASONS: ReasonCode[] = ['POLICY_NOT_TARGETED', 'OS_TOO_OLD'];

function hexId(i: number): string {
  const h = (i * 2654435761).toString(16).padStart(8, '0').slice(-8);
  return `${h}-0000-4000-8000-${String(i).padStart(12, '0')}`;
}

function record(i: number): DevicePosture {
  const p = POSTURES[i % POSTURES.length]!;
  const codes = p === 'nonDestructive' ? [] : i % 3 === 0 ? [...REASONS] : [REASONS[i % 2]!];
  const names: Record<number, string> = {
    5: 'HQ, "north"',
    6: '=HYPERLINK("http://x")',
    9: 'Büro-Müller-Ørsted-東京',
  };
  return {
    managedDeviceId: hexId(i + 1000),
    deviceId: hexId(i),
    deviceName: names[i] ?? `PC-${i}`,
    userPrincipalName: `user${i}@contoso.com`,
    posture: p,
    reasonCodes: codes.join(','),
    reasons: codes.map((code) => ({ code, message: 'm', evidence: {} })),
    primaryReason: codes[0] ?? null,
    complianceState: i % 4 === 1 ? 'noncompliant' : 'compliant',
    joinType: 'azureADJoined',
    osVersion: '10.0.22631.1',
    osBuild: 22631,
    lastSyncDateTime: '2026-11-20T10:00:00.000Z',
    lastReportAt: p === 'notReported' ? null : '2026-11-21T10:00:00.000Z',
    destructiveOnlySince: p === 'destructiveOnly' ? '2026-11-01T00:00:00.000Z' : null,
    daysDestructiveOnly: p === 'destructiveOnly' ? 20 : null,
    targetingResult: 'enabled',
    targetingPolicyIds: 'p1,p2',
    hybridKeyTrustRisk: false,
    resettableNow: false,
    removed: i === 7,
    userCount: p === 'notReported' ? 0 : 1,
    users: [],
    warnings: [],
    warningCodes: '',
    evaluatedAt: '2026-11-21T10:00:00.000Z',
  };
}

const NOW = new Date('2026-11-21T12:00:00Z');
const records = Array.from({ length: 61 }, (_, i) => record(i));
const live = records.filter((r) => !r.removed);

function context(name: string): InvocationContext {
  return new InvocationContext({
    functionName: name,
    logHandler: (level, ...args) => logs.push(`${level} ${args.map((a) => JSON.stringify(a)).join(' ')}`),
  });
}

async function devices(query: string) {
  const req = new HttpRequest({ method: 'GET', url: `http://localhost/api/devices${query}` });
  const res = await handleDevices(req, context('devices'), { posture, now: () => NOW });
  return res;
}

async function devicesJson(query: string) {
  const res = await devices(query);
  return { status: res.status ?? 200, body: res.jsonBody as Json };
}

async function csvBytes(query: string): Promise<Buffer> {
  const res = await devices(query);
  expect(res.status).toBe(200);
  expect((res.headers as Record<string, string>)['content-type']).toMatch(/^text\/csv/);
  const chunks: Buffer[] = [];
  for await (const chunk of res.body as AsyncIterable<Uint8Array>) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks);
}

/** Lines after the UTF-8 byte order mark every CSV starts with. */
async function csv(query: string): Promise<string[]> {
  const bytes = await csvBytes(query);
  expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
  return bytes.subarray(3).toString('utf8').split('\r\n').slice(0, -1);
}

/** A continuation token in our format with these fields (to forge one). */
function token(fields: Record<string, unknown>): string {
  return Buffer.from(JSON.stringify(fields), 'utf8').toString('base64url');
}

async function allKeys(query: string, top: number): Promise<string[]> {
  const keys: string[] = [];
  let continuation: string | null = null;
  do {
    const q = `${query}${query ? '&' : '?'}top=${top}${continuation ? `&continuation=${continuation}` : ''}`;
    const { status, body } = await devicesJson(q);
    expect(status).toBe(200);
    keys.push(...body.devices.map((d: { deviceKey: string }) => d.deviceKey));
    continuation = body.continuation;
  } while (continuation);
  return keys;
}

beforeAll(async () => {
  await posture.syncPostures(records.map((r) => postureEntity(r.deviceId, r, null)));
  const now = new Date('2026-11-21T12:00:00Z');
  await posture.writeSummary({
    summary: aggregatePostures(records, { tenant: null, events: [], now }),
    generatedAt: now.toISOString(),
    lastCollectionAt: '2026-11-21T11:00:00.000Z',
    lastCollectionRunId: 'r1',
    lastReportAt: '2026-11-21T10:00:00.000Z',
  });
});

describe('GET /api/devices', () => {
  it('pages through every device once, removed devices only when asked', async () => {
    const keys = await allKeys('', 7);
    expect(keys.sort()).toEqual(live.map((r) => r.deviceId).sort());
    const withRemoved = await allKeys('?includeRemoved=true', 50);
    expect(withRemoved).toHaveLength(records.length);
  });

  it.each([
    ['?posture=destructiveOnly', (r: DevicePosture) => r.posture === 'destructiveOnly'],
    ['?reason=OS_TOO_OLD', (r: DevicePosture) => r.reasonCodes.split(',').includes('OS_TOO_OLD')],
    ['?compliance=noncompliant', (r: DevicePosture) => r.complianceState === 'noncompliant'],
    [
      '?posture=noHelloKey&reason=POLICY_NOT_TARGETED',
      (r: DevicePosture) => r.posture === 'noHelloKey' && r.reasonCodes.includes('POLICY_NOT_TARGETED'),
    ],
  ])('%s selects exactly the matching devices', async (query, match) => {
    const keys = await allKeys(query, 5);
    expect(keys.sort()).toEqual(
      live
        .filter(match)
        .map((r) => r.deviceId)
        .sort(),
    );
  });

  it('answers one device as lists and ISO dates', async () => {
    const { body } = await devicesJson('?posture=destructiveOnly&top=1');
    expect(body.devices[0]).toMatchObject({
      posture: 'destructiveOnly',
      destructiveOnlySince: '2026-11-01T00:00:00.000Z',
      targetingPolicyIds: ['p1', 'p2'],
      removed: false,
    });
    expect(Array.isArray(body.devices[0].reasonCodes)).toBe(true);
  });

  it('streams CSV with a BOM, the shared header, every matching row, quoted and formula-safe', async () => {
    const lines = await csv('?format=csv');
    expect(lines[0]).toBe(DEVICE_COLUMN_HEADERS.join(','));
    expect(lines).toHaveLength(live.length + 1);
    const keyCol = DEVICE_COLUMN_HEADERS.indexOf('DeviceKey');
    const byKey = (id: string) => lines.find((l) => l.includes(`,${id},`));
    expect(
      lines
        .slice(1)
        .map((l) => /,([0-9a-f]{8}-[0-9a-f-]{27}),/.exec(l)?.[1])
        .sort(),
    ).toEqual(live.map((r) => r.deviceId).sort());
    expect(keyCol).toBe(1);
    expect(byKey(hexId(5))).toMatch(/^"HQ, ""north""",/);
    expect(byKey(hexId(6))).toMatch(/^"'=HYPERLINK\(""http:\/\/x""\)",/);
    // Non-ASCII names come through as UTF-8 (the BOM tells Excel so).
    expect(byKey(hexId(9))).toMatch(/^Büro-Müller-Ørsted-東京,/);
    const filtered = await csv('?format=csv&posture=notReported');
    expect(filtered).toHaveLength(live.filter((r) => r.posture === 'notReported').length + 1);
  });

  it('writes the same columns and cells as the weekly report CSV for the same device', async () => {
    const lines = await csv('?format=csv&posture=destructiveOnly');
    const record = live.find((r) => r.posture === 'destructiveOnly')!;
    const weekly = devicesCsv([record], NOW).slice(1).split('\r\n');
    expect(weekly[0]).toBe(lines[0]);
    expect(lines).toContain(weekly[1]);
  });

  it('states the total from the summary where it counts exactly the filter, else null, and the page count', async () => {
    const count = (match: (r: DevicePosture) => boolean) => live.filter(match).length;
    const cases: [string, number | null][] = [
      ['', live.length],
      ['?posture=destructiveOnly', count((r) => r.posture === 'destructiveOnly')],
      ['?reason=OS_TOO_OLD', count((r) => r.reasonCodes.split(',').includes('OS_TOO_OLD'))],
      ['?compliance=noncompliant', count((r) => r.complianceState === 'noncompliant')],
      ['?includeRemoved=true', records.length],
      ['?posture=noHelloKey&reason=POLICY_NOT_TARGETED', null],
      ['?posture=stale&includeRemoved=true', null],
    ];
    for (const [query, total] of cases) {
      const { status, body } = await devicesJson(`${query}${query ? '&' : '?'}top=3`);
      expect(status, query).toBe(200);
      expect(body.total, query).toBe(total);
      expect(body.pageCount, query).toBe(body.devices.length);
      expect(body.count, query).toBeUndefined();
    }
  });

  it('refuses a continuation that was forged, tampered with or issued for other filters', async () => {
    const first = await devicesJson('?posture=destructiveOnly&top=2');
    const issued = first.body.continuation as string;
    expect(issued).toMatch(/^[A-Za-z0-9_-]+$/);
    expect((await devicesJson(`?posture=destructiveOnly&top=2&continuation=${issued}`)).status).toBe(200);
    const inner = JSON.parse(Buffer.from(issued, 'base64url').toString('utf8'));
    const forged = [
      token({ ...inner, rk: 5 }),
      token({ ...inner, pk: ['x'] }),
      token({ ...inner, extra: true }),
      // The store's own token, wrapped as the endpoint used to, with a row key that is not a string.
      Buffer.from(Buffer.from('{"nextPartitionKey":"a","nextRowKey":5}').toString('base64')).toString(
        'base64url',
      ),
    ];
    for (const t of forged) {
      const { status, body } = await devicesJson(`?posture=destructiveOnly&continuation=${t}`);
      expect(status, t).toBe(400);
      expect(body.error.code).toBe('invalid_continuation');
    }
    const other = await devicesJson(`?posture=stale&top=2&continuation=${issued}`);
    expect(other.status).toBe(400);
    expect(other.body.error.message).toMatch(/other filters/);
  });

  it.each([
    ['?postur=x', 'unknown_parameter'],
    ['?posture=ready', 'invalid_parameter'],
    ['?reason=NOPE', 'invalid_parameter'],
    ['?compliance=a%20b', 'invalid_parameter'],
    ['?compliance=bogus', 'invalid_parameter'],
    ['?top=0', 'invalid_parameter'],
    ['?top=1001', 'invalid_parameter'],
    ['?format=xml', 'invalid_parameter'],
    ['?posture=stale&posture=unknown', 'invalid_parameter'],
    ['?continuation=not-a-token', 'invalid_continuation'],
    ['?continuation=eyJhIjoxfQ', 'invalid_continuation'],
  ])('%s → 400 %s', async (query, code) => {
    const { status, body } = await devicesJson(query);
    expect(status).toBe(400);
    expect(body.error.code).toBe(code);
    expect(body.error.message.length).toBeGreaterThan(5);
  });

  it('names the bad value and the allowed ones, and every unknown parameter', async () => {
    const bogus = await devicesJson('?compliance=bogus');
    expect(bogus.body.error.message).toBe(
      'compliance "bogus" is not allowed: use one of unknown, compliant, noncompliant, conflict, error, inGracePeriod, configManager',
    );
    const unknown = await devicesJson('?postrue=stale&limit=5&top=2');
    expect(unknown.body.error.message).toBe(
      'unknown query parameters "postrue", "limit": this endpoint takes posture, reason, compliance, search, includeRemoved, top, continuation, format',
    );
    expect((await devicesJson('?top=abc')).body.error.message).toMatch(
      /^top "abc" is not allowed: must be a whole number/,
    );
  });

  it('accepts the function key as the code parameter', async () => {
    expect((await devicesJson('?code=abc&top=1')).status).toBe(200);
  });
});

describe('GET /api/summary', () => {
  it('serves the stored row with reasons ranked and their guidance', async () => {
    const res = await handleSummary(
      new HttpRequest({ method: 'GET', url: 'http://localhost/api/summary' }),
      context('summary'),
      { posture },
    );
    expect(res.status).toBe(200);
    const body = res.jsonBody as Json;
    const counts = (p: Posture) => live.filter((r) => r.posture === p).length;
    expect(body.byPosture).toMatchObject({
      nonDestructive: counts('nonDestructive'),
      destructiveOnly: counts('destructiveOnly'),
      notReported: counts('notReported'),
    });
    expect(body.totals).toMatchObject({ devices: live.length, removed: 1 });
    expect(body.lastCollectionAt).toBe('2026-11-21T11:00:00.000Z');
    const devicesPerReason = body.reasons.map((r: { devices: number }) => r.devices);
    expect(devicesPerReason).toEqual([...devicesPerReason].sort((a, b) => b - a));
    expect(body.reasons[0].docsUrl).toMatch(/^https:\/\/learn\.microsoft\.com\//);
  });
});

describe('unknown query parameters on every keyed read endpoint', () => {
  const get = (path: string) => new HttpRequest({ method: 'GET', url: `http://localhost/api/${path}` });
  const endpoints: [string, (q: string) => Promise<HttpResponseInit>][] = [
    ['summary', (q) => handleSummary(get(`summary${q}`), context('summary'), { posture })],
    ['alerts', (q) => handleOpenAlerts(get(`alerts${q}`), context('alerts'), { tables })],
    [
      'reports/latest',
      (q) =>
        handleLatestReport(get(`reports/latest${q}`), context('latestReport'), {
          history: { latestHtml: async () => null },
        }),
    ],
    ['devices', (q) => handleDevices(get(`devices${q}`), context('devices'), { posture })],
  ];

  it.each(endpoints)(
    '%s refuses them with 400 naming each, and accepts the function key',
    async (_, call) => {
      const refused = await call('?code=k&verbose=1&format2=x');
      expect(refused.status).toBe(400);
      expect((refused.jsonBody as Json).error).toMatchObject({
        code: 'unknown_parameter',
        message: expect.stringMatching(/^unknown query parameters "verbose", "format2": this endpoint takes/),
      });
      expect((await call('?code=k')).status).not.toBe(400);
    },
  );
});

describe('GET /api/health', () => {
  const runs = () => tables.table(COLLECTION_TABLES.runs);
  const collection = new CollectionStore(tables);
  const deps = (now: string) => ({
    latestRun: () => collection.latestRun(),
    readSummary: () => posture.readSummary(),
    maxCollectionAgeHours: 13,
    now: () => new Date(now),
  });
  const health = async (d: Parameters<typeof handleHealth>[2]) => {
    const res = await handleHealth(
      new HttpRequest({ method: 'GET', url: 'http://localhost/api/health' }),
      context('health'),
      d,
    );
    return { status: res.status, body: res.jsonBody as Json };
  };
  const run = (status: 'succeeded' | 'failed', startedAt: string) =>
    runs().then((t) =>
      writeRunFinished(
        t,
        {
          runId: `run-${startedAt}`,
          status,
          startedAt,
          endedAt: new Date(Date.parse(startedAt) + 60_000).toISOString(),
          tenantId: null,
          devices: 1,
          removedDevices: 0,
          policies: 0,
          groups: 0,
          graphRequests: 1,
          graphRequestsByEndpoint: {},
          retries: 0,
          tableWrites: 0,
          tableBatches: 0,
          tableWritesByTable: {},
          durationMs: 60_000,
          readiness: null,
          errors: status === 'failed' ? [{ phase: 'devices', code: '503', message: 'x' }] : [],
        },
        'test',
      ),
    );

  it('is healthy after a recent successful collection and unhealthy when it gets too old', async () => {
    await run('succeeded', '2026-11-21T00:00:00.000Z');
    const ok = await health(deps('2026-11-21T06:00:00.000Z'));
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({
      status: 'healthy',
      checks: { storage: { ok: true }, collection: { ok: true } },
    });
    const old = await health(deps('2026-11-22T06:00:00.000Z'));
    expect(old.status).toBe(503);
    expect(old.body.checks.collection.problem).toBe('collection_too_old');
  });

  it('is unhealthy when the last run failed, naming phase and code only', async () => {
    await run('failed', '2026-11-21T07:00:00.000Z');
    const res = await health(deps('2026-11-21T08:00:00.000Z'));
    expect(res.status).toBe(503);
    expect(res.body.checks.collection).toMatchObject({ problem: 'last_run_failed', errors: ['devices:503'] });
  });

  it('is unhealthy when storage cannot be reached', async () => {
    const dead = createTableProvider({
      connectionString:
        'DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;TableEndpoint=http://127.0.0.1:1/devstoreaccount1;',
      tablePrefix: 'dead',
    });
    const res = await health({
      latestRun: () => new CollectionStore(dead).latestRun(),
      readSummary: () => new PostureStore(dead).readSummary(),
    });
    expect(res.status).toBe(503);
    expect(res.body.checks.storage).toMatchObject({ ok: false, problem: 'storage_unreachable' });
  }, 60_000);
});
