/**
 * Alerts against Azurite over simulated days with a fixed clock: a targeted device stuck in
 * destructiveOnly opens one alert, later evaluations never duplicate it, it is re-notified
 * after renotifyDays and resolves on its own (nonDestructive, targeting gone, left Intune);
 * two evaluations at once open, re-notify and resolve exactly once; tenant alerts; the digest
 * goes to a local webhook receiver (failures recorded, state kept) and the OpenDeviceAlerts
 * metric to a local ingestion receiver. Posture rows are seeded through the store's entities.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alertsEntitySet } from '../../shared/alerts/entity-set.js';
import {
  ALERT_DIGESTS_TABLE,
  type AlertDeps,
  AlertStore,
  deviceAlertKey,
  evaluateAlerts,
} from '../../shared/alerts/index.js';
import { tenantEntity } from '../../shared/collection/entities.js';
import { type RunSummary, writeRunFinished } from '../../shared/collection/run-record.js';
import { COLLECTION_TABLES } from '../../shared/collection/tables.js';
import type { AlertSettings } from '../../shared/config.js';
import { createNotifier } from '../../shared/notify/notifier.js';
import { createODataService } from '../../shared/odata/service.js';
import { aggregatePostures } from '../../shared/posture/aggregate.js';
import { readinessFrom, type TenantReadiness } from '../../shared/posture/inputs.js';
import type { DevicePosture, Posture } from '../../shared/posture/types.js';
import { postureEntity } from '../../shared/posture-store/entities.js';
import { PostureStore } from '../../shared/posture-store/store.js';
import { createTableProvider, type TableProvider } from '../../shared/storage/tables.js';
import type { TargetingResult } from '../../shared/targeting/types.js';
import { testStorageConnectionString, uniqueTablePrefix } from '../support/env.js';

const DAY = 86_400_000;
const HOUR = 3_600_000;
const T0 = Date.parse('2026-11-02T06:00:00Z');
const day = (n: number) => new Date(T0 + n * DAY);
const IKEY = '00000000-1111-2222-3333-444444444444';

// --- local receivers -------------------------------------------------------------------------

interface Received {
  path: string;
  body: unknown;
}

const received: Received[] = [];
let failWebhook = 0;
let server: Server;
let base = '';

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ path: req.url ?? '', body: JSON.parse(Buffer.concat(chunks).toString('utf8')) });
      if (req.url === '/webhook' && failWebhook > 0) {
        failWebhook--;
        res.writeHead(500).end();
        return;
      }
      res.writeHead(req.url === '/v2.1/track' ? 200 : 202, { 'content-type': 'application/json' });
      res.end(req.url === '/v2.1/track' ? '{"itemsReceived":1,"itemsAccepted":1,"errors":[]}' : '');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((r) => server.close(() => r()));
});

/** Digests posted to the webhook since `from`, as card JSON text. */
const cardsSince = (from: number) =>
  received
    .slice(from)
    .filter((r) => r.path === '/webhook')
    .map((r) => JSON.stringify(r.body));

// --- seeding ---------------------------------------------------------------------------------

function record(
  deviceId: string,
  posture: Posture,
  destructiveOnlySince: string | null,
  targetingResult: TargetingResult | null,
  removed = false,
): DevicePosture {
  return {
    managedDeviceId: null,
    deviceId,
    deviceName: `PC-${deviceId.slice(0, 4)}`,
    userPrincipalName: null,
    posture,
    reasonCodes: '',
    reasons: [],
    primaryReason: null,
    complianceState: 'compliant',
    joinType: 'entraJoined',
    osVersion: '10.0.22631.4317',
    osBuild: 22631,
    lastSyncDateTime: null,
    lastReportAt: null,
    destructiveOnlySince,
    daysDestructiveOnly: null,
    targetingResult,
    targetingPolicyIds: targetingResult === 'enabled' ? 'pol-1' : '',
    hybridKeyTrustRisk: false,
    resettableNow: false,
    removed,
    userCount: 1,
    users: [],
    warnings: [],
    warningCodes: '',
    evaluatedAt: '',
  };
}

interface World {
  tables: TableProvider;
  posture: PostureStore;
  alerts: AlertStore;
}

function world(): World {
  const tables = createTableProvider({
    connectionString: testStorageConnectionString(),
    tablePrefix: uniqueTablePrefix('al'),
  });
  return { tables, posture: new PostureStore(tables), alerts: new AlertStore(tables) };
}

async function putDevice(w: World, r: DevicePosture): Promise<void> {
  await (await w.posture.table('posture')).upsertEntity(postureEntity(r.deviceId, r, null), 'Replace');
}

const READY = readinessFrom(
  { present: true, enabled: true, servicePrincipalId: 's' },
  { present: true, enabled: true, servicePrincipalId: 'c' },
);

