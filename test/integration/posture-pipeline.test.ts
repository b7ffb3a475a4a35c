/**
 * "Done when": the whole product as deployed — the built composition root served by the local
 * Functions host, Azurite, the HTTPS Graph simulator with a generated tenant, and signed
 * uploads sent by the reference agent over HTTP. The expected counts are computed here from
 * the generated tenant and the uploads this test made, by the domain rule (one device per
 * Entra device id, the worst fresh user decides), never by calling the posture engine.
 */
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uploadReport } from '../../agent/reference/upload.js';
import { demoReportBody } from '../../dev/demo-report.js';
import { createDeviceIdentity, type DeviceIdentity } from '../../dev/device-identity.js';
import { generateTenant } from '../../dev/graph-sim/generate.js';
import { type GraphSimulator, startGraphSimulator } from '../../dev/graph-sim/server.js';
import type { Tenant } from '../../dev/graph-sim/tenant.js';
import { type LocalHost, startLocalHost } from '../../dev/host.js';
import { ensureDevCa } from '../../dev/tls.js';
import { DEVICE_COLUMN_HEADERS } from '../../shared/device-list/index.js';
import type { CanReset } from '../../shared/dsregcmd/types.js';
import { testCaDir, testStorageConnectionString, uniqueTablePrefix } from '../support/env.js';

const KEY = 'posture-pipeline-test-key-0123456789';
const ENTRY = fileURLToPath(new URL('../../dist/functions/index.js', import.meta.url));
const ZERO = '00000000-0000-0000-0000-000000000000';

// biome-ignore lint/suspicious/noExplicitAny: JSON answers, checked field by field by the assertions
type Json = Record<string, any>;
type Posture =
  | 'nonDestructive'
  | 'destructiveOnly'
  | 'noHelloKey'
  | 'unknown'
  | 'stale'
  | 'notReported'
  | 'entraRegistered';
/** domain.md §7 / shared/posture/types.ts: worst first; the worst fresh user decides the device. */
const WORST_FIRST: Posture[] = ['destructiveOnly', 'unknown', 'noHelloKey', 'nonDestructive'];

interface UserSpec {
  ngcSet: boolean;
  canReset?: CanReset;
}

function userPosture(u: UserSpec): Posture {
  if (!u.ngcSet) return 'noHelloKey';
  if (u.canReset === 'DestructiveOnly') return 'destructiveOnly';
  if (u.canReset === 'DestructiveAndNonDestructive' || u.canReset === 'NonDestructiveOnly')
    return 'nonDestructive';
  return 'unknown';
}

function devicePosture(users: UserSpec[]): Posture {
  const seen = users.map(userPosture);
  return WORST_FIRST.find((p) => seen.includes(p)) ?? 'unknown';
}

/** Varied mixes, cycled over the reporting devices. */
const MIXES: UserSpec[][] = [
  [{ ngcSet: true, canReset: 'DestructiveAndNonDestructive' }],
  [{ ngcSet: true, canReset: 'DestructiveOnly' }],
  [{ ngcSet: false }],
  [
    { ngcSet: true, canReset: 'DestructiveAndNonDestructive' },
    { ngcSet: true, canReset: 'DestructiveOnly' },
  ],
  [{ ngcSet: true, canReset: 'NonDestructiveOnly' }],
  [{ ngcSet: false }, { ngcSet: true, canReset: 'DestructiveAndNonDestructive' }],
  [{ ngcSet: true, canReset: 'Unknown' }],
];

let tenant: Tenant;
let sim: GraphSimulator;
let host: LocalHost;
let key: KeyObject;
const identities = new Map<string, DeviceIdentity>();
/**
 * Latest state of each user each reporting device sent (by Entra deviceId, then user index):
 * a user missing from a newer report keeps their last reported state.
 */
const sent = new Map<string, UserSpec[]>();
/** Windows managed devices as the product must count them: Entra deviceId, else Intune id. */
let fleetKeys: Set<string>;
/** Fleet keys of devices Intune knows as Entra registered (BYOD). */
let registeredKeys: Set<string>;
let candidates: string[];
const unmanagedReporter = { deviceId: '' };
const hostLogs: string[] = [];

async function identityOf(deviceId: string): Promise<DeviceIdentity> {
  let id = identities.get(deviceId);
  if (!id) {
    id = await createDeviceIdentity({ deviceId, privateKey: key });
    tenant.setDeviceCertificate(deviceId, id.certDer);
    identities.set(deviceId, id);
  }
  return id;
}

