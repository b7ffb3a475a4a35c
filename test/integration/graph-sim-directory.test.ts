/**
 * The simulator's directory surface, driven with the real Graph SDK and plain fetch over
 * HTTPS (dev CA trusted through NODE_EXTRA_CA_CERTS from the global setup).
 */
import { Client, PageIterator } from '@microsoft/microsoft-graph-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type GraphSimulator, startGraphSimulator } from '../../dev/graph-sim/server.js';
import {
  PIN_RESET_CLIENT_APP_ID,
  PIN_RESET_SERVICE_APP_ID,
  type Tenant,
  TenantBuilder,
} from '../../dev/graph-sim/tenant.js';
import { ensureDevCa } from '../../dev/tls.js';
import { testCaDir } from '../support/env.js';

let sim: GraphSimulator;
let tenant: Tenant;
let client: Client;

function sdk(s: GraphSimulator): Client {
  return Client.initWithMiddleware({
    authProvider: { getAccessToken: async () => s.token },
    baseUrl: s.baseUrl,
    customHosts: new Set(['localhost']),
  });
}

async function get(path: string, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${sim.baseUrl}${path}`, { headers: { Authorization: `Bearer ${sim.token}`, ...headers } });
}

beforeAll(async () => {
  const b = new TenantBuilder({ seed: 'directory-test' })
    .user('alice')
    .user('bob')
    .pinResetApps('client-disabled');
  for (let i = 0; i < 23; i++) b.device(`pc${i}`, { user: i % 2 ? 'alice' : 'bob' });
  b.device('phone', { operatingSystem: 'iOS', user: 'alice' });
  b.group('inner', ['pc1', 'pc2', 'bob'])
    .group('middle', ['inner', 'pc3'])
    .group('outer', ['middle', 'pc4', 'alice', 'inner']);
  tenant = b.build();
  sim = await startGraphSimulator({
    tenant,
    ca: await ensureDevCa(testCaDir()),
    pageSizes: { directory: 5 },
  });
  client = sdk(sim);
});

afterAll(async () => {
  await sim?.stop();
});

describe('authentication and wire basics', () => {
  it('rejects a missing or wrong bearer token with 401 InvalidAuthenticationToken and request ids', async () => {
    const none = await fetch(`${sim.baseUrl}/v1.0/devices`, { headers: { 'client-request-id': 'abc-123' } });
    expect(none.status).toBe(401);
    expect(none.headers.get('client-request-id')).toBe('abc-123');
    expect(none.headers.get('request-id')).toMatch(/^[0-9a-f-]{36}$/);
    const body = (await none.json()) as { error: { code: string; innerError: Record<string, string> } };
    expect(body.error.code).toBe('InvalidAuthenticationToken');
    expect(body.error.innerError['request-id']).toBe(none.headers.get('request-id'));
    expect(body.error.innerError['client-request-id']).toBe('abc-123');
    const wrong = await fetch(`${sim.baseUrl}/v1.0/devices`, { headers: { Authorization: 'Bearer nope' } });
    expect(wrong.status).toBe(401);
  });

  it('the SDK sends the token to https://localhost (customHosts) and surfaces Graph errors', async () => {
    const err = await client
      .api("/devices(deviceId='00000000-0000-0000-0000-00000000dead')")
      .get()
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ statusCode: 404, code: 'Request_ResourceNotFound' });
    expect((err as { requestId: string }).requestId).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('/devices', () => {
  it('pages to the end across absolute nextLinks that keep $select, with the SDK PageIterator', async () => {
    const first = await client.api('/devices').select(['id', 'deviceId', 'displayName']).get();
    expect(first['@odata.context']).toBe(`${sim.baseUrl}/v1.0/$metadata#devices(id,deviceId,displayName)`);
    expect(first['@odata.nextLink']).toMatch(new RegExp(`^${sim.baseUrl}/v1.0/devices\\?`));
    expect(decodeURIComponent(first['@odata.nextLink'])).toContain('$select=id,deviceId,displayName');
    const seen: Record<string, unknown>[] = [];
    await new PageIterator(client, first, (d) => {
      seen.push(d as Record<string, unknown>);
      return true;
    }).iterate();
    expect(seen).toHaveLength(tenant.devices.length);
    expect(new Set(seen.map((d) => d.id))).toEqual(new Set(tenant.devices.map((d) => d.id)));
    expect(Object.keys(seen[0] ?? {}).sort()).toEqual(['deviceId', 'displayName', 'id']);
    expect(sim.stats().requestsByEndpoint['GET /v1.0/devices']).toBeGreaterThanOrEqual(
      Math.ceil(tenant.devices.length / 5),
    );
  });

  it('has no nextLink on the last page', async () => {
    const res = await get('/v1.0/devices?$top=999');
    const body = (await res.json()) as Record<string, unknown>;
    expect(body['@odata.nextLink']).toBeUndefined();
    expect((body.value as unknown[]).length).toBe(tenant.devices.length);
  });

  it("$filter=deviceId eq '…' returns 0 or 1 item; id ≠ deviceId", async () => {
    const d = tenant.entraDevice('pc7');
    if (!d) throw new Error('pc7 missing');
    expect(d.id).not.toBe(d.deviceId);
    const one = await client
      .api('/devices')
      .filter(`deviceId eq '${d.deviceId.toUpperCase()}'`)
      .select('id,deviceId,accountEnabled,alternativeSecurityIds')
      .get();
    expect(one.value).toEqual([
      { id: d.id, deviceId: d.deviceId, accountEnabled: true, alternativeSecurityIds: [] },
    ]);
    const none = await client.api('/devices').filter(`deviceId eq '${d.id}'`).get();
    expect(none.value).toEqual([]);
  });

  it('addresses a device by object id and by the deviceId alternate key, not by the wrong one', async () => {
    const d = tenant.entraDevice('pc3');
    if (!d) throw new Error('pc3 missing');
    expect((await client.api(`/devices/${d.id}`).get()).deviceId).toBe(d.deviceId);
    expect((await client.api(`/devices(deviceId='${d.deviceId}')`).get()).id).toBe(d.id);
    expect((await get(`/v1.0/devices/${d.deviceId}`)).status).toBe(404);
  });

  it('rejects $skip with 400 Request_BadRequest and $top above 999', async () => {
    const skip = await get('/v1.0/devices?$skip=5');
    expect(skip.status).toBe(400);
    expect(((await skip.json()) as { error: { code: string; message: string } }).error).toMatchObject({
      code: 'Request_BadRequest',
      message: "'$skip' is not supported by the service.",
    });
    expect((await get('/v1.0/devices?$top=1000')).status).toBe(400);
  });

  it('reflects setAccountEnabled at once', async () => {
    const d = tenant.entraDevice('pc9');
    if (!d) throw new Error('pc9 missing');
    tenant.setAccountEnabled(d.deviceId, false);
    const body = await client.api(`/devices(deviceId='${d.deviceId}')`).select('accountEnabled').get();
    expect(body.accountEnabled).toBe(false);
  });
});