/** What a collection at `now` leaves behind: its run, tenant readiness and the summary row. */
async function collected(
  w: World,
  now: Date,
  opts: { status?: 'succeeded' | 'failed'; readiness?: TenantReadiness; lastReportAt?: string | null } = {},
): Promise<void> {
  const status = opts.status ?? 'succeeded';
  const run: RunSummary = {
    runId: `run-${now.getTime()}`,
    status,
    startedAt: new Date(now.getTime() - 10 * 60_000).toISOString(),
    endedAt: now.toISOString(),
    tenantId: null,
    devices: 0,
    removedDevices: 0,
    policies: 0,
    groups: 0,
    graphRequests: 0,
    graphRequestsByEndpoint: {},
    retries: 0,
    tableWrites: 0,
    tableBatches: 0,
    tableWritesByTable: {},
    durationMs: 0,
    readiness: null,
    errors: [],
  };
  await writeRunFinished(await w.tables.table(COLLECTION_TABLES.runs), run, 'test');
  const readiness = opts.readiness ?? READY;
  await (await w.tables.table(COLLECTION_TABLES.tenant)).upsertEntity(
    tenantEntity('t', readiness),
    'Replace',
  );
  if (status !== 'succeeded') return;
  await w.posture.writeSummary({
    summary: aggregatePostures([], { tenant: readiness, events: [], now }),
    generatedAt: now.toISOString(),
    lastCollectionAt: now.toISOString(),
    lastCollectionRunId: run.runId,
    lastReportAt:
      opts.lastReportAt === undefined ? new Date(now.getTime() - HOUR).toISOString() : opts.lastReportAt,
  });
}

const SETTINGS: AlertSettings = { destructiveDays: 7, renotifyDays: 7, silenceHours: 48 };

function deps(w: World, settings: Partial<AlertSettings> = {}): AlertDeps {
  return {
    tables: w.tables,
    settings: { ...SETTINGS, ...settings },
    notifier: createNotifier({
      config: { report: { mailRecipients: [], teamsWebhookUrl: `${base}/webhook` } },
      retry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 5 },
      sleep: async () => {},
    }),
    linkUrl: 'https://resetready.example/api/reports/latest',
  };
}

const A = 'a1000000-0000-4000-8000-000000000001';
const B = 'b2000000-0000-4000-8000-000000000002';
const C = 'c3000000-0000-4000-8000-000000000003';

