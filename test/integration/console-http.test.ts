/**
 * The console as deployed, over HTTP: the built composition root on the local host playing
 * App Service Authentication (dev/easy-auth.ts), Azurite, the Graph simulator and signed
 * uploads. Who gets in (sign-in redirect, 401/403 JSON, forged headers stripped), that pages
 * and /api/console/data show exactly what the keyed read API answers, and the new read
 * endpoints: one device (/api/devices/{id}), the trend, tenant readiness, and search.
 */
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uploadReport } from '../../agent/reference/upload.js';
import { demoReportBody } from '../../dev/demo-report.js';
import { createDeviceIdentity } from '../../dev/device-identity.js';
import { generateTenant } from '../../dev/graph-sim/generate.js';
import { type GraphSimulator, startGraphSimulator } from '../../dev/graph-sim/server.js';
import type { Tenant } from '../../dev/graph-sim/tenant.js';
import { type LocalHost, startLocalHost } from '../../dev/host.js';
import { ensureDevCa } from '../../dev/tls.js';
import { encodeClientPrincipal, ROLES } from '../../shared/auth/principal.js';
import { CONSOLE_CSP } from '../../shared/console/layout.js';
import type { CanReset } from '../../shared/dsregcmd/types.js';
import { testCaDir, testStorageConnectionString, uniqueTablePrefix } from '../support/env.js';

const KEY = 'console-http-test-key-0123456789';
const ENTRY = fileURLToPath(new URL('../../dist/functions/index.js', import.meta.url));
const HTML = { accept: 'text/html,application/xhtml+xml' };
const JSON_ACCEPT = { accept: 'application/json' };

// biome-ignore lint/suspicious/noExplicitAny: JSON answers, checked field by field
type Json = Record<string, any>;

let tenant: Tenant;
let sim: GraphSimulator;
let host: LocalHost;
let key: KeyObject;
const reported: { deviceId: string; name: string; canReset: CanReset }[] = [];

async function signIn(name: string, roles: string[]): Promise<string> {
  const form = new URLSearchParams({ name, post_login_redirect_uri: '/api/console' });
  for (const r of roles) form.append('role', r);
  const res = await fetch(`${host.url}/.auth/login/aad/callback`, {
    method: 'POST',
    body: form,
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
  });
  expect(res.status).toBe(302);
  expect(res.headers.get('location')).toBe('/api/console');
  const cookie = /AppServiceAuthSession=[^;]+/.exec(res.headers.get('set-cookie') ?? '')?.[0];
  if (!cookie) throw new Error('no session cookie');
  return cookie;
}

async function get(path: string, headers: Record<string, string> = {}) {
  const res = await fetch(`${host.url}${path}`, { headers, redirect: 'manual' });
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, json: () => JSON.parse(text) as Json };
}

const keyed = (path: string) => get(path, { 'x-functions-key': KEY });

