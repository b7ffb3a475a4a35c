/**
 * The reference agent against a real HTTP server that runs the service-side checks, so
 * "what the agent sends" and "what the service accepts" cannot drift apart.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildReportBody } from '../../agent/reference/report-body.js';
import { uploadReport } from '../../agent/reference/upload.js';
import { createDeviceIdentity, type DeviceIdentity } from '../../dev/device-identity.js';
import { canonicalString, sha256Hex } from '../../shared/trust/canonical.js';
import { checkCertificateIdentity } from '../../shared/trust/certificate.js';
import type { TrustRejection } from '../../shared/trust/errors.js';
import { parseUploadHeaders } from '../../shared/trust/headers.js';
import { verifyRequestSignature } from '../../shared/trust/signature.js';
import { checkTimestamp } from '../../shared/trust/timestamp.js';

const DEVICE = '0f8fad5b-d9cb-469f-a165-70867728950e';

interface Seen {
  nonce: string;
  verdict: string;
}

/** Answers each request with the next scripted status once it verified (or with its rejection). */
function startService(script: Array<{ status: number; headers?: Record<string, string> }>) {
  const seen: Seen[] = [];
  const server: Server = createServer(async (req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks);
    const get = (n: string) => {
      const v = req.headers[n.toLowerCase()];
      return typeof v === 'string' ? v : null;
    };
    try {
      const h = parseUploadHeaders(get);
      checkTimestamp(h.timestamp, new Date(), 300);
      const canonical = canonicalString({
        method: req.method ?? '',
        path: req.url ?? '',
        deviceId: h.deviceId,
        timestamp: h.timestamp,
        nonce: h.nonce,
        bodySha256Hex: sha256Hex(body),
      });
      checkCertificateIdentity(
        verifyRequestSignature(h.certificateDer, canonical, h.signature),
        h.deviceId,
        new Date(),
      );
      const next = script.shift() ?? { status: 202 };
      seen.push({ nonce: h.nonce, verdict: String(next.status) });
      res.writeHead(next.status, { 'content-type': 'application/json', ...next.headers });
      res.end(
        JSON.stringify(
          next.status === 202
            ? { reportId: `r${seen.length}`, receivedAt: new Date().toISOString() }
            : { error: { code: 'scripted', message: 'scripted' } },
        ),
      );
    } catch (err) {
      const r = err as TrustRejection;
      seen.push({ nonce: get('X-ResetReady-Nonce') ?? '', verdict: r.code });
      res.writeHead(r.status ?? 500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { code: r.code, message: r.message } }));
    }
  });
  return new Promise<{ url: string; seen: Seen[]; close: () => Promise<void> }>((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({
        url: `http://127.0.0.1:${port}`,
        seen,
        close: () => new Promise<void>((r) => server.close(() => r())),
      });
    });
  });
}

let identity: DeviceIdentity;
const report = buildReportBody({
  deviceName: 'PC-0042',
  osVersion: '10.0.22631.4460',
  systemDsregcmd: 'AzureAdJoined : YES',
  users: [{ upn: 'ada@contoso.com', sid: 'S-1-12-1-1-2-3-4', dsregcmd: 'CanReset : DestructiveOnly' }],
  collectedAt: '2026-11-24T09:29:41Z',
  agentVersion: '1.0.0',
});

beforeAll(async () => {
  identity = await createDeviceIdentity({ deviceId: DEVICE });
});

function recorder() {
  const sleeps: number[] = [];
  return { sleeps, sleep: async (ms: number) => void sleeps.push(ms) };
}

