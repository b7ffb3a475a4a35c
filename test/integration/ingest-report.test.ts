/**
 * POST /api/reports through the real handler (HttpRequest / InvocationContext from
 * @azure/functions), Table Storage in Azurite, Entra through the HTTPS Graph simulator,
 * and real RSA keys and X.509 certificates: what the protocol promises a device and an admin.
 */
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { TableClient } from '@azure/data-tables';
import { HttpRequest, InvocationContext } from '@azure/functions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildSignedUpload, newNonce, rfc3339Now } from '../../agent/reference/signed-upload.js';
import { demoReportBody } from '../../dev/demo-report.js';
import { createDeviceIdentity, type DeviceIdentity } from '../../dev/device-identity.js';
import { evidenceCase } from '../../dev/evidence-case.js';
import { startGraphSimulator } from '../../dev/graph-sim/server.js';
import { Tenant } from '../../dev/graph-sim/tenant.js';
import { ensureDevCa } from '../../dev/tls.js';
import { handleIngestReport } from '../../functions/ingest-report.js';
import { buildServices, type Services } from '../../functions/services.js';
import type { Config } from '../../shared/config.js';
import { emptyDeviceEvidence } from '../../shared/posture/evidence.js';
import { LATEST_TABLE, REPORTS_TABLE } from '../../shared/storage/report-store.js';
import { tableName } from '../../shared/storage/tables.js';
import { testCaDir, testConfig } from '../support/env.js';

const URL_BASE = 'http://localhost:7071';
// Devices 0-19 serve the single-device cases; 20-219 are the concurrent fleet, untouched before.
const FLEET = 220;

let sim: Awaited<ReturnType<typeof startGraphSimulator>>;
let tenant: Tenant;
let config: Config;
let services: Services;
let sharedKey: KeyObject;
const fleet: DeviceIdentity[] = [];
let ada: DeviceIdentity;
const logs: string[] = [];

function reportFor(
  identity: DeviceIdentity,
  users = 1,
  extra: Partial<{ collectedAt: string; schemaVersion: 1 | 2 }> = {},
) {
  const device = {
    deviceId: identity.deviceId,
    tenantId: tenant.tenantId,
    tenantName: 'Contoso',
    deviceName: `PC-${identity.deviceId.slice(0, 6)}`,
    azureAdJoined: true,
    domainJoined: false,
    thumbprint: identity.binding.thumbprint,
  };
  return demoReportBody({
    device,
    agentVersion: '1.0.0',
    collectedAt: extra.collectedAt,
    schemaVersion: extra.schemaVersion,
    users: Array.from({ length: users }, (_, i) => ({
      upn: `user${i}@contoso.com`,
      sid: `S-1-12-1-${i}-1000`,
      ngcSet: true,
      ngcKeyId: 'fa0db076-a5d7-4844-82d8-50a2fb42ec7b',
      canReset: i % 2 === 0 ? ('DestructiveOnly' as const) : ('DestructiveAndNonDestructive' as const),
    })),
  });
}

type Body = ReturnType<typeof reportFor>;

interface Sent {
  headers: Record<string, string>;
  body: Buffer;
}

function signed(
  identity: DeviceIdentity,
  body: unknown,
  over: Partial<{ timestamp: string; nonce: string }> = {},
): Sent {
  const s = buildSignedUpload({
    deviceId: identity.deviceId,
    certDer: identity.certDer,
    privateKey: identity.privateKeyPem,
    body,
    ...over,
  });
  return { headers: lower(s.headers), body: s.body };
}

function lower(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
}

async function post(sent: Sent, path = '/api/reports') {
  const request = new HttpRequest({
    method: 'POST',
    url: `${URL_BASE}${path}`,
    headers: sent.headers,
    body: { bytes: sent.body },
  });
  const context = new InvocationContext({
    functionName: 'ingestReport',
    logHandler: (level, ...args) => logs.push(`${level} ${args.map((a) => JSON.stringify(a)).join(' ')}`),
  });
  const res = await handleIngestReport(request, context, {
    trust: services.config.trust,
    directory: services.directory,
    store: services.reports,
  });
  return {
    status: res.status ?? 200,
    body: res.jsonBody as { error: { code: string; message: string }; reportId: string; receivedAt: string },
    headers: (res.headers ?? {}) as Record<string, string>,
  };
}