beforeAll(async () => {
  tenant = generateTenant({ devices: 60, seed: 'console-http', now: new Date().toISOString() });
  key = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
  sim = await startGraphSimulator({ tenant, ca: await ensureDevCa(testCaDir()) });
  Object.assign(process.env, {
    STORAGE_CONNECTION_STRING: testStorageConnectionString(),
    TABLE_PREFIX: uniqueTablePrefix('con'),
    GRAPH_BASE_URL: sim.baseUrl,
    GRAPH_ACCESS_TOKEN: sim.token,
    CONSOLE_AUTH: 'off',
  });
  host = await startLocalHost({ port: 0, entryPoint: ENTRY, key: KEY, log: () => {}, signIn: {} });
  await host.invoke('collectInventory');
  const windows = tenant.managedDevices.filter(
    (d) => d.operatingSystem === 'Windows' && tenant.entraDeviceByDeviceId(d.azureADDeviceId)?.accountEnabled,
  );
  for (const [i, d] of windows.slice(0, 8).entries()) {
    const deviceId = d.azureADDeviceId.toLowerCase();
    const identity = await createDeviceIdentity({ deviceId, privateKey: key });
    tenant.setDeviceCertificate(deviceId, identity.certDer);
    const canReset: CanReset = i % 3 === 0 ? 'DestructiveAndNonDestructive' : 'DestructiveOnly';
    const body = demoReportBody({
      device: {
        deviceId,
        tenantId: tenant.tenantId,
        tenantName: 'Contoso',
        deviceName: d.deviceName,
        azureAdJoined: true,
        domainJoined: false,
        thumbprint: identity.binding.thumbprint,
      },
      users: [
        {
          upn: d.userPrincipalName || `user${i}@${tenant.domain}`,
          sid: `S-1-12-1-${i}-1000`,
          ngcSet: true,
          ngcKeyId: `fa0db076-a5d7-4844-82d8-50a2fb42ec${String(i).padStart(2, '0')}`,
          canReset,
        },
      ],
    });
    const res = await uploadReport(
      host.url,
      { deviceId, certDer: identity.certDer, privateKey: identity.privateKeyPem },
      body,
      { maxAttempts: 3, baseDelayMs: 10 },
    );
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    reported.push({ deviceId, name: d.deviceName, canReset });
  }
  // Each upload queued its device's recompute: let them finish before reading posture.
  expect(await host.drainQueues(60_000)).toMatchObject({ drained: true, failed: 0, poisoned: 0 });
}, 180_000);

afterAll(async () => {
  await host?.stop();
  await sim?.stop();
});

describe('who gets in', () => {
  it('sends a signed-out browser to sign in and back, and answers a signed-out API call 401 JSON', async () => {
    const page = await get('/api/console/devices?posture=destructiveOnly', HTML);
    expect(page.status).toBe(302);
    expect(page.headers.get('location')).toBe(
      `/.auth/login/aad?post_login_redirect_uri=${encodeURIComponent('/api/console/devices?posture=destructiveOnly')}`,
    );
    const api = await get('/api/console/data/summary', JSON_ACCEPT);
    expect(api.status).toBe(401);
    expect(api.json().error.code).toBe('sign_in_required');
  });

  it('ignores a principal header sent by a client: the host strips it as the platform does', async () => {
    const forged = encodeClientPrincipal({ name: 'mallory@evil.example', roles: [ROLES.admin] });
    const api = await get('/api/console/data/summary', { ...JSON_ACCEPT, 'x-ms-client-principal': forged });
    expect(api.status).toBe(401);
    const page = await get('/api/console', { ...HTML, 'X-MS-CLIENT-PRINCIPAL': forged });
    expect(page.status).toBe(302);
  });

  it('refuses someone signed in without a ResetReady role: 403 page, 403 JSON', async () => {
    const cookie = await signIn('norole@contoso.com', []);
    const page = await get('/api/console', { ...HTML, cookie });
    expect(page.status).toBe(403);
    expect(page.text).toContain('ResetReady.Reader');
    expect(page.text).toContain('norole@contoso.com');
    const api = await get('/api/console/data/devices', { ...JSON_ACCEPT, cookie });
    expect(api.status).toBe(403);
    expect(api.json().error.code).toBe('role_required');
  });

  it('the keyed API still needs its key, and a console session does not open it', async () => {
    const cookie = await signIn('reader@contoso.com', [ROLES.reader]);
    expect((await get('/api/summary', { cookie })).status).toBe(401);
    expect((await keyed('/api/summary')).status).toBe(200);
  });

  it('signing out ends the session', async () => {
    const cookie = await signIn('leaver@contoso.com', [ROLES.reader]);
    expect((await get('/api/console', { ...HTML, cookie })).status).toBe(200);
    const out = await get('/.auth/logout?post_logout_redirect_uri=/api/console', { cookie });
    expect(out.status).toBe(302);
    expect(out.headers.get('location')).toBe('/api/console');
    expect((await get('/api/console', { ...HTML, cookie })).status).toBe(302);
  });
});

