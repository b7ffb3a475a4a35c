/**
 * What a collection run stores, scenario by scenario: each tenant is built with TenantBuilder,
 * served by the HTTPS Graph simulator, collected by runCollection into Azurite, and read
 * back through CollectionStore — the stored targeting is what posture and reports rely on.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { type GraphSimulator, startGraphSimulator } from '../../dev/graph-sim/server.js';
import { type Tenant, TenantBuilder } from '../../dev/graph-sim/tenant.js';
import { ensureDevCa } from '../../dev/tls.js';
import { CollectionStore, type RunSummary, runCollection } from '../../shared/collection/index.js';
import { createGraphPort } from '../../shared/graph/client.js';
import { emptyDeviceEvidence, emptyUserEvidence } from '../../shared/posture/evidence.js';
import type { AcceptedReport } from '../../shared/reports/model.js';
import { TableReportStore } from '../../shared/storage/report-store.js';
import { createTableProvider } from '../../shared/storage/tables.js';
import { entraSidOf } from '../../shared/targeting/users.js';
import { testCaDir, testConfig } from '../support/env.js';

const OTHER_TENANT = '0f0f0f0f-1111-4222-8333-444444444444';

let sim: GraphSimulator | undefined;
afterEach(async () => {
  await sim?.stop();
  sim = undefined;
});

async function collect(
  builder: TenantBuilder,
): Promise<{ tenant: Tenant; summary: RunSummary; store: CollectionStore }> {
  const tenant = builder.build();
  sim = await startGraphSimulator({ tenant, ca: await ensureDevCa(testCaDir()) });
  const config = testConfig({ GRAPH_BASE_URL: sim.baseUrl, GRAPH_ACCESS_TOKEN: sim.token });
  const tables = createTableProvider(config.storage);
  const graph = createGraphPort(config.graph, { backoff: { baseDelayMs: 5, maxDelayMs: 50 } });
  const summary = await runCollection({ config, tables, graph });
  expect(summary.errors).toEqual([]);
  expect(summary.status).toBe('succeeded');
  return { tenant, summary, store: new CollectionStore(tables) };
}

/** Stored targeting of the device with this builder name. */
async function targetingOf(tenant: Tenant, store: CollectionStore, name: string) {
  const t = await store.getTargeting(managed(tenant, name).id);
  if (!t) throw new Error(`no stored targeting for ${name}`);
  return t;
}

/** Builder names point at the Entra object when there is one; Intune's record is found by name. */
function managed(tenant: Tenant, name: string) {
  const md = tenant.managedDevices.find((d) => d.deviceName === name);
  if (!md) throw new Error(`no managed device ${name}`);
  return md;
}

const policyId = (tenant: Tenant, name: string) => tenant.idOf(name).toLowerCase();

let reportSeq = 0;
/** A stored report naming its users only as a report does: SID and UPN, never an object id. */
function acceptedReport(
  deviceId: string,
  users: { sid: string | null; upn: string | null }[],
): AcceptedReport {
  reportSeq++;
  const at = new Date().toISOString();
  return {
    reportId: `r-${reportSeq}`,
    deviceId,
    receivedAt: at,
    collectedAt: at,
    source: 'agent',
    trust: 'verified',
    agentVersion: 'test',
    agentMode: null,
    intuneDeviceId: null,
    device: {
      joinType: 'entraJoined',
      deviceId,
      tenantId: null,
      tenantName: null,
      deviceName: null,
      osVersion: null,
      warnings: [],
      evidence: emptyDeviceEvidence(),
    },
    users: users.map((u, i) => ({
      userKey: (u.sid ?? u.upn ?? `u${i}`).toLowerCase(),
      upn: u.upn,
      sid: u.sid,
      canReset: 'DestructiveOnly',
      canResetRaw: 'DestructiveOnly',
      ngcSet: true,
      ngcKeyId: 'fa0db076-a5d7-4844-82d8-50a2fb42ec7b',
      notUserContext: false,
      warnings: [],
      evidence: emptyUserEvidence({ model: 'notHybrid' }),
    })),
    rawBody: '{}',
  };
}

