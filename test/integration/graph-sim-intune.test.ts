/**
 * The simulator's Intune surface and the generated tenant, driven with the real Graph SDK
 * (PageIterator over absolute nextLinks) and plain fetch.
 */
import { Client, PageIterator } from '@microsoft/microsoft-graph-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GENERATED, generateTenant } from '../../dev/graph-sim/generate.js';
import { type GraphSimulator, startGraphSimulator } from '../../dev/graph-sim/server.js';
import { type Tenant, TenantBuilder } from '../../dev/graph-sim/tenant.js';
import { ensureDevCa } from '../../dev/tls.js';
import { testCaDir } from '../support/env.js';

let sim: GraphSimulator;
let tenant: Tenant;
let client: Client;

type Item = Record<string, unknown>;

async function all(first: { value: Item[] }): Promise<Item[]> {
  const out: Item[] = [];
  await new PageIterator(client, first, (x) => {
    out.push(x as Item);
    return true;
  }).iterate();
  return out;
}

async function get(path: string): Promise<{ status: number; body: Item }> {
  const res = await fetch(`${sim.baseUrl}${path}`, { headers: { Authorization: `Bearer ${sim.token}` } });
  return { status: res.status, body: (await res.json()) as Item };
}

beforeAll(async () => {
  tenant = generateTenant({ devices: 180, seed: 'intune-test', fillerPolicies: 30 });
  sim = await startGraphSimulator({
    tenant,
    ca: await ensureDevCa(testCaDir()),
    pageSizes: { managedDevices: 50, managedDevicesMaxTop: 50, deviceConfigurations: 4, deviceRunStates: 20 },
  });
  client = Client.initWithMiddleware({
    authProvider: { getAccessToken: async () => sim.token },
    baseUrl: sim.baseUrl,
    customHosts: new Set(['localhost']),
  });
});

afterAll(async () => {
  await sim?.stop();
});

describe('managedDevices', () => {
  it('pages every device on v1.0 (no joinType) and beta (joinType, usersLoggedOn, @odata.count)', async () => {
    const v1 = await all(await client.api('/deviceManagement/managedDevices').get());
    expect(v1).toHaveLength(tenant.managedDevices.length);
    expect(v1[0]?.['@odata.type']).toBe('#microsoft.graph.managedDevice');
    expect(v1.some((d) => 'joinType' in d || 'usersLoggedOn' in d)).toBe(false);
    const firstBeta = await client
      .api('/deviceManagement/managedDevices')
      .version('beta')
      .select('id,azureADDeviceId,joinType,usersLoggedOn')
      .get();
    expect(firstBeta['@odata.count']).toBe(tenant.managedDevices.length);
    expect(firstBeta['@odata.nextLink']).toContain('/beta/deviceManagement/managedDevices?');
    const beta = await all(firstBeta);
    expect(new Set(beta.map((d) => d.id))).toEqual(new Set(tenant.managedDevices.map((d) => d.id)));
    expect(Object.keys(beta[0] ?? {}).sort()).toEqual([
      '@odata.type',
      'azureADDeviceId',
      'id',
      'joinType',
      'usersLoggedOn',
    ]);
    expect(sim.stats().requestsByEndpoint['GET /beta/deviceManagement/managedDevices']).toBe(
      Math.ceil(tenant.managedDevices.length / 50),
    );
  });

  it('rejects beta-only properties in $select on v1.0', async () => {
    const r = await get('/v1.0/deviceManagement/managedDevices?$select=id,joinType');
    expect(r.status).toBe(400);
    expect((r.body.error as Item).code).toBe('BadRequest');
  });

  it('joins to Entra on azureADDeviceId = device.deviceId', async () => {
    const md = tenant.managedDevices.find(
      (d) => d.azureADDeviceId !== '00000000-0000-0000-0000-000000000000',
    );
    if (!md) throw new Error('no registered device');
    const r = await client
      .api('/deviceManagement/managedDevices')
      .filter(`azureADDeviceId eq '${md.azureADDeviceId}'`)
      .get();
    expect(r.value.map((d: Item) => d.id)).toEqual([md.id]);
    const entra = await client.api('/devices').filter(`deviceId eq '${md.azureADDeviceId}'`).get();
    expect(entra.value[0].displayName).toBe(md.deviceName);
  });

  it('silently ignores unsupported filters and honours supported ones', async () => {
    const ignored = await all(
      await client.api('/deviceManagement/managedDevices').filter("deviceEnrollmentType eq 'nothing'").get(),
    );
    expect(ignored).toHaveLength(tenant.managedDevices.length);
    const windows = await all(
      await client
        .api('/deviceManagement/managedDevices')
        .filter("operatingSystem eq 'Windows' and userId eq 'nobody'")
        .get(),
    );
    const expected = tenant.managedDevices.filter((d) => d.operatingSystem === 'Windows').length;
    expect(windows).toHaveLength(expected);
    expect(expected).toBeLessThan(tenant.managedDevices.length);
  });

  it('gives an empty page for $skip past the first page', async () => {
    const r = await get('/v1.0/deviceManagement/managedDevices?$skip=50');
    expect(r.status).toBe(200);
    expect(r.body.value).toEqual([]);
  });
});