describe('uploadReport', () => {
  const services: Array<{ close: () => Promise<void> }> = [];
  afterAll(async () => {
    await Promise.all(services.map((s) => s.close()));
  });

  it('is accepted by the service-side checks on the first attempt', async () => {
    const svc = await startService([]);
    services.push(svc);
    const r = await uploadReport(svc.url, { ...identity, privateKey: identity.privateKeyPem }, report);
    expect(r).toMatchObject({ ok: true, status: 202, attempts: 1, body: { reportId: 'r1' } });
    expect(svc.seen).toEqual([{ nonce: expect.stringMatching(/^[A-Za-z0-9_-]{32}$/), verdict: '202' }]);
  });

  it('honours 429 Retry-After, signs every retry with a fresh nonce, and bounds the wait', async () => {
    const svc = await startService([
      { status: 429, headers: { 'retry-after': '7' } },
      { status: 429, headers: { 'retry-after': '86400' } },
      { status: 503 },
    ]);
    services.push(svc);
    const rec = recorder();
    const r = await uploadReport(svc.url, { ...identity, privateKey: identity.privateKeyPem }, report, {
      sleep: rec.sleep,
      random: () => 0.5,
      baseDelayMs: 1000,
      maxDelayMs: 60_000,
    });
    expect(r).toMatchObject({ ok: true, status: 202, attempts: 4 });
    // 7 s as asked; a day capped to 60 s; the 503 backs off 0.5 × 1 s × 2².
    expect(rec.sleeps).toEqual([7000, 60_000, 2000]);
    expect(svc.seen.map((s) => s.verdict)).toEqual(['429', '429', '503', '202']);
    expect(new Set(svc.seen.map((s) => s.nonce)).size).toBe(4);
  });

  it('does not retry a rejection that would fail the same way again', async () => {
    const svc = await startService([{ status: 400 }]);
    services.push(svc);
    const rec = recorder();
    const r = await uploadReport(svc.url, { ...identity, privateKey: identity.privateKeyPem }, report, {
      sleep: rec.sleep,
    });
    expect(r).toMatchObject({ ok: false, status: 400, attempts: 1 });
    expect(rec.sleeps).toEqual([]);
  });

  it('gives up after maxAttempts when the service cannot be reached, and says why', async () => {
    const svc = await startService([]);
    await svc.close(); // the port is now closed
    const rec = recorder();
    const r = await uploadReport(svc.url, { ...identity, privateKey: identity.privateKeyPem }, report, {
      sleep: rec.sleep,
      maxAttempts: 3,
      baseDelayMs: 100,
      random: () => 1,
    });
    expect(r).toMatchObject({ ok: false, status: null, attempts: 3 });
    expect(r.error).toBeTruthy();
    expect(rec.sleeps).toEqual([100, 200]);
  });

  it('an upload signed by a certificate for another device is refused by the service', async () => {
    const svc = await startService([]);
    services.push(svc);
    const other = await createDeviceIdentity({ deviceId: '9b2d1c3e-0000-4000-8000-000000000001' });
    const r = await uploadReport(
      svc.url,
      { deviceId: DEVICE, certDer: other.certDer, privateKey: other.privateKeyPem },
      report,
      { sleep: async () => {} },
    );
    expect(r).toMatchObject({
      ok: false,
      status: 401,
      body: { error: { code: 'certificate_subject_mismatch' } },
    });
  });
});

describe('buildReportBody', () => {
  it('produces the schemaVersion 1 shape, optional fields only when given', () => {
    expect(report).toEqual({
      schemaVersion: 1,
      collectedAt: '2026-11-24T09:29:41Z',
      agent: { version: '1.0.0', mode: 'scheduled-task' },
      device: { name: 'PC-0042', osVersion: '10.0.22631.4460' },
      system: { dsregcmd: 'AzureAdJoined : YES' },
      users: [{ upn: 'ada@contoso.com', sid: 'S-1-12-1-1-2-3-4', dsregcmd: 'CanReset : DestructiveOnly' }],
    });
    const full = buildReportBody({
      deviceName: 'PC-1',
      osVersion: '10.0.26100.1',
      intuneDeviceId: '11111111-2222-4333-8444-555555555555',
      systemDsregcmd: 's',
      users: [{ upn: 'u', sid: 's', dsregcmd: 'd', passportKeys: 'p' }],
      collectedAt: '2026-11-24T09:29:41Z',
      agentVersion: '1.0.1',
      agentMode: 'remediation',
    });
    expect(full.device.intuneDeviceId).toBe('11111111-2222-4333-8444-555555555555');
    expect(full.users[0]?.passportKeys).toBe('p');
    expect(full.agent.mode).toBe('remediation');
  });

  it('produces schemaVersion 2 when it carries evidence, device or user', () => {
    const windows = {
      EditionID: 'Enterprise',
      ProductName: 'Windows 10 Enterprise',
      CurrentBuild: '22631',
      UBR: 4460,
      DisplayVersion: '23H2',
      InstallationType: 'Client',
    };
    const base = {
      deviceName: 'PC-1',
      osVersion: '10.0.22631.4460',
      systemDsregcmd: 's',
      collectedAt: '2026-11-24T09:29:41Z',
      agentVersion: '2.0.0',
    };
    const device = buildReportBody({
      ...base,
      evidence: { windows },
      users: [{ upn: 'u', sid: 's', dsregcmd: 'd' }],
    });
    expect(device).toMatchObject({ schemaVersion: 2, evidence: { windows } });
    expect(device.users[0]).not.toHaveProperty('evidence');
    const user = buildReportBody({
      ...base,
      users: [{ upn: 'u', sid: 's', dsregcmd: 'd', evidence: { passportForWork: { gpo: null, mdm: {} } } }],
    });
    expect(user).toMatchObject({
      schemaVersion: 2,
      users: [{ evidence: { passportForWork: { gpo: null, mdm: {} } } }],
    });
    expect(user).not.toHaveProperty('evidence');
  });
});
