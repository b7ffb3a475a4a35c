/**
 * Alerts and staleness do not wait for a successful collection, through the deployed app: the
 * built composition root on the local host, Azurite tables and queues, signed uploads over HTTP
 * (TRUST_MODE=certificate-only, so no Graph is involved and no collection ever succeeds).
 *
 *  - the daily freshnessSweep timer evaluates the alerts on its own: before any report, "no
 *    reports from agents" and "collection failing" open;
 *  - the first accepted upload closes "no reports" as soon as its recompute has run, with one
 *    digest recorded, not hours later at the next collection;
 *  - a device whose report went stale since it was last evaluated turns `stale` after the sweep
 *    (its recompute queued and run), the summary follows, and today's DailySummary row exists.
 */
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uploadReport } from '../../agent/reference/upload.js';
import { demoReportBody } from '../../dev/demo-report.js';
import { createDeviceIdentity } from '../../dev/device-identity.js';
import { type LocalHost, startLocalHost } from '../../dev/host.js';
import { ALERT_DIGESTS_TABLE } from '../../shared/alerts/entities.js';
import { recomputeDevice } from '../../shared/freshness/index.js';
import { emptyDeviceEvidence, emptyUserEvidence } from '../../shared/posture/evidence.js';
import { dateKeyOf } from '../../shared/posture-store/store.js';
import type { AcceptedReport } from '../../shared/reports/model.js';
import { TableReportStore } from '../../shared/storage/report-store.js';
import { createTableProvider } from '../../shared/storage/tables.js';
import { testStorageConnectionString, uniqueTablePrefix } from '../support/env.js';

// biome-ignore lint/suspicious/noExplicitAny: JSON answers, checked field by field by the assertions
type Json = Record<string, any>;

const KEY = 'freshness-alerts-test-key-0123456789';
const ENTRY = fileURLToPath(new URL('../../dist/functions/index.js', import.meta.url));
const DAY_MS = 86_400_000;
const PREFIX = uniqueTablePrefix('fa');
const tables = createTableProvider({ connectionString: testStorageConnectionString(), tablePrefix: PREFIX });

let host: LocalHost;
const logs: string[] = [];

beforeAll(async () => {
  Object.assign(process.env, {
    STORAGE_CONNECTION_STRING: testStorageConnectionString(),
    TABLE_PREFIX: PREFIX,
    TRUST_MODE: 'certificate-only',
    // Never contacted: no collection runs in this test.
    GRAPH_BASE_URL: 'https://localhost:9',
    STALE_DAYS: '7',
  });
  host = await startLocalHost({ port: 0, entryPoint: ENTRY, key: KEY, log: (l) => logs.push(l) });
}, 120_000);

afterAll(async () => {
  await host?.stop();
});

async function get(path: string): Promise<{ status: number; json: Json }> {
  const res = await fetch(`${host.url}${path}`, { headers: { 'x-functions-key': KEY } });
  return { status: res.status, json: (await res.json()) as Json };
}

async function openAlertTypes(): Promise<string[]> {
  const { status, json } = await get('/api/alerts');
  expect(status).toBe(200);
  return json.alerts.map((a: Json) => a.type).sort();
}

async function drain(): Promise<void> {
  const res = await fetch(`${host.url}/admin/queues/drain?timeoutSeconds=60`, {
    method: 'POST',
    headers: { 'x-functions-key': KEY },
  });
  expect(res.status).toBe(200);
}

async function digests(): Promise<Record<string, unknown>[]> {
  const out: Record<string, unknown>[] = [];
  for await (const row of (await tables.table(ALERT_DIGESTS_TABLE)).listEntities()) out.push(row);
  return out;
}

/** A report as the upload path stores it, received at `at` (in the past: no upload can be). */
function storedReport(deviceId: string, at: Date): AcceptedReport {
  return {
    reportId: randomUUID(),
    deviceId,
    receivedAt: at.toISOString(),
    collectedAt: at.toISOString(),
    source: 'agent',
    trust: 'unverified',
    agentVersion: 'test',
    agentMode: null,
    intuneDeviceId: null,
    device: {
      joinType: 'entraJoined',
      deviceId,
      tenantId: null,
      tenantName: null,
      deviceName: 'PC-AGED',
      osVersion: '10.0.22631.4317',
      evidence: emptyDeviceEvidence(),
      warnings: [],
    },
    users: [
      {
        userKey: 's-1-5-21-9',
        upn: null,
        sid: 'S-1-5-21-9',
        canReset: 'DestructiveOnly',
        canResetRaw: 'DestructiveOnly',
        ngcSet: true,
        ngcKeyId: 'fa0db076-a5d7-4844-82d8-50a2fb42ec7b',
        notUserContext: false,
        evidence: emptyUserEvidence({ model: 'notHybrid' }),
        warnings: [],
      },
    ],
    rawBody: '{}',
  };
}