async function entityCount(logical: string): Promise<number> {
  const client = TableClient.fromConnectionString(
    config.storage.connectionString!,
    tableName(config.storage, logical),
    { allowInsecureConnection: true },
  );
  let n = 0;
  try {
    for await (const _ of client.listEntities()) n++;
  } catch (err) {
    if ((err as { statusCode?: number }).statusCode === 404) return 0;
    throw err;
  }
  return n;
}

async function storedEverything(): Promise<number> {
  return (await entityCount(REPORTS_TABLE)) + (await entityCount(LATEST_TABLE));
}

async function reportsOf(deviceId: string): Promise<number> {
  return services.reports.countReports(deviceId);
}

async function expectRejected(sent: Sent, status: number, code: string, path?: string) {
  const before = await storedEverything();
  const res = await post(sent, path);
  expect(res.status).toBe(status);
  expect(res.body.error.code).toBe(code);
  expect(typeof res.body.error.message).toBe('string');
  expect(await storedEverything()).toBe(before);
  return res;
}

beforeAll(async () => {
  const ca = await ensureDevCa(testCaDir());
  tenant = new Tenant({ seed: 'ingest', now: new Date().toISOString() });
  // One RSA key shared by the bulk fleet keeps set-up fast; each device still has its own certificate.
  sharedKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
  for (let i = 0; i < FLEET; i++) {
    const entra = tenant.addEntraDevice({ displayName: `PC-${i}` });
    const id = await createDeviceIdentity({ deviceId: entra.deviceId, privateKey: sharedKey });
    tenant.setDeviceCertificate(entra.deviceId, id.certDer);
    fleet.push(id);
  }
  ada = fleet[0]!;
  sim = await startGraphSimulator({ tenant, ca });
  config = testConfig({
    GRAPH_BASE_URL: sim.baseUrl,
    GRAPH_ACCESS_TOKEN: sim.token,
    DAILY_UPLOAD_LIMIT: '24',
  });
  services = buildServices(config);
});

afterAll(async () => {
  await sim?.stop();
});

describe('a valid signed upload', () => {
  it('is accepted with 202, stored, and reads back exactly', async () => {
    const body = reportFor(ada, 2);
    const res = await post(signed(ada, body));
    expect(res.status).toBe(202);
    expect(res.body.reportId).toMatch(/^[0-9a-f-]{36}$/);
    expect(Date.parse(res.body.receivedAt)).not.toBeNaN();

    const stored = await services.reports.getReport(ada.deviceId, res.body.reportId);
    expect(stored).toBeDefined();
    expect(stored!.rawBody).toBe(JSON.stringify(body));
    expect(stored!.trust).toBe('verified');
    expect(stored!.device.joinType).toBe('entraJoined');
    expect(stored!.users.map((u) => u.canReset)).toEqual(['DestructiveOnly', 'DestructiveAndNonDestructive']);
    const latest = await services.reports.latestUsers(ada.deviceId);
    expect(latest.map((u) => u.canReset).sort()).toEqual(['DestructiveAndNonDestructive', 'DestructiveOnly']);
  });

  it('stores schemaVersion 2 evidence with the report and on the latest-state rows the recompute reads', async () => {
    const device = fleet[18]!;
    const { body } = evidenceCase({
      join: 'hybridJoined',
      deviceId: device.deviceId,
      tenantId: tenant.tenantId,
      gpo: { Enabled: 1, EnablePinRecovery: 1 },
      webSignInAllowedUrls: '"adfs.contoso.com"',
      lockScreen: { DontDisplayLastUserName: 1 },
      users: [{ upn: 'ada@contoso.com', canReset: 'DestructiveOnly', lockScreen: { Shell: 'kiosk.exe' } }],
    });
    const res = await post(signed(device, body));
    expect(res.status).toBe(202);

    const stored = await services.reports.getReport(device.deviceId, res.body.reportId);
    expect(stored!.device.evidence.source).toBe('agent');
    const latestDevice = await services.reports.latestDevice(device.deviceId);
    expect(latestDevice!.evidence).toEqual(stored!.device.evidence);
    expect(latestDevice!.evidence.passportForWork).toMatchObject({
      state: 'reported',
      gpo: { enablePinRecovery: true, helloEnabled: true },
    });
    expect(latestDevice!.evidence.webSignIn).toMatchObject({ quoted: true });
    expect(latestDevice!.evidence.lockScreen).toMatchObject({ dontDisplayLastUserName: 1 });

    const [user] = await services.reports.latestUsers(device.deviceId);
    expect(user!.evidence).toEqual(stored!.users[0]!.evidence);
    expect(user!.evidence?.trustModel).toMatchObject({ model: 'key', basis: 'policy' });
    expect(user!.evidence?.lockScreen).toMatchObject({ state: 'reported', shell: 'kiosk.exe' });
    // The fleet projection the full recompute reads carries it too.
    const projected: unknown[] = [];
    for await (const u of services.reports.listLatest())
      if (u.deviceId === device.deviceId) projected.push(u.evidence);
    expect(projected).toEqual([user!.evidence]);
  });

  it('keeps a version 1 upload working: every evidence group reads back as not reported', async () => {
    const device = fleet[19]!;
    const body = reportFor(device, 1, { schemaVersion: 1 });
    expect(body.schemaVersion).toBe(1);
    const res = await post(signed(device, body));
    expect(res.status).toBe(202);
    const latestDevice = await services.reports.latestDevice(device.deviceId);
    expect(latestDevice!.evidence).toEqual(emptyDeviceEvidence());
    const [user] = await services.reports.latestUsers(device.deviceId);
    expect(user!.evidence).toEqual({
      source: 'none',
      passportForWork: { state: 'notReported' },
      lockScreen: { state: 'notReported' },
      trustModel: { model: 'notHybrid' },
    });
  });

  it('never writes the body, certificate or signature to the log', async () => {
    const sent = signed(fleet[1]!, reportFor(fleet[1]!));
    await post(sent);
    await post(sent); // replay: a rejection is logged too
    const all = logs.join('\n');
    expect(all).not.toContain(sent.headers['x-resetready-signature']!.slice(0, 40));
    expect(all).not.toContain(sent.headers['x-resetready-certificate']!.slice(0, 40));
    expect(all).not.toContain('DeviceCertificateValidity');
  });
});