async function upload(deviceId: string, users: UserSpec[]): Promise<void> {
  const identity = await identityOf(deviceId);
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
  const merged = [...(sent.get(deviceId) ?? [])];
  users.forEach((u, i) => {
    merged[i] = u;
  });
  sent.set(deviceId, merged);
}

async function get(path: string, withKey = true) {
  const res = await fetch(`${host.url}${path}`, withKey ? { headers: { 'x-functions-key': KEY } } : {});
  const text = await res.text();
  return { status: res.status, text, json: () => JSON.parse(text) as Json };
}

async function collect(): Promise<void> {
  await host.invoke('collectInventory');
}

function expectedCounts() {
  const byPosture: Record<Posture, number> = {
    nonDestructive: 0,
    destructiveOnly: 0,
    noHelloKey: 0,
    unknown: 0,
    stale: 0,
    notReported: 0,
    entraRegistered: 0,
  };
  const keys = new Set([...fleetKeys, ...sent.keys()]);
  for (const k of keys) {
    const users = sent.get(k);
    // The uploads say AzureAdJoined YES (a positive report wins); without one, Intune's
    // azureADRegistered makes an Entra registered device, outside "never reported".
    byPosture[users ? devicePosture(users) : registeredKeys.has(k) ? 'entraRegistered' : 'notReported']++;
  }
  return { devices: keys.size, reported: sent.size, byPosture };
}

/** A managed reporting device whose only user is DestructiveOnly (uploads run concurrently, so found by content). */
function singleUserDestructive(): string {
  const hit = [...sent.entries()].find(
    ([k, u]) => k !== unmanagedReporter.deviceId && u.length === 1 && devicePosture(u) === 'destructiveOnly',
  );
  if (!hit) throw new Error('no single-user DestructiveOnly device among the uploads');
  return hit[0];
}

async function deviceRow(deviceId: string): Promise<Json> {
  // Walk the JSON pages: also proves continuation tokens reach every row.
  let path: string | null = '/api/devices?top=50';
  while (path) {
    const page = (await get(path)).json();
    const hit = (page.devices as Json[]).find((d) => d.deviceKey === deviceId);
    if (hit) return hit;
    path = page.continuation ? `/api/devices?top=50&continuation=${page.continuation}` : null;
  }
  throw new Error(`device ${deviceId} not listed`);
}

beforeAll(async () => {
  tenant = generateTenant({ devices: 300, seed: 'posture-pipeline', now: new Date().toISOString() });
  key = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
  const windows = tenant.managedDevices.filter((d) => d.operatingSystem === 'Windows');
  fleetKeys = new Set(
    windows.map((d) =>
      (d.azureADDeviceId && d.azureADDeviceId !== ZERO ? d.azureADDeviceId : d.id).toLowerCase(),
    ),
  );
  registeredKeys = new Set(
    windows
      .filter((d) => d.joinType === 'azureADRegistered')
      .map((d) => (d.azureADDeviceId && d.azureADDeviceId !== ZERO ? d.azureADDeviceId : d.id).toLowerCase()),
  );
  // Devices that can pass the Entra check: an enabled Entra record.
  candidates = windows
    .map((d) => d.azureADDeviceId.toLowerCase())
    .filter((id) => id !== ZERO && tenant.entraDeviceByDeviceId(id)?.accountEnabled === true);
  unmanagedReporter.deviceId = tenant.addEntraDevice({ displayName: 'BYO-1' }).deviceId.toLowerCase();
  sim = await startGraphSimulator({ tenant, ca: await ensureDevCa(testCaDir()) });
  Object.assign(process.env, {
    STORAGE_CONNECTION_STRING: testStorageConnectionString(),
    TABLE_PREFIX: uniqueTablePrefix('pp'),
    GRAPH_BASE_URL: sim.baseUrl,
    GRAPH_ACCESS_TOKEN: sim.token,
  });
  host = await startLocalHost({
    port: 0,
    entryPoint: ENTRY,
    key: KEY,
    log: (l) => hostLogs.push(l),
  });
}, 120_000);

afterAll(async () => {
  await host?.stop();
  await sim?.stop();
});