describe('configurationPolicies (settings catalog)', () => {
  it('does not exist on v1.0', async () => {
    const r = await get('/v1.0/deviceManagement/configurationPolicies');
    expect(r.status).toBe(400);
    expect((r.body.error as Item).message).toBe(
      "Resource not found for the segment 'configurationPolicies'.",
    );
  });

  it('pages by 25 with @odata.count, tips and a double-encoded skiptoken the SDK follows', async () => {
    const first = await client
      .api('/deviceManagement/configurationPolicies')
      .version('beta')
      .expand('settings,assignments')
      .get();
    expect(first.value).toHaveLength(25);
    expect(first['@odata.count']).toBe(tenant.configurationPolicies.length);
    expect(first['@microsoft.graph.tips']).toContain('$select');
    expect(first['@odata.nextLink']).toMatch(/\$skiptoken=%255Bcosmosdb%255D/);
    expect(first['@odata.nextLink']).toMatch(/\$expand=settings(%2C|,)assignments/);
    const policies = await all(first);
    expect(policies).toHaveLength(tenant.configurationPolicies.length);
    expect(
      policies.every((p) => p['@odata.type'] === '#microsoft.graph.deviceManagementConfigurationPolicy'),
    ).toBe(true);

    const ap = policies.find(
      (p) => (p.templateReference as Item).templateId === 'fcef01f2-439d-4c3f-9184-823fd6e97646_1',
    );
    expect((ap as Item).templateReference).toMatchObject({
      templateFamily: 'endpointSecurityAccountProtection',
    });
    expect(((ap as Item).templateReference as Item).templateFamily).toBe('endpointSecurityAccountProtection');
    const text = JSON.stringify(ap?.settings);
    expect(text).toContain(
      '"settingDefinitionId":"device_vendor_msft_passportforwork_{tenantid}_policies_enablepinrecovery"',
    );
    expect(text).toContain(
      '"value":"user_vendor_msft_passportforwork_{tenantid}_policies_enablepinrecovery_true"',
    );
    expect(text).toContain(
      '"@odata.type":"#microsoft.graph.deviceManagementConfigurationGroupSettingCollectionInstance"',
    );

    const targets = new Set(
      policies.flatMap((p) => (p.assignments as { target: Item }[]).map((a) => a.target['@odata.type'])),
    );
    expect(targets).toEqual(
      new Set([
        '#microsoft.graph.groupAssignmentTarget',
        '#microsoft.graph.exclusionGroupAssignmentTarget',
        '#microsoft.graph.allDevicesAssignmentTarget',
        '#microsoft.graph.allLicensedUsersAssignmentTarget',
      ]),
    );
    const filtered = policies.flatMap((p) => (p.assignments as { target: Item }[]).map((a) => a.target));
    expect(
      filtered.some(
        (t) =>
          t.deviceAndAppManagementAssignmentFilterType === 'include' &&
          typeof t.deviceAndAppManagementAssignmentFilterId === 'string',
      ),
    ).toBe(true);
  });

  it('serves /settings and /assignments per policy, paged by 25', async () => {
    const big = tenant.configurationPolicies.find((p) => p.settings.length > 25);
    if (!big) throw new Error('expected a policy with more than 25 settings');
    const first = await client
      .api(`/deviceManagement/configurationPolicies/${big.id}/settings`)
      .version('beta')
      .get();
    expect(first['@odata.count']).toBe(big.settings.length);
    const settings = await all(first);
    expect(settings.map((s) => s.id)).toEqual(big.settings.map((s) => s.id));
    const pin = tenant.configurationPolicies.find((p) => p.name === 'WHfB - Enable PIN recovery (devices)');
    const assignments = await client
      .api(`/deviceManagement/configurationPolicies('${pin?.id}')/assignments`)
      .version('beta')
      .get();
    expect(assignments.value.map((a: { target: Item }) => a.target['@odata.type']).sort()).toEqual([
      '#microsoft.graph.exclusionGroupAssignmentTarget',
      '#microsoft.graph.groupAssignmentTarget',
    ]);
  });
});