describe('device alert lifecycle over simulated days', () => {
  const w = world();

  it('opens on day N, never duplicates, re-notifies after renotifyDays, resolves and reopens', async () => {
    const since = day(-3).toISOString();
    await putDevice(w, record(A, 'destructiveOnly', since, 'enabled'));
    await putDevice(w, record(B, 'destructiveOnly', since, 'enabled'));
    await putDevice(w, record(C, 'destructiveOnly', since, 'conflict'));
    // Targeted but deliberately disabled: nobody promised this one a reset.
    await putDevice(w, record('d4000000-0000-4000-8000-000000000004', 'destructiveOnly', since, 'disabled'));

    // Day 0..3: destructiveOnly for 3..6 days: nothing yet, nothing sent.
    let mark = received.length;
    for (const n of [0, 3]) {
      await collected(w, day(n));
      const r = await evaluateAlerts(deps(w), day(n));
      expect(r).toMatchObject({ opened: 0, renotified: 0, resolved: 0, open: 0, digestSent: false });
    }
    expect(cardsSince(mark)).toEqual([]);

    // Day 4: seven days → one alert per targeted device, one digest naming them.
    await collected(w, day(4));
    mark = received.length;
    const opened = await evaluateAlerts(deps(w), day(4));
    expect(opened).toMatchObject({
      opened: 3,
      renotified: 0,
      resolved: 0,
      open: 3,
      openDeviceAlerts: 3,
      digestSent: true,
    });
    const [card] = cardsSince(mark);
    expect(cardsSince(mark)).toHaveLength(1);
    for (const id of [A, B, C]) expect(card).toContain(`PC-${id.slice(0, 4)}`);
    expect(card).not.toContain('PC-d400');
    const rowA = await w.alerts.get('a1', deviceAlertKey(A));
    expect(rowA).toMatchObject({ status: 'open', openedAt: day(4).toISOString(), notifyCount: 1, days: 7 });

    // Days 5 and 10: still open, nothing new, nothing sent; the row keeps its openedAt.
    mark = received.length;
    for (const n of [5, 10]) {
      await collected(w, day(n));
      const r = await evaluateAlerts(deps(w), day(n));
      expect(r).toMatchObject({ opened: 0, renotified: 0, resolved: 0, open: 3, digestSent: false });
    }
    expect(cardsSince(mark)).toEqual([]);
    expect(await w.alerts.get('a1', deviceAlertKey(A))).toMatchObject({
      openedAt: day(4).toISOString(),
      days: 13,
    });
    expect((await w.alerts.all()).filter((a) => a.deviceId === A)).toHaveLength(1);

    // Day 11: seven days after the last notice → re-notified, once.
    await collected(w, day(11));
    mark = received.length;
    const again = await evaluateAlerts(deps(w), day(11));
    expect(again).toMatchObject({ opened: 0, renotified: 3, resolved: 0, open: 3, digestSent: true });
    expect(cardsSince(mark)[0]).toContain('Still open');
    expect(await w.alerts.get('a1', deviceAlertKey(A))).toMatchObject({
      notifyCount: 2,
      lastNotifiedAt: day(11).toISOString(),
    });

    // Day 12: A is ready now, B's policy no longer reaches it, C left Intune → all resolved.
    await putDevice(w, record(A, 'nonDestructive', null, 'enabled'));
    await putDevice(w, record(B, 'destructiveOnly', since, 'notConfigured'));
    await putDevice(w, record(C, 'destructiveOnly', since, 'conflict', true));
    await collected(w, day(12));
    mark = received.length;
    const done = await evaluateAlerts(deps(w), day(12));
    expect(done).toMatchObject({ opened: 0, renotified: 0, resolved: 3, open: 0, openDeviceAlerts: 0 });
    const byDevice = new Map(done.transitions.resolved.map((a) => [a.deviceId, a.resolvedReason]));
    expect(byDevice.get(A)).toBe('device is now nonDestructive');
    expect(byDevice.get(B)).toContain('no PIN-recovery policy targets it');
    expect(byDevice.get(C)).toContain('left scope');
    expect(cardsSince(mark)[0]).toContain('Resolved');
    expect(await w.alerts.get('a1', deviceAlertKey(A))).toMatchObject({
      status: 'resolved',
      resolvedAt: day(12).toISOString(),
      openedAt: day(4).toISOString(),
    });

    // Day 20: A stuck again for 8 days → a new occurrence; the old one stays as history.
    await putDevice(w, record(A, 'destructiveOnly', day(12).toISOString(), 'enabled'));
    await collected(w, day(20));
    const reopened = await evaluateAlerts(deps(w), day(20));
    expect(reopened).toMatchObject({ opened: 1, open: 1 });
    const rowsA = (await w.alerts.all()).filter((a) => a.deviceId === A);
    expect(rowsA.map((a) => [a.status, a.openedAt]).sort()).toEqual([
      ['open', day(20).toISOString()],
      ['resolved', day(4).toISOString()],
    ]);

    // The Alerts entity set serves current and history rows, flat.
    const service = createODataService([alertsEntitySet(w.tables)]);
    const res = await service.handle({
      method: 'GET',
      url: "https://x/api/odata/Alerts?$filter=Status eq 'open'",
      path: 'Alerts',
      header: () => null,
    });
    expect(res.status).toBe(200);
    const feed = JSON.parse(res.body) as { value: Record<string, unknown>[] };
    expect(feed.value).toHaveLength(1);
    expect(feed.value[0]).toMatchObject({
      AlertId: deviceAlertKey(A),
      AlertKey: deviceAlertKey(A),
      Type: 'DEVICE_DESTRUCTIVE_ONLY',
      Severity: 'warning',
      Status: 'open',
      DeviceId: A,
      DeviceName: 'PC-a100',
      Days: 8,
    });
  });
});

describe('two evaluations at the same time', () => {
  const w = world();

  it('open, re-notify and resolve exactly once, each in one digest', async () => {
    await putDevice(w, record(A, 'destructiveOnly', day(-10).toISOString(), 'enabled'));
    await collected(w, day(0));
    let mark = received.length;
    const [x, y] = await Promise.all([evaluateAlerts(deps(w), day(0)), evaluateAlerts(deps(w), day(0))]);
    expect(x.opened + y.opened).toBe(1);
    expect((await w.alerts.all()).filter((a) => a.deviceId === A)).toHaveLength(1);
    expect(cardsSince(mark).filter((c) => c.includes('PC-a100'))).toHaveLength(1);

    await collected(w, day(7));
    mark = received.length;
    const [r1, r2] = await Promise.all([evaluateAlerts(deps(w), day(7)), evaluateAlerts(deps(w), day(7))]);
    expect(r1.renotified + r2.renotified).toBe(1);
    expect((await w.alerts.get('a1', deviceAlertKey(A)))?.notifyCount).toBe(2);
    expect(cardsSince(mark)).toHaveLength(1);

    await putDevice(w, record(A, 'nonDestructive', null, 'enabled'));
    await collected(w, day(8));
    const [s1, s2] = await Promise.all([evaluateAlerts(deps(w), day(8)), evaluateAlerts(deps(w), day(8))]);
    expect(s1.resolved + s2.resolved).toBe(1);

    // And a reopen raced by two evaluators is one open row plus one history row.
    await putDevice(w, record(A, 'destructiveOnly', day(1).toISOString(), 'enabled'));
    await collected(w, day(9));
    const [o1, o2] = await Promise.all([evaluateAlerts(deps(w), day(9)), evaluateAlerts(deps(w), day(9))]);
    expect(o1.opened + o2.opened).toBe(1);
    const rows = (await w.alerts.all()).filter((a) => a.deviceId === A);
    expect(rows.map((a) => a.status).sort()).toEqual(['open', 'resolved']);
  });
});

