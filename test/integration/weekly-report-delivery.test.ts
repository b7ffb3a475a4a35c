/**
 * Weekly report storage and delivery against real parts: Azurite blobs, the Graph simulator's
 * sendMail and a local HTTPS webhook receiver (dev CA). Retries are observed through an
 * injected sleep (recorded, not waited), so Retry-After is checked without slow tests.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { HttpRequest, InvocationContext } from '@azure/functions';
import { BlobServiceClient } from '@azure/storage-blob';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type GraphSimulator, startGraphSimulator } from '../../dev/graph-sim/server.js';
import { TenantBuilder } from '../../dev/graph-sim/tenant.js';
import { ensureDevCa, issueServerCertificate } from '../../dev/tls.js';
import { buildServices } from '../../functions/services.js';
import { handleLatestReport, handleWeeklyReport, weeklyReportDeps } from '../../functions/weekly-report.js';
import type { Config } from '../../shared/config.js';
import { createGraphPort } from '../../shared/graph/client.js';
import { createNotifier } from '../../shared/notify/notifier.js';
import { ADAPTIVE_CARD_CONTENT_TYPE } from '../../shared/notify/teams.js';
import { aggregatePostures } from '../../shared/posture/aggregate.js';
import type { DevicePosture, Posture } from '../../shared/posture/types.js';
import { ReportHistory } from '../../shared/weekly-report/history.js';
import { buildWeeklyReport } from '../../shared/weekly-report/render/index.js';
import type { WeeklyReport } from '../../shared/weekly-report/render/model.js';
import { runWeeklyReport, type WeeklyReportDeps } from '../../shared/weekly-report/run-weekly-report.js';
import { testCaDir, testConfig } from '../support/env.js';

const NOW = new Date('2025-03-10T07:00:00Z');
const RECIPIENTS = ['secops@contoso.example', 'helpdesk@contoso.example'];
const LINK = 'https://resetready.example/api/reports/latest';

// ---- a local Teams Workflows webhook ----------------------------------------------------
interface Receiver {
  url: string;
  received: { path: string; body: unknown }[];
  /** The next answers, in order, before falling back to 202. */
  script: { status: number; retryAfter?: string }[];
  alwaysFail: boolean;
  stop(): Promise<void>;
}

async function startReceiver(): Promise<Receiver> {
  const { certPem, keyPem } = await issueServerCertificate(await ensureDevCa(testCaDir()));
  const r = { received: [], script: [], alwaysFail: false } as unknown as Receiver;
  const server: Server = createServer({ cert: certPem, key: keyPem }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const next = r.script.shift();
      if (r.alwaysFail || next) {
        const headers: Record<string, string> = next?.retryAfter ? { 'retry-after': next.retryAfter } : {};
        res.writeHead(next?.status ?? 500, headers).end('{"error":"nope"}');
        return;
      }
      r.received.push({ path: req.url ?? '', body: JSON.parse(Buffer.concat(chunks).toString('utf8')) });
      res.writeHead(202).end();
    });
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const port = (server.address() as AddressInfo).port;
  // The path stands for the signature a real Workflows URL carries: a secret.
  r.url = `https://127.0.0.1:${port}/workflows/hook?sig=SECRET-SIG-${randomBytes(4).toString('hex')}`;
  r.stop = () => new Promise<void>((ok) => server.close(() => ok()));
  return r;
}

// ---- a small fleet, rendered by the real renderer -----------------------------------------
function device(i: number, posture: Posture, since: string | null = null): DevicePosture {
  return {
    managedDeviceId: `md-${i}`,
    deviceId: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
    deviceName: `PC-${i}`,
    userPrincipalName: `user${i}@contoso.example`,
    posture,
    reasonCodes: '',
    reasons: [],
    primaryReason: null,
    complianceState: 'compliant',
    joinType: 'azureADJoined',
    osVersion: '10.0.22631.4890',
    osBuild: 22631,
    lastSyncDateTime: '2025-03-09T10:00:00Z',
    lastReportAt: '2025-03-09T10:00:00Z',
    destructiveOnlySince: since,
    daysDestructiveOnly: since ? Math.floor((NOW.getTime() - Date.parse(since)) / 86_400_000) : null,
    targetingResult: null,
    targetingPolicyIds: '',
    hybridKeyTrustRisk: false,
    resettableNow: false,
    removed: false,
    userCount: 1,
    users: [],
    warnings: [],
    warningCodes: '',
    evaluatedAt: NOW.toISOString(),
  };
}