describe('/devices/delta', () => {
  it('pages with nextLinks, ends with a deltaLink, and the next round reports no changes', async () => {
    const first = await client.api('/devices/delta').select('id,deviceId').get();
    const seen: unknown[] = [];
    let page = first;
    for (;;) {
      seen.push(...page.value);
      if (!page['@odata.nextLink']) break;
      expect(page['@odata.deltaLink']).toBeUndefined();
      page = await client.api(page['@odata.nextLink']).get();
    }
    expect(seen).toHaveLength(tenant.devices.length);
    const deltaLink = decodeURIComponent(page['@odata.deltaLink']);
    expect(deltaLink.startsWith(`${sim.baseUrl}/v1.0/devices/delta?`)).toBe(true);
    expect(deltaLink).toContain('$select=id,deviceId');
    expect(deltaLink).toContain('$deltatoken=');
    const next = await client.api(page['@odata.deltaLink']).get();
    expect(next.value).toEqual([]);
    expect(next['@odata.deltaLink']).toBeDefined();
  });
});

describe('groups, service principals, organization', () => {
  it('flattens nested groups once each; cast segments keep only that type, without @odata.type', async () => {
    const g = tenant.group('outer');
    if (!g) throw new Error('outer missing');
    const all = await client.api(`/groups/${g.id}/transitiveMembers`).top(999).get();
    const types = (all.value as Record<string, string>[]).map((m) => m['@odata.type']).sort();
    expect(types).toEqual([
      '#microsoft.graph.device',
      '#microsoft.graph.device',
      '#microsoft.graph.device',
      '#microsoft.graph.device',
      '#microsoft.graph.group',
      '#microsoft.graph.group',
      '#microsoft.graph.user',
      '#microsoft.graph.user',
    ]);
    const devices = await client
      .api(`/groups/${g.id}/transitiveMembers/microsoft.graph.device`)
      .header('ConsistencyLevel', 'eventual')
      .count(true)
      .select('id,deviceId')
      .top(3)
      .get();
    expect(devices['@odata.count']).toBe(4);
    expect(devices['@odata.nextLink']).toBeDefined();
    for (const m of devices.value as Record<string, unknown>[]) {
      expect(m['@odata.type']).toBeUndefined();
      expect(tenant.objectKind(m.id as string)).toBe('device');
    }
    const users = await client.api(`/groups/${g.id}/transitiveMembers/microsoft.graph.user`).get();
    expect((users.value as { userPrincipalName: string }[]).map((u) => u.userPrincipalName).sort()).toEqual([
      `alice@${tenant.domain}`,
      `bob@${tenant.domain}`,
    ]);
    expect(sim.requestLog().some((e) => e.headers.consistencyLevel === 'eventual')).toBe(true);
  });

  it('finds PIN reset apps by appId filter and alternate key (404 when missing)', async () => {
    const client2 = await client
      .api('/servicePrincipals')
      .filter(`appId eq '${PIN_RESET_CLIENT_APP_ID}'`)
      .select('id,appId,accountEnabled')
      .get();
    expect(client2.value).toHaveLength(1);
    expect(client2.value[0].accountEnabled).toBe(false);
    const service = await client.api(`/servicePrincipals(appId='${PIN_RESET_SERVICE_APP_ID}')`).get();
    expect(service.accountEnabled).toBe(true);
    tenant.setPinResetApps('service-missing');
    expect((await get(`/v1.0/servicePrincipals(appId='${PIN_RESET_SERVICE_APP_ID}')`)).status).toBe(404);
    const empty = await client
      .api('/servicePrincipals')
      .filter(`appId eq '${PIN_RESET_SERVICE_APP_ID}'`)
      .get();
    expect(empty.value).toEqual([]);
  });

  it('returns the tenant id from /organization', async () => {
    const org = await client.api('/organization').select('id').get();
    expect(org.value).toEqual([{ id: tenant.tenantId }]);
  });
});