describe('tenant alerts', () => {
  const w = world();

  it('apps missing, collection failing and silent agents open; unknown readiness holds; recovery resolves', async () => {
    const missing = readinessFrom(
      { present: false, enabled: null, servicePrincipalId: null },
      { present: true, enabled: true, servicePrincipalId: 'c' },
    );
    await collected(w, day(0), { readiness: missing, lastReportAt: day(-3).toISOString() });
    const first = await evaluateAlerts(deps(w), day(0));
    expect(first.transitions.opened.map((a) => [a.key, a.severity]).sort()).toEqual([
      ['NO_REPORTS', 'warning'],
      ['PINRESET_APPS_MISSING', 'critical'],
    ]);
    expect(first.openDeviceAlerts).toBe(0);

    // A failed run; readiness could not be read this time: "apps missing" is neither resolved nor repeated.
    const unknown = readinessFrom(
      { present: null, enabled: null, servicePrincipalId: null },
      { present: true, enabled: true, servicePrincipalId: 'c' },
    );
    await collected(w, day(0.5), { status: 'failed', readiness: unknown });
    const second = await evaluateAlerts(deps(w), new Date(day(0).getTime() + 12 * HOUR));
    expect(second.transitions.opened.map((a) => a.key)).toEqual(['COLLECTION_FAILING']);
    expect(second.resolved).toBe(0);
    expect((await w.alerts.get('tenant', 'PINRESET_APPS_MISSING'))?.status).toBe('open');

    // Everything healthy again: all three resolve.
    await collected(w, day(1));
    const third = await evaluateAlerts(deps(w), day(1));
    expect(third.transitions.resolved.map((a) => a.key).sort()).toEqual([
      'COLLECTION_FAILING',
      'NO_REPORTS',
      'PINRESET_APPS_MISSING',
    ]);
    expect(third.open).toBe(0);
  });
});

describe('delivery and metric', () => {
  const w = world();

  it('a failing webhook is retried and recorded; the alert is open regardless; the metric carries the open count', async () => {
    await putDevice(w, record(A, 'destructiveOnly', day(-8).toISOString(), 'enabled'));
    await putDevice(w, record(B, 'destructiveOnly', day(-9).toISOString(), 'dependsOnFilter'));
    await collected(w, day(0));
    failWebhook = 2; // both tries fail
    const mark = received.length;
    const r = await evaluateAlerts(
      deps(w, { appInsightsConnectionString: `InstrumentationKey=${IKEY};IngestionEndpoint=${base}/` }),
      day(0),
    );
    expect(r).toMatchObject({ opened: 2, open: 2, openDeviceAlerts: 2, digestSent: false });
    expect(r.delivery).toMatchObject([{ channel: 'teams', ok: false, attempts: 2, status: 500 }]);
    expect((await w.alerts.listOpen()).length).toBe(2);

    const digests: Record<string, unknown>[] = [];
    for await (const row of (await w.tables.table(ALERT_DIGESTS_TABLE)).listEntities()) digests.push(row);
    expect(digests).toHaveLength(1);
    expect(digests[0]).toMatchObject({ Opened: 2, Sent: false, Attempts: 2, Channels: 'teams' });
    expect(String(digests[0]?.Errors)).toContain('500');
    expect(String(digests[0]?.Errors)).not.toContain(base);

    const tracked = received.slice(mark).filter((x) => x.path === '/v2.1/track');
    expect(tracked).toHaveLength(1);
    const [envelope] = (tracked[0]?.body ?? []) as {
      iKey: string;
      data: { baseData: { metrics: { name: string; value: number }[] } };
    }[];
    expect(envelope?.iKey).toBe(IKEY);
    expect(envelope?.data.baseData.metrics).toMatchObject([{ name: 'OpenDeviceAlerts', value: 2 }]);
    expect(r.metric).toEqual({ sent: true, status: 200 });
  });
});