function fleetReport(): WeeklyReport {
  const devices = [
    ...Array.from({ length: 6 }, (_, i) => device(i, 'nonDestructive')),
    device(6, 'destructiveOnly', '2025-02-20T00:00:00Z'),
    device(7, 'destructiveOnly', '2025-03-05T00:00:00Z'),
  ];
  const daily = Array.from({ length: 84 }, (_, d) => {
    const day = new Date(NOW.getTime() - (d + 1) * 86_400_000);
    const nd = 3 + (d % 3);
    return {
      dateKey: day.toISOString().slice(0, 10).replace(/-/g, ''),
      devices: 8,
      reported: 8,
      nonDestructive: nd,
      destructiveOnly: 8 - nd,
      nonDestructiveShare: nd / 8,
    };
  });
  return buildWeeklyReport({
    now: NOW,
    summary: aggregatePostures(devices, { tenant: null, events: [], now: NOW }),
    daily,
    devices,
    resetEvents: [],
    latestCollection: {
      status: 'succeeded',
      startedAt: '2025-03-10T06:00:00Z',
      endedAt: '2025-03-10T06:05:00Z',
    },
    lastReportAt: '2025-03-09T10:00:00Z',
    options: { linkUrl: LINK },
  });
}

// ---- wiring -------------------------------------------------------------------------------
let sim: GraphSimulator;
let hook: Receiver;
let sender: string;

beforeAll(async () => {
  const tenant = new TenantBuilder({ seed: 'weekly-report' }).user('reports').build();
  sender = tenant.users[0]?.userPrincipalName as string;
  sim = await startGraphSimulator({ tenant, ca: await ensureDevCa(testCaDir()) });
  hook = await startReceiver();
});

afterAll(async () => {
  await sim?.stop();
  await hook?.stop();
});

beforeEach(() => {
  sim.sentMail.length = 0;
  hook.received.length = 0;
  hook.script.length = 0;
  hook.alwaysFail = false;
});

interface Setup {
  config: Config;
  history: ReportHistory;
  deps: WeeklyReportDeps;
  waits: number[];
  logs: string[];
}

/** A fresh container per test, so every test starts with no history. */
function setup(overrides: Record<string, string> = {}): Setup {
  const config = testConfig({
    GRAPH_BASE_URL: sim.baseUrl,
    GRAPH_ACCESS_TOKEN: sim.token,
    // The notifier's own retries are under test; the port's would hide them.
    GRAPH_MAX_RETRIES: '0',
    REPORT_MAIL_SENDER: sender,
    REPORT_MAIL_RECIPIENTS: RECIPIENTS.join(';'),
    TEAMS_WEBHOOK_URL: hook.url,
    REPORT_LINK_URL: LINK,
    REPORT_CONTAINER: `wr-${randomBytes(6).toString('hex')}`,
    ...overrides,
  });
  const waits: number[] = [];
  const logs: string[] = [];
  const log = (level: string, event: string, fields: Record<string, unknown>) =>
    logs.push(`${level} ${event} ${JSON.stringify(fields)}`);
  const history = ReportHistory.fromConfig(config);
  const notifier = createNotifier({
    graph: createGraphPort(config.graph),
    config,
    log,
    sleep: async (ms) => {
      waits.push(ms);
    },
    random: () => 0.5,
  });
  const deps: WeeklyReportDeps = {
    history,
    notifier,
    produce: async () => fleetReport(),
    linkUrl: config.report.linkUrl,
    now: () => NOW,
    log,
  };
  return { config, history, deps, waits, logs };
}

function decodePng(buf: Buffer): PNG {
  return PNG.sync.read(buf);
}

