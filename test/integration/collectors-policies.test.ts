/**
 * The whole collection path against the HTTPS Graph simulator: Windows managed devices,
 * every kind of PIN recovery policy with assignments, group expansion, then effective
 * targeting per device — the chain the inventory timer runs.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type GraphSimulator, startGraphSimulator } from '../../dev/graph-sim/server.js';
import { type Tenant, TenantBuilder } from '../../dev/graph-sim/tenant.js';
import { ensureDevCa } from '../../dev/tls.js';
import { createGraphPort } from '../../shared/graph/client.js';
import {
  assignedGroupIds,
  collectGroupMembers,
  collectManagedDevices,
  collectPinRecoveryPolicies,
  type ManagedDeviceRecord,
  targetDeviceFor,
} from '../../shared/graph/collectors/index.js';
import { effectiveTargeting, type PinRecoveryPolicy } from '../../shared/targeting/index.js';
import { testCaDir } from '../support/env.js';

const OTHER_TENANT = '0f0f0f0f-1111-4222-8333-444444444444';

let sim: GraphSimulator;
let tenant: Tenant;

function port(s: GraphSimulator) {
  return createGraphPort(
    { baseUrl: s.baseUrl, accessToken: s.token, maxConcurrency: 4, maxRetries: 4 },
    { backoff: { baseDelayMs: 5, maxDelayMs: 50 } },
  );
}

beforeAll(async () => {
  tenant = new TenantBuilder({ seed: 'collectors-policies' })
    .user('alice')
    .user('bob')
    .user('carol')
    .device('pcA', { user: 'alice' })
    .device('pcB', { user: 'bob' })
    .device('pcC', { user: 'alice' })
    .device('pcD', { user: 'alice' })
    .device('pcE', { user: 'carol' })
    .device('pcF', { user: 'carol', loggedOn: ['bob'] })
    .device('pcG', { user: 'carol' })
    .device('phone', { user: 'alice', operatingSystem: 'iOS' })
    .group('pilot', ['pcA', 'pcB'])
    .group('excluded', ['pcB'])
    .group('bobs', ['bob'])
    .group('legacy', ['pcC'])
    .group('filtered', ['pcD'])
    .group('docgroup', ['pcF'])
    .group('noscope', ['pcG'])
    .settingsCatalogPolicy('WHfB pilot', {
      pinRecovery: { device: true },
      extraSettings: 2,
      assignments: [{ include: 'pilot' }, { exclude: 'excluded' }],
    })
    .settingsCatalogPolicy('AP users', {
      accountProtection: true,
      pinRecovery: { user: false },
      assignments: [{ include: 'bobs' }],
    })
    .settingsCatalogPolicy('Unrelated', { extraSettings: 3, assignments: [{ allDevices: true }] })
    .settingsCatalogPolicy('Filtered', {
      pinRecovery: { device: true },
      assignments: [{ include: 'filtered', filter: { id: 'flt-1', type: 'include' } }],
    })
    .customOmaPolicy('OMA other tenant', {
      settings: [{ form: 'device', enabled: false, tenantId: OTHER_TENANT }],
      assignments: [{ allDevices: true }],
    })
    .customOmaPolicy('OMA doc form', {
      settings: [{ form: 'doc', enabled: true }],
      assignments: [{ include: 'docgroup' }],
    })
    .identityProtectionPolicy('Legacy IP', { pinRecoveryEnabled: true, assignments: [{ include: 'legacy' }] })
    .intent('Legacy intent', { pinRecoveryEnabled: false, assignments: [{ include: 'legacy' }] })
    // Not configured in the template: Intune returns valueJson "null".
    .intent('Legacy intent unset', { pinRecoveryEnabled: null, assignments: [{ include: 'legacy' }] })
    .customOmaPolicy('OMA no scope', {
      settings: [{ form: 'noScope', enabled: true }],
      assignments: [{ include: 'noscope' }],
    })
    .build();
  sim = await startGraphSimulator({ tenant, ca: await ensureDevCa(testCaDir()) });
});

afterAll(async () => {
  await sim?.stop();
});

async function collectAll() {
  const graph = port(sim);
  const [devices, policies] = await Promise.all([
    collectManagedDevices(graph),
    collectPinRecoveryPolicies(graph, tenant.tenantId),
  ]);
  const membership = await collectGroupMembers(graph, assignedGroupIds(policies));
  return { graph, devices, policies, membership };
}

const byName = (ps: PinRecoveryPolicy[], name: string) => ps.filter((p) => p.name === name);

describe('collection', () => {
  it('collects Windows managed devices only, with users and Entra device ids', async () => {
    const { devices } = await collectAll();
    expect(devices.map((d) => d.deviceName).sort()).toEqual([
      'pcA',
      'pcB',
      'pcC',
      'pcD',
      'pcE',
      'pcF',
      'pcG',
    ]);
    const pcF = devices.find((d) => d.deviceName === 'pcF') as ManagedDeviceRecord;
    expect(pcF.azureADDeviceId).toBe(tenant.entraDevice('pcF')?.deviceId.toLowerCase());
    expect(pcF.userId).toBe(tenant.user('carol')?.id);
    expect(pcF.usersLoggedOn.map((u) => u.userId)).toContain(tenant.user('bob')?.id);
  });

  it('collects every PIN recovery policy kind with assignments and issues', async () => {
    const { policies } = await collectAll();
    expect(policies.map((p) => p.name).sort()).toEqual(
      [
        'AP users',
        'Filtered',
        'Legacy IP',
        'Legacy intent',
        'OMA doc form',
        'OMA no scope',
        'OMA other tenant',
        'WHfB pilot',
      ].sort(),
    );
    expect(byName(policies, 'WHfB pilot')).toMatchObject([
      {
        kind: 'settingsCatalog',
        scope: 'device',
        value: true,
        effective: true,
        assignments: [
          { target: 'group', groupId: tenant.group('pilot')?.id },
          { target: 'exclusionGroup', groupId: tenant.group('excluded')?.id },
        ],
      },
    ]);
    expect(byName(policies, 'AP users')).toMatchObject([
      { kind: 'endpointSecurity', scope: 'user', value: false },
    ]);
    expect(byName(policies, 'Filtered')[0]?.assignments).toEqual([
      { target: 'group', groupId: tenant.group('filtered')?.id, filterId: 'flt-1', filterType: 'include' },
    ]);
    expect(byName(policies, 'OMA other tenant')).toMatchObject([
      {
        kind: 'omaUri',
        effective: false,
        issues: expect.arrayContaining(['POLICY_BAD_OMA_URI', 'OMA_URI_OTHER_TENANT']),
      },
    ]);
    // The PIN reset page's own form and a URI without ./Device are non-canonical, not wrong.
    expect(byName(policies, 'OMA doc form')).toMatchObject([
      { kind: 'omaUri', value: true, effective: true, issues: ['OMA_URI_NONCANONICAL', 'OMA_URI_DOC_FORM'] },
    ]);
    expect(byName(policies, 'OMA no scope')).toMatchObject([
      {
        kind: 'omaUri',
        scope: 'device',
        value: true,
        effective: true,
        issues: ['OMA_URI_NONCANONICAL', 'OMA_URI_NO_SCOPE'],
      },
    ]);
    // A template that leaves the setting unset is no PIN recovery policy at all.
    expect(byName(policies, 'Legacy intent unset')).toEqual([]);
    expect(byName(policies, 'Legacy IP')).toMatchObject([{ kind: 'identityProtection', value: true }]);
    expect(byName(policies, 'Legacy intent')).toMatchObject([{ kind: 'intent', value: false }]);
  });

  it('decides each device as the targeting rules say', async () => {
    const { devices, policies, membership } = await collectAll();
    const id = (name: string) => policies.find((p) => p.name === name)?.id;
    const results = Object.fromEntries(
      devices.map((d) => {
        const t = effectiveTargeting(targetDeviceFor(d, membership), policies, membership);
        return [d.deviceName, { result: t.result, decidedBy: t.decidedBy.sort() }];
      }),
    );
    expect(results).toEqual({
      pcA: { result: 'enabled', decidedBy: [id('WHfB pilot')] },
      // Excluded from the pilot; bob's user-scope "false" decides.
      pcB: { result: 'disabled', decidedBy: [id('AP users')] },
      pcC: { result: 'conflict', decidedBy: [id('Legacy IP'), id('Legacy intent')].sort() },
      pcD: { result: 'dependsOnFilter', decidedBy: [id('Filtered')] },
      pcE: { result: 'notConfigured', decidedBy: [] },
      // bob is logged on to pcF: his user-scope false beats the device-scope doc-form true.
      pcF: { result: 'disabled', decidedBy: [id('AP users')] },
      // Device scope by default: the profile without ./Device decides.
      pcG: { result: 'enabled', decidedBy: [id('OMA no scope')] },
    });
  });

  it('keeps the request count small: lists, then $batch for settings and assignments', async () => {
    sim.resetStats();
    const { graph } = await collectAll();
    const s = sim.stats();
    // managedDevices 1, configurationPolicies 1, deviceConfigurations 1, intents 1, and $batch:
    // catalog settings 1, intent settings 1, assignments 1, group members 1.
    expect(s.total).toBe(8);
    expect(s.requestsByEndpoint['POST /beta/$batch']).toBe(3);
    expect(s.requestsByEndpoint['POST /v1.0/$batch']).toBe(1);
    expect(graph.stats().retries).toBe(0);
  });

  it('still collects the same policies under injected throttling', async () => {
    const clean = (await collectAll()).policies;
    sim.setFaults({
      rate: 0.3,
      kinds: ['429', '429-no-retry-after', '503'],
      retryAfterSeconds: 0.01,
      seed: 11,
    });
    try {
      const { policies, graph } = await collectAll();
      expect(policies).toEqual(clean);
      expect(graph.stats().retries).toBeGreaterThan(0);
    } finally {
      sim.setFaults({ rate: 0 });
    }
  });
});