describe('deviceConfigurations, intents', () => {
  it('lists OMA-URI profiles in every form; identity protection and filter properties only in beta', async () => {
    const v1 = await all(
      await client.api('/deviceManagement/deviceConfigurations').expand('assignments').get(),
    );
    const beta = await all(
      await client.api('/deviceManagement/deviceConfigurations').version('beta').expand('assignments').get(),
    );
    expect(beta).toHaveLength(tenant.deviceConfigurations.length);
    expect(
      v1.some((c) => c['@odata.type'] === '#microsoft.graph.windowsIdentityProtectionConfiguration'),
    ).toBe(false);
    expect(
      beta
        .filter((c) => c['@odata.type'] === '#microsoft.graph.windowsIdentityProtectionConfiguration')
        .map((c) => c.pinRecoveryEnabled)
        .sort(),
    ).toEqual([false, true]);
    const uris = v1.flatMap((c) =>
      ((c.omaSettings as Item[] | undefined) ?? []).map((s) => `${s['@odata.type']} ${s.omaUri}`),
    );
    const t = tenant.tenantId;
    expect(uris).toContain(
      `#microsoft.graph.omaSettingBoolean ./Device/Vendor/MSFT/PassportForWork/${t}/Policies/EnablePinRecovery`,
    );
    expect(uris).toContain(
      `#microsoft.graph.omaSettingInteger ./User/Vendor/MSFT/PassportForWork/${t}/Policies/EnablePinRecovery`,
    );
    expect(uris).toContain(
      `#microsoft.graph.omaSettingString ./Vendor/MSFT/Policy/PassportForWork/${t}/Policies/EnablePinRecovery`,
    );
    expect(uris.some((u) => /PassportForWork\/[0-9a-f-]{36}\//.test(u) && !u.includes(t))).toBe(true);
    const v1Targets = v1.flatMap((c) => (c.assignments as { target: Item }[]).map((a) => a.target));
    expect(v1Targets.length).toBeGreaterThan(0);
    expect(v1Targets.some((x) => 'deviceAndAppManagementAssignmentFilterType' in x)).toBe(false);
    const betaTargets = beta.flatMap((c) => (c.assignments as { target: Item }[]).map((a) => a.target));
    expect(betaTargets.every((x) => 'deviceAndAppManagementAssignmentFilterType' in x)).toBe(true);
  });

  it('intents are beta only and carry the pinRecoveryEnabled setting as valueJson', async () => {
    expect((await get('/v1.0/deviceManagement/intents')).status).toBe(400);
    const intents = await client.api('/deviceManagement/intents').version('beta').get();
    expect(intents.value).toHaveLength(tenant.intents.length);
    const values = [];
    for (const i of intents.value as Item[]) {
      const s = await client.api(`/deviceManagement/intents/${i.id}/settings`).version('beta').get();
      const pin = (s.value as Item[]).find(
        (x) =>
          x.definitionId === 'deviceConfiguration--windowsIdentityProtectionConfiguration_pinRecoveryEnabled',
      );
      values.push(pin?.valueJson);
      const a = await client.api(`/deviceManagement/intents/${i.id}/assignments`).version('beta').get();
      expect(a.value.length).toBeGreaterThan(0);
    }
    expect(values.sort()).toEqual(['false', 'true']);
  });
});

describe('deviceHealthScripts run states', () => {
  it('inlines managedDevice with its $select and cuts output to 2048 characters', async () => {
    const script = tenant.deviceHealthScripts.find((s) => s.displayName === GENERATED.healthScript);
    if (!script) throw new Error('no script');
    const long = script.deviceRunStates[3];
    if (!long) throw new Error('no run states');
    long.preRemediationDetectionScriptOutput = `${'y'.repeat(3000)}{"v":1}`;
    const states = await all(
      await client
        .api(`/deviceManagement/deviceHealthScripts/${script.id}/deviceRunStates`)
        .version('beta')
        .expand('managedDevice($select=id,deviceName,azureADDeviceId,userPrincipalName)')
        .get(),
    );
    expect(states).toHaveLength(script.deviceRunStates.length);
    const s = states[3] as Item;
    expect((s.preRemediationDetectionScriptOutput as string).length).toBe(2048);
    expect(Object.keys(s.managedDevice as Item).sort()).toEqual([
      '@odata.type',
      'azureADDeviceId',
      'deviceName',
      'id',
      'userPrincipalName',
    ]);
    expect((s.managedDevice as Item).id).toBe(long.managedDeviceId);
    expect(
      (await get(`/v1.0/deviceManagement/deviceHealthScripts/${script.id}/deviceRunStates`)).status,
    ).toBe(400);
  });
});

describe('generateTenant', () => {
  it('is deterministic for a seed and differs across seeds', () => {
    const a = JSON.stringify(generateTenant({ devices: 300, seed: 42 }));
    const b = JSON.stringify(generateTenant({ devices: 300, seed: 42 }));
    const c = JSON.stringify(generateTenant({ devices: 300, seed: 43 }));
    expect(a).toBe(b);
    expect(a).not.toBe(c);
  });

  it('builds 100,000 devices with the realistic mix', () => {
    const t = generateTenant({ devices: 100_000, seed: 'big', pinResetApps: 'service-disabled' });
    expect(t.managedDevices).toHaveLength(100_000);
    const windows = t.managedDevices.filter((d) => d.operatingSystem === 'Windows').length;
    expect(windows).toBeGreaterThan(85_000);
    expect(windows).toBeLessThan(95_000);
    expect(new Set(t.devices.map((d) => d.trustType))).toEqual(new Set(['AzureAd', 'ServerAd', 'Workplace']));
    // Nested: a region group reaches devices only through its department groups.
    const region = t.groups.find((g) => g.displayName === 'Devices - Region 0');
    expect(region?.members.every((m) => t.objectKind(m) === 'group')).toBe(true);
    expect(
      t.transitiveMembers(region?.id ?? '').filter((m) => t.objectKind(m) === 'device').length,
    ).toBeGreaterThan(1000);
    expect(t.servicePrincipalByAppId('b8456c59-1230-44c7-a4a2-99b085333e84')?.accountEnabled).toBe(false);
  });

  it('the builder wires names to ids and mirrors join types into Entra trustType', () => {
    const t = new TenantBuilder({ seed: 's' })
      .user('u')
      .device('hybrid', { user: 'u', joinType: 'hybridAzureADJoined' })
      .device('intune-only', { entra: false })
      .group('g', ['hybrid', 'u'])
      .build();
    expect(t.entraDevice('hybrid')?.trustType).toBe('ServerAd');
    expect(t.managedDevice('intune-only')?.azureADDeviceId).toBe('00000000-0000-0000-0000-000000000000');
    expect(t.transitiveMembers('g')).toEqual([t.idOf('hybrid'), t.idOf('u')]);
    const md = t.managedDevices.find((m) => m.deviceName === 'hybrid');
    expect(md?.azureADDeviceId).toBe(t.entraDevice('hybrid')?.deviceId);
    expect(md?.joinType).toBe('hybridAzureADJoined');
  });
});