describe('a Reader sees what the read API answers', () => {
  let cookie: string;
  beforeAll(async () => {
    cookie = await signIn('alice@contoso.com', [ROLES.reader]);
  });

  it('the console JSON is the keyed JSON', async () => {
    const mine = await get('/api/console/data/summary', { cookie });
    expect(mine.status).toBe(200);
    expect(mine.json()).toEqual((await keyed('/api/summary')).json());
    const devices = await get('/api/console/data/devices?posture=destructiveOnly&top=5', { cookie });
    expect(devices.json().devices).toEqual(
      (await keyed('/api/devices?posture=destructiveOnly&top=5')).json().devices,
    );
  });

  it('the overview states the summary’s numbers, with a CSP that allows no script and nothing from elsewhere', async () => {
    const summary = (await keyed('/api/summary')).json();
    const page = await get('/api/console', { ...HTML, cookie });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toBe(CONSOLE_CSP);
    expect(page.text).not.toMatch(/<script/i);
    expect(page.text).toContain('Signed in as <strong>alice@contoso.com</strong>');
    const destructive = /id="kpi-destructive">Destructive only<\/h2>\s*<p class="value">([\d,]+)<\/p>/.exec(
      page.text,
    )?.[1];
    expect(Number(destructive?.replace(/,/g, ''))).toBe(summary.byPosture.destructiveOnly);
    expect(summary.byPosture.destructiveOnly).toBeGreaterThan(0);
    for (const r of summary.reasons as Json[]) expect(page.text).toContain(`/api/console/reasons/${r.code}`);
    // Every URL the page loads is this app's (links out are navigations the person chooses).
    const loads = [...page.text.matchAll(/<(?:link|img|script)[^>]+(?:href|src)="([^"]+)"/g)].map(
      (m) => m[1],
    );
    expect(loads.length).toBeGreaterThan(0);
    for (const u of loads) expect(u).toMatch(/^\/api\/console\//);
    const css = await get(loads[0]!, { cookie });
    expect(css.status).toBe(200);
    expect(css.headers.get('content-type')).toMatch(/^text\/css/);
    expect(css.headers.get('cache-control')).toContain('immutable');
    expect((await get('/api/console/assets/console-000000000000.css')).status).toBe(404);
  });

  it('a reason page lists the devices carrying it, one server page at a time, with the same filter as CSV', async () => {
    const summary = (await keyed('/api/summary')).json();
    const reason = (summary.reasons as Json[])[0]!;
    const page = await get(`/api/console/reasons/${reason.code}`, { ...HTML, cookie });
    expect(page.status).toBe(200);
    expect(page.text).toContain(reason.title);
    const listed = [...page.text.matchAll(/href="\/api\/console\/devices\/([0-9a-f-]{36})"/g)].map(
      (m) => m[1],
    );
    const api = (await keyed(`/api/devices?reason=${reason.code}&top=50`)).json();
    expect(listed).toEqual((api.devices as Json[]).map((d) => d.deviceKey));
    const csvHref = /href="(\/api\/console\/data\/devices\?[^"]+)"/
      .exec(page.text)?.[1]
      ?.replace(/&amp;/g, '&');
    expect(csvHref).toContain(`reason=${reason.code}`);
    const csv = await get(csvHref!, { cookie });
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(csv.text.trim().split(/\r?\n/).length - 1).toBe(reason.devices);
    expect((await get('/api/console/reasons/NOT_A_CODE', { ...HTML, cookie })).status).toBe(404);
  });

  it('a device page explains its posture, users and policies from GET /api/devices/{id}', async () => {
    const d = reported.find((r) => r.canReset === 'DestructiveOnly')!;
    const detail = (await keyed(`/api/devices/${d.deviceId}`)).json();
    expect(detail.device.posture).toBe('destructiveOnly');
    expect(detail.users.map((u: Json) => u.canReset)).toEqual(['DestructiveOnly']);
    expect(detail.history.reports.length).toBeGreaterThan(0);
    expect(detail.history.reports[0].users[0].canReset).toBe('DestructiveOnly');
    expect(detail.reasons.length).toBeGreaterThan(0);
    for (const r of detail.reasons as Json[]) expect(r.docsUrl).toMatch(/^https:\/\/learn\.microsoft\.com\//);
    // The explanation agrees with the stored targeting: the deciding policies are explained as deciding.
    const deciding = (detail.targeting.policies as Json[]).filter((p) => p.decides).map((p) => p.id);
    expect(deciding.sort()).toEqual([...detail.targeting.decidedBy].sort());
    for (const p of detail.targeting.policies as Json[]) {
      if (p.outcome === 'notAssigned') continue;
      const named = (p.assignments as Json[]).filter((a) => a.groupId && a.effect !== 'noMatch');
      for (const a of named) expect(a.groupName ?? a.groupDeleted).toBeTruthy();
    }
    const page = await get(`/api/console/devices/${d.deviceId}`, { ...HTML, cookie });
    expect(page.status).toBe(200);
    expect(page.text).toContain(`<h1>${d.name}</h1>`);
    expect(page.text).toContain('DestructiveOnly');
    expect(page.text).toContain('PIN recovery policies and their assignments');
    const mine = await get(`/api/console/data/devices/${d.deviceId}`, { cookie });
    expect(mine.json()).toEqual(detail);
  });

  it('answers an unknown device 404 and a malformed id 400, in the JSON error shape', async () => {
    const missing = await keyed('/api/devices/00000000-0000-4000-8000-00000000abcd');
    expect(missing.status).toBe(404);
    expect(missing.json().error.code).toBe('device_not_found');
    const bad = await keyed('/api/devices/not-a-guid');
    expect(bad.status).toBe(400);
    expect(bad.json().error.code).toBe('invalid_parameter');
    expect((await keyed(`/api/devices/${reported[0]!.deviceId}?expand=all`)).json().error.code).toBe(
      'unknown_parameter',
    );
    expect(
      (await get('/api/console/devices/00000000-0000-4000-8000-00000000abcd', { ...HTML, cookie })).status,
    ).toBe(404);
  });

  it('searches device names and users, case-insensitively', async () => {
    const name = reported[1]!.name;
    const part = name.slice(-3).toLowerCase();
    const found = (await keyed(`/api/devices?search=${encodeURIComponent(part)}&top=1000`)).json()
      .devices as Json[];
    expect(found.length).toBeGreaterThan(0);
    for (const d of found) {
      expect(`${d.deviceName ?? ''} ${d.userPrincipalName ?? ''}`.toLowerCase()).toContain(part);
    }
    expect(found.map((d) => d.deviceName)).toContain(name);
    expect((await keyed(`/api/devices?search=${'x'.repeat(101)}`)).status).toBe(400);
  });

  it('serves tenant readiness with both admin-consent links, and the daily trend', async () => {
    const t = (await keyed('/api/tenant')).json();
    expect(t.apps.map((a: Json) => a.appId)).toEqual([
      'b8456c59-1230-44c7-a4a2-99b085333e84',
      '9115dd05-fad5-4f9c-acc7-305d08b1b04e',
    ]);
    for (const a of t.apps as Json[]) expect(a.adminConsentUrl).toContain(`client_id=${a.appId}`);
    const page = await get('/api/console/tenant', { ...HTML, cookie });
    expect(page.text).toContain('prompt=admin_consent');
    const trend = (await keyed('/api/trend?days=7')).json();
    expect(trend.days.length).toBeGreaterThan(0);
    expect(trend.days.at(-1).devices).toBe((await keyed('/api/summary')).json().totals.devices);
    expect((await keyed('/api/trend?days=0')).status).toBe(400);
  });
});
