/**
 * The simulator's streaming mode: a tenant rendered page by page from its seed answers every
 * request exactly as the same tenant held in arrays (materialize()), page boundaries, counts,
 * @odata.type and $select included; only the opaque $skiptoken values may differ. A
 * 1,000,000-device tenant starts at once and serves any page, and its ids resolve.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type GraphSimulator, startGraphSimulator } from '../../dev/graph-sim/server.js';
import { StreamingTenant } from '../../dev/graph-sim/streaming.js';
import type { Tenant } from '../../dev/graph-sim/tenant.js';
import { ensureDevCa } from '../../dev/tls.js';
import { membersPath } from '../../shared/graph/collectors/groups.js';
import { MANAGED_DEVICES_PATH } from '../../shared/graph/collectors/managed-devices.js';
import { testCaDir } from '../support/env.js';

const PAGE_SIZES = { managedDevices: 70, managedDevicesMaxTop: 70, directory: 40, deviceRunStates: 90 };

let streaming: GraphSimulator<StreamingTenant>;
let materialized: GraphSimulator<Tenant>;

beforeAll(async () => {
  const ca = await ensureDevCa(testCaDir());
  const tenant = new StreamingTenant({ devices: 1200, seed: 'agree' });
  streaming = await startGraphSimulator({ tenant, ca, pageSizes: PAGE_SIZES, token: 'same' });
  materialized = await startGraphSimulator({
    tenant: tenant.materialize(),
    ca,
    pageSizes: PAGE_SIZES,
    token: 'same',
  });
});

afterAll(async () => {
  await streaming?.stop();
  await materialized?.stop();
});

interface Fetched {
  status: number;
  body: unknown;
}

async function get(
  sim: { baseUrl: string; token: string },
  url: string,
  headers: Record<string, string> = {},
): Promise<Fetched> {
  const abs = url.startsWith('https://') ? url : `${sim.baseUrl}${url}`;
  const res = await fetch(abs, { headers: { Authorization: `Bearer ${sim.token}`, ...headers } });
  return { status: res.status, body: await res.json() };
}

/** Every page of a listing, with the origin and the opaque tokens taken out. */
async function listing(
  sim: GraphSimulator<Tenant> | GraphSimulator<StreamingTenant>,
  url: string,
  headers: Record<string, string> = {},
): Promise<unknown[]> {
  const pages: unknown[] = [];
  let next: string | undefined = url;
  while (next) {
    const r = await get(sim, next, headers);
    expect(r.status).toBe(200);
    const body = r.body as Record<string, unknown>;
    next = body['@odata.nextLink'] as string | undefined;
    pages.push(normalise(sim, body));
    if (pages.length > 500) throw new Error('listing does not end');
  }
  return pages;
}