describe('permissions', () => {
  it('without Device.Read.All, group device members are limited information and /devices is 403', async () => {
    sim.setPermissions(['GroupMember.Read.All', 'User.Read.All']);
    try {
      const g = tenant.group('inner');
      const members = await client.api(`/groups/${g?.id}/transitiveMembers`).get();
      const device = (members.value as Record<string, unknown>[]).find(
        (m) => m['@odata.type'] === '#microsoft.graph.device',
      );
      expect(device).toEqual({ '@odata.type': '#microsoft.graph.device', id: tenant.idOf('pc1') });
      const user = (members.value as Record<string, unknown>[]).find(
        (m) => m['@odata.type'] === '#microsoft.graph.user',
      );
      expect(user?.userPrincipalName).toBe(`bob@${tenant.domain}`);
      const denied = await get('/v1.0/devices');
      expect(denied.status).toBe(403);
      expect(((await denied.json()) as { error: { code: string } }).error.code).toBe(
        'Authorization_RequestDenied',
      );
      const intune = await get('/beta/deviceManagement/configurationPolicies');
      expect(intune.status).toBe(403);
      const message = ((await intune.json()) as { error: { message: string } }).error.message;
      expect(JSON.parse(message).Message).toContain('DeviceManagementConfiguration.Read.All');
    } finally {
      sim.setPermissions(undefined);
    }
    expect((await get('/v1.0/devices?$top=1')).status).toBe(200);
  });
});

describe('sendMail', () => {
  it('accepts with 202 and records recipients, subject and decoded attachments', async () => {
    await client.api(`/users/alice@${tenant.domain}/sendMail`).post({
      message: {
        subject: 'Weekly PIN reset posture',
        body: { contentType: 'HTML', content: '<p>hi</p>' },
        toRecipients: [{ emailAddress: { address: 'secops@contoso.com' } }],
        attachments: [
          {
            '@odata.type': '#microsoft.graph.fileAttachment',
            name: 'posture.csv',
            contentType: 'text/csv',
            contentBytes: Buffer.from('device,canReset\npc1,NonDestructiveOnly\n').toString('base64'),
          },
        ],
      },
      saveToSentItems: false,
    });
    const mail = sim.sentMail.at(-1);
    expect(mail).toMatchObject({
      subject: 'Weekly PIN reset posture',
      toRecipients: ['secops@contoso.com'],
      saveToSentItems: false,
    });
    expect(mail?.attachments[0]?.content.toString()).toContain('pc1,NonDestructiveOnly');
    const res = await fetch(`${sim.baseUrl}/v1.0/users/nobody@x.com/sendMail`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${sim.token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ message: { toRecipients: [{ emailAddress: { address: 'a@b.c' } }] } }),
    });
    expect(res.status).toBe(404);
  });
});