describe('rejections answer the right status and code and store nothing', () => {
  const HEADERS = [
    'x-resetready-device',
    'x-resetready-timestamp',
    'x-resetready-nonce',
    'x-resetready-certificate',
    'x-resetready-signature',
  ];

  it.each(HEADERS)('missing %s → 400 missing_header naming it', async (name) => {
    const sent = signed(fleet[2]!, reportFor(fleet[2]!));
    delete sent.headers[name];
    const res = await expectRejected(sent, 400, 'missing_header');
    expect(res.body.error.message.toLowerCase()).toContain(name);
  });

  it.each([
    ['x-resetready-device', (h: Record<string, string>) => h['x-resetready-device']!.toUpperCase()],
    ['x-resetready-device', () => 'not-a-guid'],
    ['x-resetready-timestamp', () => 'yesterday at noon'],
    ['x-resetready-nonce', () => 'short'],
    ['x-resetready-nonce', () => 'a'.repeat(65)],
    ['x-resetready-certificate', () => '***not base64***'],
    ['x-resetready-signature', () => 'not base64!'],
  ])('garbled %s → 400 invalid_header naming it', async (name, garble) => {
    const sent = signed(fleet[2]!, reportFor(fleet[2]!));
    sent.headers[name] = garble(sent.headers);
    const res = await expectRejected(sent, 400, 'invalid_header');
    expect(res.body.error.message.toLowerCase()).toContain(name);
  });

  it('a timestamp outside the window → 401 stale_timestamp', async () => {
    const old = rfc3339Now(new Date(Date.now() - 10 * 60_000));
    await expectRejected(signed(fleet[2]!, reportFor(fleet[2]!), { timestamp: old }), 401, 'stale_timestamp');
    const future = rfc3339Now(new Date(Date.now() + 10 * 60_000));
    await expectRejected(
      signed(fleet[2]!, reportFor(fleet[2]!), { timestamp: future }),
      401,
      'stale_timestamp',
    );
  });

  it('a body changed after signing → 401 bad_signature', async () => {
    const sent = signed(fleet[2]!, reportFor(fleet[2]!));
    sent.body = Buffer.from(
      sent.body.toString('utf8').replace('DestructiveOnly', 'DestructiveAndNonDestructive'),
    );
    await expectRejected(sent, 401, 'bad_signature');
  });

  it('a request signed for another path → 401 bad_signature', async () => {
    const sent = signed(fleet[2]!, reportFor(fleet[2]!));
    await expectRejected(sent, 401, 'bad_signature', '/api/reports/../reports2');
  });

  it('a signature by another key → 401 bad_signature', async () => {
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    const s = buildSignedUpload({
      deviceId: fleet[2]!.deviceId,
      certDer: fleet[2]!.certDer,
      privateKey: other,
      body: reportFor(fleet[2]!),
    });
    await expectRejected({ headers: lower(s.headers), body: s.body }, 401, 'bad_signature');
  });

  it('a certificate whose CN is not the device → 401 certificate_subject_mismatch', async () => {
    const someoneElse = await createDeviceIdentity({ deviceId: fleet[3]!.deviceId, privateKey: sharedKey });
    const s = buildSignedUpload({
      deviceId: fleet[2]!.deviceId,
      certDer: someoneElse.certDer,
      privateKey: sharedKey,
      body: reportFor(fleet[2]!),
    });
    await expectRejected({ headers: lower(s.headers), body: s.body }, 401, 'certificate_subject_mismatch');
  });

  it('an expired certificate → 401 certificate_expired', async () => {
    const expired = await createDeviceIdentity({
      deviceId: fleet[2]!.deviceId,
      privateKey: sharedKey,
      // This file runs on the real clock, so the expired window is derived from it.
      notBefore: new Date(Date.now() - 2 * 365 * 86_400_000),
      notAfter: new Date(Date.now() - 86_400_000),
    });
    await expectRejected(signed(expired, reportFor(expired)), 401, 'certificate_expired');
  });

  it('a device Entra does not know → 403 device_unknown', async () => {
    const stranger = await createDeviceIdentity({
      deviceId: '0f0e0d0c-0b0a-4909-8807-060504030201',
      privateKey: sharedKey,
    });
    await expectRejected(signed(stranger, reportFor(stranger)), 403, 'device_unknown');
  });

  it('a disabled device → 403 device_disabled', async () => {
    const entra = tenant.addEntraDevice({ displayName: 'PC-disabled', accountEnabled: false });
    const id = await createDeviceIdentity({ deviceId: entra.deviceId, privateKey: sharedKey });
    tenant.setDeviceCertificate(entra.deviceId, id.certDer);
    await expectRejected(signed(id, reportFor(id)), 403, 'device_disabled');
  });

  it('a certificate other than the registered one (thumbprint and key hash differ) → 401 certificate_not_registered', async () => {
    const entra = tenant.addEntraDevice({ displayName: 'PC-rekeyed' });
    const registered = await createDeviceIdentity({ deviceId: entra.deviceId, privateKey: sharedKey });
    tenant.setDeviceCertificate(entra.deviceId, registered.certDer);
    // Same subject, different certificate and key: what a thief with a self-made certificate would send.
    const forged = await createDeviceIdentity({ deviceId: entra.deviceId });
    await expectRejected(signed(forged, reportFor(forged)), 401, 'certificate_not_registered');
    // Same key (so the key hash matches) but another certificate: the thumbprint alone must fail it.
    const reissued = await createDeviceIdentity({ deviceId: entra.deviceId, privateKey: sharedKey });
    expect(reissued.binding.publicKeyHash).toBe(registered.binding.publicKeyHash);
    await expectRejected(signed(reissued, reportFor(reissued)), 401, 'certificate_not_registered');
  });

  it('a replayed nonce → 409 replayed_nonce, the first copy stored once', async () => {
    const sent = signed(fleet[4]!, reportFor(fleet[4]!));
    expect((await post(sent)).status).toBe(202);
    await expectRejected(sent, 409, 'replayed_nonce');
    expect(await reportsOf(fleet[4]!.deviceId)).toBe(1);
  });

  it('a body over 256 KiB → 413 body_too_large, declared or not', async () => {
    const big = signed(fleet[5]!, { padding: 'x'.repeat(256 * 1024) });
    await expectRejected(big, 413, 'body_too_large');
    const lying = signed(fleet[5]!, { padding: 'x'.repeat(256 * 1024) });
    lying.headers['content-length'] = '100';
    await expectRejected(lying, 413, 'body_too_large');
  });

  it.each(['text/plain', 'application/x-www-form-urlencoded', 'application/json; charset=latin1'])(
    'Content-Type %s → 415 unsupported_content_type',
    async (type) => {
      const sent = signed(fleet[5]!, reportFor(fleet[5]!));
      sent.headers['content-type'] = type;
      await expectRejected(sent, 415, 'unsupported_content_type');
    },
  );

  it('accepts application/json; charset=utf-8', async () => {
    const sent = signed(fleet[5]!, reportFor(fleet[5]!));
    sent.headers['content-type'] = 'application/json; charset=utf-8';
    expect((await post(sent)).status).toBe(202);
  });

  it.each([
    ['collectedAt', (b: Body) => ({ ...b, collectedAt: 'last tuesday' })],
    ['schemaVersion', (b: Body) => ({ ...b, schemaVersion: 3 })],
    ['users[0].dsregcmd', (b: Body) => ({ ...b, users: [{ ...b.users[0], dsregcmd: 42 }] })],
    ['system', (b: Body) => ({ ...b, system: undefined })],
    ['device.intuneDeviceId', (b: Body) => ({ ...b, device: { ...b.device, intuneDeviceId: 'nope' } })],
  ])('a schema violation at %s → 400 invalid_report naming the field', async (field, mutate) => {
    const res = await expectRejected(signed(fleet[6]!, mutate(reportFor(fleet[6]!))), 400, 'invalid_report');
    expect(res.body.error.message).toContain(field);
  });

  it('a body that is not JSON → 400 invalid_json', async () => {
    await expectRejected(signed(fleet[6]!, 'this is not json'), 400, 'invalid_json');
  });

  it('more than 16 users → 400 too_many_users', async () => {
    await expectRejected(signed(fleet[6]!, reportFor(fleet[6]!, 17)), 400, 'too_many_users');
  });

  it('a SYSTEM dsregcmd naming another device → 400 device_mismatch', async () => {
    const body = reportFor(fleet[6]!);
    body.system.dsregcmd = body.system.dsregcmd.replace(fleet[6]!.deviceId, fleet[7]!.deviceId);
    await expectRejected(signed(fleet[6]!, body), 400, 'device_mismatch');
  });

  it('the upload over the daily limit → 429 rate_limited with Retry-After, nothing stored', async () => {
    const device = fleet[8]!;
    for (let i = 0; i < config.trust.dailyUploadLimit; i++) {
      expect((await post(signed(device, reportFor(device)))).status).toBe(202);
    }
    const res = await expectRejected(signed(device, reportFor(device)), 429, 'rate_limited');
    const retryAfter = Number(res.headers['retry-after']);
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(86_400);
    expect(await reportsOf(device.deviceId)).toBe(config.trust.dailyUploadLimit);
  });
});