function normalise(sim: { baseUrl: string }, body: unknown): unknown {
  const text = JSON.stringify(body)
    .replaceAll(sim.baseUrl, 'ORIGIN')
    .replace(/\$skiptoken=[^"&]+/g, '$skiptoken=TOKEN')
    .replace(/\$deltatoken=[^"&]+/g, '$deltatoken=TOKEN');
  return JSON.parse(text);
}

async function bothList(url: string, headers: Record<string, string> = {}): Promise<unknown[]> {
  const [a, b] = await Promise.all([listing(streaming, url, headers), listing(materialized, url, headers)]);
  expect(a).toEqual(b);
  return a;
}

const ADVANCED = { ConsistencyLevel: 'eventual' };

describe('streaming tenant agrees with its materialized twin', () => {
  it('managedDevices: the collector listing (beta, Windows filter, $select), v1.0, other filters', async () => {
    const pages = await bothList(`/beta${MANAGED_DEVICES_PATH}`);
    expect(pages.length).toBeGreaterThan(10);
    const first = pages[0] as { value: Record<string, unknown>[]; '@odata.count': number };
    expect(first.value).toHaveLength(70);
    expect(first.value[0]?.['@odata.type']).toBe('#microsoft.graph.managedDevice');
    expect(Object.keys(first.value[0] ?? {}).sort()).toContain('usersLoggedOn');
    // About 10% are not Windows, and the count says how many are.
    expect(first['@odata.count']).toBeGreaterThan(1000);
    expect(first['@odata.count']).toBeLessThan(1150);
    await bothList(
      '/v1.0/deviceManagement/managedDevices?$select=id,deviceName,joinType'.replace(',joinType', ''),
    );
    await bothList(
      `/beta/deviceManagement/managedDevices?$filter=${encodeURIComponent("complianceState eq 'noncompliant'")}&$top=25`,
    );
    // $skip past the first page: an empty page, in both.
    await bothList('/beta/deviceManagement/managedDevices?$skip=70');
  });

  it('Entra devices: list, filters, delta', async () => {
    await bothList('/v1.0/devices?$select=id,deviceId,displayName,accountEnabled&$top=999');
    await bothList(`/v1.0/devices?$filter=${encodeURIComponent("trustType eq 'ServerAd'")}`);
    await bothList('/v1.0/devices/delta?$select=id,deviceId');
  });

  it('transitive members of every group: device and user casts as the collector asks, and the mixed list', async () => {
    const t = streaming.tenant;
    const groups = t.meta.groups.map((g) => g.id);
    expect(groups.length).toBeGreaterThan(10);
    let devices = 0;
    for (const g of groups) {
      for (const cast of ['device', 'user'] as const) {
        const pages = await bothList(`/v1.0${membersPath(g, cast)}`, ADVANCED);
        devices += cast === 'device' ? ((pages[0] as { '@odata.count': number })['@odata.count'] ?? 0) : 0;
      }
      await bothList(`/v1.0/groups/${g}/transitiveMembers?$top=37`);
    }
    expect(devices).toBeGreaterThan(1000);
  });

  it('Remediations run states with the device inlined, policies and service principals', async () => {
    const script = streaming.tenant.healthScriptId;
    const pages = await bothList(
      `/beta/deviceManagement/deviceHealthScripts/${script}/deviceRunStates?$expand=managedDevice($select=id,azureADDeviceId)`,
    );
    expect(pages.length).toBeGreaterThan(3);
    await bothList('/beta/deviceManagement/configurationPolicies?$select=id,name,platforms');
    await bothList('/beta/deviceManagement/deviceConfigurations');
    await bothList('/v1.0/servicePrincipals?$select=id,appId,accountEnabled');
  });

  it('lookups by id: devices(deviceId=…), devices/{id}, managedDevices/{id}, users by id and UPN', async () => {
    const t = streaming.tenant;
    const md = t.renderManaged(777);
    const entra = t.entraDeviceByDeviceId(md.azureADDeviceId);
    expect(entra?.displayName).toBe(md.deviceName);
    const user = t.user(md.userId);
    expect(user?.userPrincipalName).toBe(md.userPrincipalName);
    for (const url of [
      `/v1.0/devices(deviceId='${md.azureADDeviceId}')`,
      `/v1.0/devices/${entra?.id}`,
      `/v1.0/devices?$filter=${encodeURIComponent(`deviceId eq '${md.azureADDeviceId}'`)}`,
      `/beta/deviceManagement/managedDevices/${md.id}`,
      `/v1.0/users/${md.userId}`,
      `/v1.0/users/${encodeURIComponent(md.userPrincipalName)}`,
      // An id of another kind, and a well-formed stranger: 404 in both.
      `/v1.0/devices/${md.id}`,
      '/v1.0/devices/0a0a0a0a-1111-4222-8333-444444444444',
    ]) {
      const [a, b] = await Promise.all([get(streaming, url), get(materialized, url)]);
      expect({ url, status: a.status }).toEqual({ url, status: b.status });
      const strip = (x: Fetched) =>
        JSON.parse(
          JSON.stringify(x.body).replace(/"(request-id|client-request-id|date)":"[^"]*"/g, '"$1":""'),
        );
      expect(normalise(streaming, strip(a))).toEqual(normalise(materialized, strip(b)));
    }
  });
});

describe('a 1,000,000-device streaming tenant', () => {
  it('serves a page deep in the listing at once, and the ids on it resolve', async () => {
    const tenant = new StreamingTenant({ devices: 1_000_000, seed: 'large' });
    const sim = await startGraphSimulator({ tenant, ca: await ensureDevCa(testCaDir()) });
    try {
      // v1.0 carries no @odata.count (which would render every device once to count them).
      const first = await get(
        sim,
        '/v1.0/deviceManagement/managedDevices?$select=id,azureADDeviceId,deviceName',
      );
      const body = first.body as { '@odata.nextLink': string; value: { id: string }[] };
      expect(body.value).toHaveLength(1000);
      // Jump near the end with a token for a late position (tokens are opaque to clients, not to us).
      const token = new URL(body['@odata.nextLink']).searchParams.get('$skiptoken') as string;
      const late = body['@odata.nextLink'].replace(
        token,
        Buffer.from(JSON.stringify({ o: 999_500, v: 1 })).toString('base64url'),
      );
      const last = (await get(sim, late)).body as {
        value: { id: string; azureADDeviceId: string; deviceName: string }[];
        '@odata.nextLink'?: string;
      };
      expect(last['@odata.nextLink']).toBeUndefined();
      expect(last.value).toHaveLength(500);
      const d = last.value.find((x) => x.azureADDeviceId !== '00000000-0000-0000-0000-000000000000');
      const entra = (await get(sim, `/v1.0/devices(deviceId='${d?.azureADDeviceId}')?$select=displayName`))
        .body as { displayName: string };
      expect(entra.displayName).toBe(d?.deviceName);
      expect(
        (await get(sim, `/beta/deviceManagement/managedDevices/${d?.id}?$select=deviceName`)).body,
      ).toMatchObject({ deviceName: d?.deviceName });
    } finally {
      await sim.stop();
    }
  });
});