describe('posture pipeline end to end', () => {
  it('serves 404 not_computed before anything is known, and health says never collected', async () => {
    const summary = await get('/api/summary');
    expect(summary.status).toBe(404);
    expect(summary.json().error.code).toBe('not_computed');
    const health = await get('/api/health', false);
    expect(health.status).toBe(503);
    expect(health.json().checks.collection.problem).toBe('never_collected');
  });

  it('keys /api/summary and /api/devices with the function key', async () => {
    expect((await get('/api/summary', false)).status).toBe(401);
    expect((await get('/api/devices', false)).status).toBe(401);
  });

  it('counts every device after uploads and a collection exactly as the test expects', async () => {
    const reporters = candidates.slice(0, 70);
    for (let i = 0; i < reporters.length; i += 10) {
      await Promise.all(
        reporters.slice(i, i + 10).map((id, j) => upload(id, MIXES[(i + j) % MIXES.length]!)),
      );
    }
    await upload(unmanagedReporter.deviceId, MIXES[1]!);
    await collect();

    const res = await get('/api/summary');
    expect(res.status).toBe(200);
    const s = res.json();
    const want = expectedCounts();
    expect(s.totals).toMatchObject({ devices: want.devices, reported: want.reported, removed: 0 });
    expect(s.byPosture).toEqual(want.byPosture);
    expect(s.tenantReadiness).toBe('ready');
    expect(Date.parse(s.lastCollectionAt)).not.toBeNaN();
    expect(Date.parse(s.lastReportAt)).not.toBeNaN();
    // Every device carried by NOT_INTUNE_MANAGED is the one that reported without Intune.
    expect(s.byReason.NOT_INTUNE_MANAGED).toBe(1);

    const health = await get('/api/health', false);
    expect(health.status).toBe(200);
    expect(health.json()).toMatchObject({
      status: 'healthy',
      checks: { collection: { status: 'succeeded' } },
    });

    const csv = await get('/api/devices?format=csv');
    expect(csv.status).toBe(200);
    const lines = csv.text.trimEnd().split('\r\n');
    expect(lines[0]).toBe(DEVICE_COLUMN_HEADERS.join(','));
    expect(lines.length - 1).toBe(want.devices);
    const destructive = await get('/api/devices?posture=destructiveOnly&format=csv');
    expect(destructive.text.trimEnd().split('\r\n').length - 1).toBe(want.byPosture.destructiveOnly);
  });

  it('keeps destructiveOnlySince across a newer report and a second collection', async () => {
    const id = singleUserDestructive();
    const before = await deviceRow(id);
    expect(before.posture).toBe('destructiveOnly');
    expect(Date.parse(before.destructiveOnlySince)).not.toBeNaN();

    await upload(id, [{ ngcSet: true, canReset: 'DestructiveOnly' }]);
    await collect();
    const after = await deviceRow(id);
    expect(after.posture).toBe('destructiveOnly');
    expect(after.destructiveOnlySince).toBe(before.destructiveOnlySince);
    expect(Date.parse(after.lastReportAt)).toBeGreaterThan(Date.parse(before.lastReportAt));
  });

  it('moves the device and the summary counts on an upload after the collection', async () => {
    const silent = candidates.find((id) => !sent.has(id) && !registeredKeys.has(id))!;
    const wasDestructive = singleUserDestructive();
    const before = (await get('/api/summary')).json();

    await upload(silent, [{ ngcSet: true, canReset: 'DestructiveAndNonDestructive' }]);
    await upload(wasDestructive, [{ ngcSet: true, canReset: 'DestructiveAndNonDestructive' }]);
    // Each upload queued its device's recompute; the host's queue workers run them.
    expect(await host.drainQueues(60_000)).toMatchObject({ drained: true, failed: 0, poisoned: 0 });

    const after = (await get('/api/summary')).json();
    expect(after.byPosture).toEqual(expectedCounts().byPosture);
    expect(after.byPosture.notReported).toBe(before.byPosture.notReported - 1);
    expect(after.byPosture.destructiveOnly).toBe(before.byPosture.destructiveOnly - 1);
    expect(after.byPosture.nonDestructive).toBe(before.byPosture.nonDestructive + 2);
    expect(after.totals.reported).toBe(before.totals.reported + 1);
    expect(Date.parse(after.generatedAt)).toBeGreaterThanOrEqual(Date.parse(before.generatedAt));

    const row = await deviceRow(wasDestructive);
    expect(row).toMatchObject({ posture: 'nonDestructive', destructiveOnlySince: null });
    expect((await deviceRow(silent)).posture).toBe('nonDestructive');

    // The next full recompute agrees with the incremental one.
    await collect();
    expect((await get('/api/summary')).json().byPosture).toEqual(after.byPosture);
    // No recompute failed along the way (a failure would only be logged, never seen by the agent).
    expect(hostLogs.filter((l) => /report_after_accept_failed|posture_recompute_failed/.test(l))).toEqual([]);
    expect(hostLogs.some((l) => l.includes('posture_recomputed'))).toBe(true);
  });
});