describe('a weekly report run', () => {
  it('stores the report, mails it with the CSV attached and charts inline, and posts the card', async () => {
    const { history, deps, logs } = setup();
    const expected = fleetReport();
    const summary = await runWeeklyReport(deps);

    expect(summary.date).toBe('2025-03-10');
    expect(summary.deliveries.map((d) => [d.channel, d.ok, d.attempts])).toEqual([
      ['mail', true, 1],
      ['teams', true, 1],
    ]);

    // Stored: browser HTML with data: images, the CSV, the JSON, the PNGs and the pointer.
    const html = await history.read('2025-03-10', 'report.html');
    expect(html).toContain('data:image/png;base64,');
    expect(html).not.toContain('cid:');
    expect(await history.read('2025-03-10', 'report.csv')).toBe(expected.csv);
    expect(JSON.parse((await history.read('2025-03-10', 'report.json')) ?? '{}').headline).toEqual(
      expected.json.headline,
    );
    for (const chart of expected.charts) {
      const png = await history.readChart('2025-03-10', chart.id);
      expect(png?.equals(chart.png)).toBe(true);
    }
    expect(await history.latest()).toMatchObject({ date: '2025-03-10', prefix: 'weekly/2025-03-10/' });
    expect(await history.dates()).toEqual(['2025-03-10']);

    // Mail, as the simulator recorded it.
    expect(sim.sentMail).toHaveLength(1);
    const mail = sim.sentMail[0];
    expect(mail?.from).toBe(sender);
    expect(mail?.toRecipients).toEqual(RECIPIENTS);
    expect(mail?.subject).toContain('2025-03-10');
    expect(mail?.subject).toContain(`${((expected.json.headline.share ?? 0) * 100).toFixed(1)}%`);
    expect(mail?.bodyContentType).toBe('HTML');
    expect(mail?.saveToSentItems).toBe(false);
    // Outlook desktop shows neither data: URIs nor SVG: every chart is a cid: part.
    expect(mail?.body).not.toContain('data:image');
    const csv = mail?.attachments.find((a) => a.name.endsWith('.csv'));
    expect(csv?.name).toBe('resetready-devices-2025-03-10.csv');
    expect(csv?.content.toString('utf8')).toBe(expected.csv);
    for (const chart of expected.charts) {
      expect(mail?.body).toContain(`cid:${chart.id}`);
      const part = mail?.attachments.find((a) => a.name === `${chart.id}.png`);
      expect(part?.contentType).toBe('image/png');
      const img = decodePng(part?.content as Buffer);
      expect([img.width, img.height]).toEqual([chart.width, chart.height]);
    }

    // Teams: one Workflows message with the Adaptive Card, the headline and the link.
    expect(hook.received).toHaveLength(1);
    const msg = hook.received[0]?.body as {
      type: string;
      attachments: {
        contentType: string;
        content: { type: string; version: string; body: unknown[]; actions: { url: string }[] };
      }[];
    };
    expect(msg.type).toBe('message');
    expect(msg.attachments[0]?.contentType).toBe(ADAPTIVE_CARD_CONTENT_TYPE);
    expect(msg.attachments[0]?.content.type).toBe('AdaptiveCard');
    expect(msg.attachments[0]?.content.version).toBe('1.4');
    expect(JSON.stringify(msg.attachments[0]?.content.body)).toContain(
      `${((expected.json.headline.share ?? 0) * 100).toFixed(1)}%`,
    );
    expect(msg.attachments[0]?.content.actions[0]?.url).toBe(LINK);

    // Recorded, and no secret in any log line.
    const rec = await history.readDelivery('2025-03-10');
    expect(rec?.record.channels.mail?.state).toBe('delivered');
    expect(rec?.record.channels.teams?.state).toBe('delivered');
    expect(rec?.record.runs).toHaveLength(1);
    const allLogs = logs.join('\n');
    expect(allLogs).not.toContain('SECRET-SIG');
    expect(allLogs).not.toContain(sim.token);
    expect(allLogs).not.toContain(RECIPIENTS[0]);
  });

  it('a re-run the same day overwrites the blobs and sends nothing twice', async () => {
    const { history, deps } = setup();
    await runWeeklyReport(deps);
    const second = await runWeeklyReport(deps);
    expect(second.deliveries).toEqual([]);
    expect(second.alreadyDelivered).toEqual(['mail', 'teams']);
    expect(sim.sentMail).toHaveLength(1);
    expect(hook.received).toHaveLength(1);
    expect(await history.dates()).toEqual(['2025-03-10']);
    expect((await history.readDelivery('2025-03-10'))?.record.runs).toHaveLength(1);
  });

  it('retries a webhook answering 500 then 429 (honouring Retry-After) and records every try', async () => {
    const { history, deps, waits } = setup({ REPORT_MAIL_SENDER: '', REPORT_MAIL_RECIPIENTS: '' });
    hook.script.push({ status: 500 }, { status: 429, retryAfter: '7' });
    const summary = await runWeeklyReport(deps);
    expect(summary.deliveries).toHaveLength(1);
    const teams = summary.deliveries[0];
    expect(teams?.ok).toBe(true);
    expect(teams?.attempts).toBe(3);
    expect(teams?.attemptLog.map((a) => a.status)).toEqual([500, 429, 202]);
    // The 429's Retry-After (7 s) is the wait used; the 500 got a jittered backoff.
    expect(waits).toHaveLength(2);
    expect(waits[1]).toBe(7000);
    expect(waits[0]).toBeGreaterThan(0);
    expect(waits[0]).toBeLessThanOrEqual(1000);
    expect(hook.received).toHaveLength(1);
    expect(sim.sentMail).toHaveLength(0);
    const rec = await history.readDelivery('2025-03-10');
    expect(rec?.record.channels.teams).toMatchObject({ state: 'delivered', result: { attempts: 3 } });
    expect(rec?.record.channels.mail).toBeUndefined();
  });

  it('retries sendMail on 503 from Graph', async () => {
    const { deps } = setup({ TEAMS_WEBHOOK_URL: '' });
    sim.failNext('sendMail', 2, '503');
    const summary = await runWeeklyReport(deps);
    expect(summary.deliveries.map((d) => [d.channel, d.ok, d.attempts])).toEqual([['mail', true, 3]]);
    expect(summary.deliveries[0]?.attemptLog.map((a) => a.status)).toEqual([503, 503, 202]);
    expect(sim.sentMail).toHaveLength(1);
  });

  it('a delivery failing for good leaves the report stored and the failure recorded; the next run retries it', async () => {
    const { history, deps, logs } = setup();
    hook.alwaysFail = true;
    const first = await runWeeklyReport(deps);
    const teams = first.deliveries.find((d) => d.channel === 'teams');
    expect(teams).toMatchObject({ ok: false, attempts: 4, status: 500, error: 'webhook answered 500' });
    expect(first.deliveries.find((d) => d.channel === 'mail')?.ok).toBe(true);
    expect(await history.read('2025-03-10', 'report.html')).toContain('<html');
    expect((await history.latestHtml())?.date).toBe('2025-03-10');
    const rec = await history.readDelivery('2025-03-10');
    expect(rec?.record.channels.teams?.state).toBe('failed');
    expect(rec?.record.channels.mail?.state).toBe('delivered');
    expect(logs.join('\n')).not.toContain('SECRET-SIG');

    // The receiver heals: a re-run sends only the failed channel.
    hook.alwaysFail = false;
    const again = await runWeeklyReport(deps);
    expect(again.deliveries.map((d) => [d.channel, d.ok])).toEqual([['teams', true]]);
    expect(again.alreadyDelivered).toEqual(['mail']);
    expect(sim.sentMail).toHaveLength(1);
    expect(hook.received).toHaveLength(1);
    const after = await history.readDelivery('2025-03-10');
    expect(after?.record.runs.map((r) => r.results.map((x) => `${x.channel}:${x.ok}`))).toEqual([
      ['mail:true', 'teams:false'],
      ['teams:true'],
    ]);
  });

  it('a refused mail (unknown sender, 404) is not retried and is recorded', async () => {
    const { history, deps } = setup({ REPORT_MAIL_SENDER: 'nobody@contoso.example', TEAMS_WEBHOOK_URL: '' });
    const summary = await runWeeklyReport(deps);
    expect(summary.deliveries[0]).toMatchObject({ channel: 'mail', ok: false, attempts: 1, status: 404 });
    expect((await history.readDelivery('2025-03-10'))?.record.channels.mail?.state).toBe('failed');
    expect(await history.read('2025-03-10', 'report.csv')).not.toBeNull();
  });

  it('two concurrent runs deliver each channel once', async () => {
    const { history, deps } = setup();
    const [a, b] = await Promise.all([runWeeklyReport(deps), runWeeklyReport(deps)]);
    expect(sim.sentMail).toHaveLength(1);
    expect(hook.received).toHaveLength(1);
    const sent = [...a.deliveries, ...b.deliveries].map((d) => d.channel).sort();
    expect(sent).toEqual(['mail', 'teams']);
    const rec = await history.readDelivery('2025-03-10');
    expect(rec?.record.channels.mail?.state).toBe('delivered');
    expect(rec?.record.channels.teams?.state).toBe('delivered');
  });
});