describe('stored targeting per scenario', () => {
  it('device-group include enables the member device only', async () => {
    const { tenant, store } = await collect(
      new TenantBuilder({ seed: 'c-devgroup' })
        .user('u')
        .device('member', { user: 'u' })
        .device('outsider', { user: 'u' })
        .group('pilot', ['member'])
        .settingsCatalogPolicy('P', { pinRecovery: { device: true }, assignments: [{ include: 'pilot' }] }),
    );
    const member = await targetingOf(tenant, store, 'member');
    expect(member).toMatchObject({ result: 'enabled', decidedBy: [policyId(tenant, 'P')] });
    expect(member.reaching).toEqual([{ policyId: policyId(tenant, 'P'), via: 'device', value: true }]);
    // The Entra object id came from the group members' deviceId map (graph.md §3).
    expect(member.entraObjectId).toBe(tenant.entraDevice('member')?.id.toLowerCase());
    expect(member.azureADDeviceId).toBe(tenant.entraDevice('member')?.deviceId.toLowerCase());
    expect((await targetingOf(tenant, store, 'outsider')).result).toBe('notConfigured');
  });

  it('user-group include reaches the devices the user is primary on or logged on to', async () => {
    const { tenant, store } = await collect(
      new TenantBuilder({ seed: 'c-usergroup' })
        .user('ann')
        .user('bob')
        .device('anns', { user: 'ann' })
        .device('bobs', { user: 'bob' })
        .device('shared', { user: 'bob', loggedOn: ['ann'] })
        .group('users', ['ann'])
        .settingsCatalogPolicy('P', { pinRecovery: { device: true }, assignments: [{ include: 'users' }] }),
    );
    const anns = await targetingOf(tenant, store, 'anns');
    expect(anns.result).toBe('enabled');
    expect(anns.reaching).toEqual([{ policyId: policyId(tenant, 'P'), via: 'user', value: true }]);
    expect(anns.userIds).toEqual([tenant.user('ann')?.id]);
    expect((await targetingOf(tenant, store, 'shared')).result).toBe('enabled');
    expect((await targetingOf(tenant, store, 'bobs')).result).toBe('notConfigured');
  });

  it('user-group include also reaches a device through users who only report from it (no call per device)', async () => {
    const builder = new TenantBuilder({ seed: 'c-reporters' })
      .user('owner')
      .user('ann')
      .user('carl', { onPremisesSid: 'S-1-5-21-1004336348-1177238915-682003330-1105' })
      .user('dora')
      // Intune's list returns usersLoggedOn empty: only the primary user is known to Intune.
      .device('annUses', { user: 'owner' })
      .device('carlUses', { user: 'owner' })
      .device('doraUses', { user: 'owner' })
      .device('nobodyElse', { user: 'owner' })
      .group('users', ['ann', 'carl', 'dora'])
      .settingsCatalogPolicy('P', { pinRecovery: { device: true }, assignments: [{ include: 'users' }] });
    const tenant = builder.build();
    const config = testConfig({});
    const tables = createTableProvider(config.storage);
    const reports = new TableReportStore(tables);
    const reportFrom = async (device: string, users: { sid: string | null; upn: string | null }[]) => {
      const deviceId = tenant.entraDevice(device)?.deviceId.toLowerCase() as string;
      await reports.project(acceptedReport(deviceId, users));
    };
    // ann: a cloud user, named by her Entra SID (S-1-12-1-…, the object id's bytes).
    await reportFrom('annUses', [{ sid: entraSidOf(tenant.user('ann')?.id as string), upn: null }]);
    // carl: synced from AD, named by his AD SID (onPremisesSecurityIdentifier).
    await reportFrom('carlUses', [{ sid: 'S-1-5-21-1004336348-1177238915-682003330-1105', upn: null }]);
    // dora: no SID in the report, only her UPN.
    await reportFrom('doraUses', [{ sid: null, upn: tenant.user('dora')?.userPrincipalName ?? null }]);
    sim = await startGraphSimulator({ tenant, ca: await ensureDevCa(testCaDir()) });
    const graphConfig = testConfig({ GRAPH_BASE_URL: sim.baseUrl, GRAPH_ACCESS_TOKEN: sim.token });
    const summary = await runCollection({
      config: { ...graphConfig, storage: config.storage },
      tables,
      graph: createGraphPort(graphConfig.graph),
    });
    expect(summary.errors).toEqual([]);
    const store = new CollectionStore(tables);
    for (const [name, user] of [
      ['annUses', 'ann'],
      ['carlUses', 'carl'],
      ['doraUses', 'dora'],
    ] as const) {
      const t = await targetingOf(tenant, store, name);
      expect(t.result, name).toBe('enabled');
      expect(t.userIds, name).toContain(tenant.user(user)?.id);
    }
    expect((await targetingOf(tenant, store, 'nobodyElse')).result).toBe('notConfigured');
    // Members were listed once per group; no per-device or per-user lookups.
    expect(
      Object.keys(summary.graphRequestsByEndpoint).filter((l) => /users|managedDevices\/\{id\}/.test(l)),
    ).toEqual([]);
  });

  it('stores the Entra device state from the devices list: a disabled device, and the trust type', async () => {
    const { tenant, store } = await collect(
      new TenantBuilder({ seed: 'c-entra' })
        .device('on')
        .device('off', { accountEnabled: false })
        .device('hybrid', { joinType: 'hybridAzureADJoined' }),
    );
    const byName = new Map((await store.listDevices()).map((d) => [d.deviceName, d]));
    expect(byName.get('off')?.entra).toEqual({
      objectId: tenant.entraDevice('off')?.id.toLowerCase(),
      accountEnabled: false,
      trustType: 'AzureAd',
    });
    expect(byName.get('on')?.entra?.accountEnabled).toBe(true);
    expect(byName.get('hybrid')?.entra?.trustType).toBe('ServerAd');
  });

  it('nested groups are expanded transitively', async () => {
    const { tenant, store, summary } = await collect(
      new TenantBuilder({ seed: 'c-nested' })
        .device('deep')
        .device('flat')
        .group('inner', ['deep'])
        .group('middle', ['inner'])
        .group('outer', ['middle'])
        .settingsCatalogPolicy('P', { pinRecovery: { device: true }, assignments: [{ include: 'outer' }] }),
    );
    expect((await targetingOf(tenant, store, 'deep')).result).toBe('enabled');
    expect((await targetingOf(tenant, store, 'flat')).result).toBe('notConfigured');
    expect(summary.groups).toBe(1);
  });

  it('exclusion beats inclusion', async () => {
    const { tenant, store } = await collect(
      new TenantBuilder({ seed: 'c-exclusion' })
        .device('kept')
        .device('excluded')
        .group('all', ['kept', 'excluded'])
        .group('exceptions', ['excluded'])
        .settingsCatalogPolicy('P', {
          pinRecovery: { device: true },
          assignments: [{ include: 'all' }, { exclude: 'exceptions' }],
        }),
    );
    expect((await targetingOf(tenant, store, 'kept')).result).toBe('enabled');
    const excluded = await targetingOf(tenant, store, 'excluded');
    expect(excluded).toMatchObject({ result: 'notConfigured', decidedBy: [], reaching: [] });
  });

  it('All devices reaches every Windows device; other platforms are not stored', async () => {
    const { tenant, store, summary } = await collect(
      new TenantBuilder({ seed: 'c-alldevices' })
        .user('u')
        .device('a')
        .device('b', { user: 'u' })
        .device('phone', { user: 'u', operatingSystem: 'iOS' })
        .settingsCatalogPolicy('P', { pinRecovery: { device: true }, assignments: [{ allDevices: true }] }),
    );
    expect((await targetingOf(tenant, store, 'a')).result).toBe('enabled');
    expect((await targetingOf(tenant, store, 'b')).result).toBe('enabled');
    expect(summary.devices).toBe(2);
    expect((await store.listDevices()).map((d) => d.deviceName).sort()).toEqual(['a', 'b']);
    expect(summary.groups).toBe(0);
  });

  it('All users reaches devices with a user, not user-less ones', async () => {
    const { tenant, store } = await collect(
      new TenantBuilder({ seed: 'c-allusers' })
        .user('u')
        .device('withUser', { user: 'u' })
        .device('kiosk')
        .settingsCatalogPolicy('P', { pinRecovery: { user: true }, assignments: [{ allUsers: true }] }),
    );
    const t = await targetingOf(tenant, store, 'withUser');
    expect(t).toMatchObject({ result: 'enabled', decidedBy: [policyId(tenant, 'P')] });
    expect(t.reaching[0]).toMatchObject({ via: 'user', value: true });
    expect((await targetingOf(tenant, store, 'kiosk')).result).toBe('notConfigured');
  });

  it('an assignment filter is never a definite yes: dependsOnFilter, with the filter stored', async () => {
    const { tenant, store } = await collect(
      new TenantBuilder({ seed: 'c-filter' })
        .device('pc')
        .group('g', ['pc'])
        .settingsCatalogPolicy('P', {
          pinRecovery: { device: true },
          assignments: [{ include: 'g', filter: { id: 'flt-surface', type: 'include' } }],
        }),
    );
    const t = await targetingOf(tenant, store, 'pc');
    expect(t.result).toBe('dependsOnFilter');
    expect(t.filters).toEqual([
      { policyId: policyId(tenant, 'P'), filterId: 'flt-surface', filterType: 'include' },
    ]);
    const [p] = await store.listPolicies();
    expect(p?.assignments).toEqual([
      { target: 'group', groupId: tenant.idOf('g'), filterId: 'flt-surface', filterType: 'include' },
    ]);
  });

  it('two policies with different values conflict, and both are named', async () => {
    const { tenant, store } = await collect(
      new TenantBuilder({ seed: 'c-conflict' })
        .device('pc')
        .group('g', ['pc'])
        .settingsCatalogPolicy('On', { pinRecovery: { device: true }, assignments: [{ include: 'g' }] })
        .intent('Off', { pinRecoveryEnabled: false, assignments: [{ include: 'g' }] }),
    );
    const t = await targetingOf(tenant, store, 'pc');
    expect(t.result).toBe('conflict');
    expect([...t.decidedBy].sort()).toEqual([policyId(tenant, 'On'), policyId(tenant, 'Off')].sort());
  });

  it('a policy set to false disables, and its row stores value false', async () => {
    const { tenant, store } = await collect(
      new TenantBuilder({ seed: 'c-false' })
        .device('pc')
        .group('g', ['pc'])
        .intent('Legacy', { pinRecoveryEnabled: false, assignments: [{ include: 'g' }] }),
    );
    expect(await targetingOf(tenant, store, 'pc')).toMatchObject({
      result: 'disabled',
      decidedBy: [policyId(tenant, 'Legacy')],
    });
    expect(await store.listPolicies()).toMatchObject([
      { name: 'Legacy', kind: 'intent', scope: 'device', value: false, effective: true, removed: false },
    ]);
  });

  it("an OMA-URI naming another tenant's id is ineffective: kept as evidence, never decides", async () => {
    const { tenant, store } = await collect(
      new TenantBuilder({ seed: 'c-oma' }).device('pc').customOmaPolicy('Wrong tenant', {
        settings: [{ form: 'device', enabled: true, tenantId: OTHER_TENANT }],
        assignments: [{ allDevices: true }],
      }),
    );
    const t = await targetingOf(tenant, store, 'pc');
    expect(t).toMatchObject({ result: 'notConfigured', decidedBy: [], reaching: [] });
    expect(t.ineffective).toEqual([
      { policyId: policyId(tenant, 'Wrong tenant'), via: 'device', value: true },
    ]);
    const [p] = await store.listPolicies();
    expect(p).toMatchObject({ kind: 'omaUri', effective: false, value: true });
    expect(p?.issues).toContain('OMA_URI_OTHER_TENANT');
  });

  it('no policy at all: every device notConfigured, no policy rows, tenant ready', async () => {
    const { tenant, store, summary } = await collect(
      new TenantBuilder({ seed: 'c-none' }).device('a').device('b'),
    );
    expect(summary).toMatchObject({ devices: 2, policies: 0, groups: 0, readiness: 'ready' });
    for (const name of ['a', 'b']) {
      expect(await targetingOf(tenant, store, name)).toMatchObject({ result: 'notConfigured', reaching: [] });
    }
    expect(await store.listPolicies()).toEqual([]);
    expect(await store.tenantReadiness()).toMatchObject({
      tenantId: tenant.tenantId,
      readiness: {
        state: 'ready',
        service: { present: true, enabled: true },
        client: { present: true, enabled: true },
      },
    });
  });

  it('PIN reset apps missing or disabled show in the tenant readiness row', async () => {
    const missing = await collect(
      new TenantBuilder({ seed: 'c-apps-missing' }).device('a').pinResetApps('client-missing'),
    );
    expect(await missing.store.tenantReadiness()).toMatchObject({
      tenantId: missing.tenant.tenantId,
      readiness: { state: 'missing', service: { present: true }, client: { present: false } },
    });
    await sim?.stop();
    const disabled = await collect(
      new TenantBuilder({ seed: 'c-apps-disabled' }).device('a').pinResetApps('service-disabled'),
    );
    expect(await disabled.store.tenantReadiness()).toMatchObject({
      readiness: { state: 'disabled', service: { present: true, enabled: false }, client: { enabled: true } },
    });
    expect(disabled.summary.readiness).toBe('disabled');
  });

  it('records the run and stores every collected device property', async () => {
    const { tenant, store, summary } = await collect(
      new TenantBuilder({ seed: 'c-record' })
        .user('u')
        .device('pc', { user: 'u', complianceState: 'noncompliant' }),
    );
    const md = managed(tenant, 'pc');
    const [d] = await store.listDevices();
    expect(d).toMatchObject({
      id: md.id.toLowerCase(),
      deviceName: 'pc',
      azureADDeviceId: tenant.entraDevice('pc')?.deviceId.toLowerCase(),
      complianceState: 'noncompliant',
      joinType: 'azureADJoined',
      userId: tenant.user('u')?.id,
      userPrincipalName: md.userPrincipalName,
      removed: false,
    });
    expect(d?.usersLoggedOn.map((u) => u.userId)).toEqual([tenant.user('u')?.id]);
    const run = await store.latestRun();
    expect(run).toMatchObject({
      runId: summary.runId,
      status: 'succeeded',
      devices: 1,
      graphRequests: summary.graphRequests,
      tableWrites: summary.tableWrites,
      tenantId: tenant.tenantId,
    });
    expect(run?.graphRequestsByEndpoint).toEqual(summary.graphRequestsByEndpoint);
    expect(summary.graphRequests).toBeGreaterThan(0);
  });
});