describe('concurrency', () => {
  it('200 concurrent valid uploads from 200 devices: 200 stored', async () => {
    const batch = fleet.slice(20, 220);
    expect(new Set(batch.map((d) => d.deviceId)).size).toBe(200);
    const before = await Promise.all(batch.map((d) => reportsOf(d.deviceId)));
    const results = await Promise.all(batch.map((d) => post(signed(d, reportFor(d)))));
    expect(results.map((r) => r.status)).toEqual(batch.map(() => 202));
    const after = await Promise.all(batch.map((d) => reportsOf(d.deviceId)));
    expect(after.map((n, i) => n - before[i]!)).toEqual(batch.map(() => 1));
  });

  it('50 concurrent copies of one request: exactly one stored, the others 409', async () => {
    const device = fleet[9]!;
    const before = await reportsOf(device.deviceId);
    const sent = signed(device, reportFor(device), { nonce: newNonce() });
    const results = await Promise.all(Array.from({ length: 50 }, () => post(sent)));
    const statuses = results.map((r) => r.status).sort();
    expect(statuses.filter((s) => s === 202)).toHaveLength(1);
    expect(statuses.filter((s) => s === 409)).toHaveLength(49);
    expect(await reportsOf(device.deviceId)).toBe(before + 1);
  });
});

describe('the committed protocol vectors', () => {
  it('an upload built from them verifies up to the timestamp check, proving server and vectors agree', async () => {
    const dir = new URL('../fixtures/agent-protocol/', import.meta.url);
    const headers = JSON.parse(readFileSync(new URL('headers.json', dir), 'utf8')) as Record<string, string>;
    const body = readFileSync(new URL('sample-body.json', dir));
    const lower = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
    // The vectors carry a fixed past timestamp, so the service must stop at the window check, not before.
    await expectRejected(
      { headers: { 'content-type': 'application/json', ...lower }, body },
      401,
      'stale_timestamp',
    );
  });
});