describe('GET /api/reports/latest', () => {
  const request = () =>
    new HttpRequest({ method: 'GET', url: 'https://resetready.example/api/reports/latest?code=k' });

  it('is a 404 JSON error before any report, then the stored browser HTML', async () => {
    const { history, deps } = setup({
      REPORT_MAIL_SENDER: '',
      REPORT_MAIL_RECIPIENTS: '',
      TEAMS_WEBHOOK_URL: '',
    });
    const none = await handleLatestReport(request(), new InvocationContext(), { history });
    expect(none.status).toBe(404);
    expect(none.jsonBody).toMatchObject({ error: { code: 'no_report' } });

    await runWeeklyReport(deps);
    const res = await handleLatestReport(request(), new InvocationContext(), { history });
    expect(res.status).toBe(200);
    expect((res.headers as Record<string, string>)['content-type']).toBe('text/html; charset=utf-8');
    expect(res.body).toBe(await history.read('2025-03-10', 'report.html'));
    const imgs = [...String(res.body).matchAll(/src="data:image\/png;base64,([^"]+)"/g)];
    expect(imgs).toHaveLength(fleetReport().charts.length);
    for (const m of imgs) expect(decodePng(Buffer.from(m[1] as string, 'base64')).width).toBeGreaterThan(0);
  });

  it('answers 503 without detail when storage is unreachable', async () => {
    // Nothing listens on port 9; one try, so the test does not wait out the SDK's retries.
    const unreachable =
      'DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=a2V5;BlobEndpoint=http://127.0.0.1:9/devstoreaccount1';
    const history = new ReportHistory(
      BlobServiceClient.fromConnectionString(unreachable, { retryOptions: { maxTries: 1 } }),
      'reports',
    );
    const ctx = new InvocationContext();
    const res = await handleLatestReport(request(), ctx, { history });
    expect(res.status).toBe(503);
    expect(JSON.stringify(res.jsonBody)).not.toContain('127.0.0.1');
  });
});