describe('alerts and staleness without a successful collection', () => {
  it('the daily sweep opens "no reports" and "collection failing" before any report or collection', async () => {
    await host.invoke('freshnessSweep');
    expect(await openAlertTypes()).toEqual(['COLLECTION_FAILING', 'NO_REPORTS']);
  });

  it('the first accepted upload closes "no reports" once its recompute has run, with one digest', async () => {
    const before = (await digests()).length;
    const key = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    for (const n of [1, 2]) {
      const deviceId = randomUUID();
      const identity = await createDeviceIdentity({ deviceId, privateKey: key });
      const body = demoReportBody({
        device: {
          deviceId,
          tenantId: randomUUID(),
          tenantName: 'Contoso',
          deviceName: `PC-${n}`,
          azureAdJoined: true,
          domainJoined: false,
          thumbprint: identity.binding.thumbprint,
        },
        users: [
          {
            upn: `user${n}@contoso.example`,
            sid: `S-1-12-1-${n}-1`,
            ngcSet: true,
            canReset: 'DestructiveAndNonDestructive',
            ngcKeyId: '0d8c0001-a5d7-4844-82d8-50a2fb42ec7b',
          },
        ],
      });
      const res = await uploadReport(host.url, { ...identity, privateKey: identity.privateKeyPem }, body, {
        maxAttempts: 1,
      });
      expect(res.status, JSON.stringify(res.body)).toBe(202);
      await drain();
      // Closed after the first upload; the second finds nothing to close.
      expect(await openAlertTypes()).toEqual(['COLLECTION_FAILING']);
    }
    const feed = await get(`/api/odata/Alerts?$filter=${encodeURIComponent("Type eq 'NO_REPORTS'")}`);
    expect(feed.json.value).toHaveLength(1);
    expect(feed.json.value[0]).toMatchObject({
      Status: 'resolved',
      ResolvedReason: expect.stringMatching(/^device reports are arriving again/),
    });
    const after = await digests();
    expect(after.length - before).toBe(1);
    expect(after.filter((d) => d.Resolved === 1)).toHaveLength(1);
  });

  it('turns a device whose report went stale into `stale` on the next sweep, and writes the day once', async () => {
    const reports = new TableReportStore(tables);
    const deviceId = randomUUID();
    const now = new Date();
    const at = new Date(now.getTime() - 8 * DAY_MS);
    const report = storedReport(deviceId, at);
    const outcome = await reports.commit(
      report,
      { value: randomUUID().replaceAll('-', ''), expiresAt: new Date(at.getTime() + 300_000) },
      { day: dateKeyOf(at), max: 1000 },
      at,
    );
    expect(outcome.ok).toBe(true);
    await reports.project(report);
    // Evaluated when its report was new: destructiveOnly, and its user not stale.
    await recomputeDevice({ tables, reports }, deviceId, at, { staleDays: 7 });
    const before = await get('/api/summary');
    expect(
      (await get(`/api/devices?posture=destructiveOnly`)).json.devices.map((d: Json) => d.deviceKey),
    ).toContain(deviceId);

    await host.invoke('freshnessSweep');
    await drain();

    const stale = await get('/api/devices?posture=stale');
    expect(stale.json.devices.map((d: Json) => d.deviceKey)).toEqual([deviceId]);
    const after = await get('/api/summary');
    expect(after.json.byPosture.stale).toBe(before.json.byPosture.stale + 1);
    expect(after.json.byPosture.destructiveOnly).toBe(before.json.byPosture.destructiveOnly - 1);
    // Today has a DailySummary row although no collection ever succeeded, and a second sweep
    // the same day leaves it (and the stale device) alone.
    const today = Number(dateKeyOf(now));
    const daily = await get(`/api/odata/DailySummary?$filter=DateKey eq ${today}`);
    expect(daily.json.value).toHaveLength(1);
    await host.invoke('freshnessSweep');
    await drain();
    expect((await get(`/api/odata/DailySummary?$filter=DateKey eq ${today}`)).json.value).toEqual(
      daily.json.value,
    );
    expect(logs.some((l) => /freshness_sweep .*queued: 0/.test(l))).toBe(true);
  });
});