describe('the weeklyReport timer with the production wiring', () => {
  it('renders from the (empty) stores, stores, mails, posts and logs counts only', async () => {
    const { config } = setup();
    const deps = weeklyReportDeps(buildServices(config));
    expect(deps.schedule).toBe('0 0 7 * * 1');
    const lines: string[] = [];
    const ctx = new InvocationContext({
      logHandler: (level, ...args) => lines.push(`${level} ${JSON.stringify(args)}`),
    });
    const summary = await handleWeeklyReport(
      {
        isPastDue: false,
        schedule: { adjustForDST: true },
        scheduleStatus: { last: '', next: '', lastUpdated: '' },
      },
      ctx,
      { ...deps, now: () => NOW },
    );
    expect(summary.devices).toBe(0);
    expect(summary.deliveries.map((d) => `${d.channel}:${d.ok}`)).toEqual(['mail:true', 'teams:true']);
    expect(sim.sentMail).toHaveLength(1);
    expect(hook.received).toHaveLength(1);
    expect((await deps.history.latestHtml())?.date).toBe('2025-03-10');
    const all = lines.join('\n');
    expect(all).toContain('weekly_report_summary');
    expect(all).not.toContain('SECRET-SIG');
    expect(all).not.toContain(RECIPIENTS[0]);
  });
});
