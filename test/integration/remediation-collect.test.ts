/**
 * The Remediations path end to end: run states served by the HTTPS Graph simulator (small
 * pages), read through the real Graph client, stored in Azurite through TableReportStore and
 * read back the way posture reads uploaded reports.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoReportBody } from '../../dev/demo-report.js';
import { type GraphSimulator, startGraphSimulator } from '../../dev/graph-sim/server.js';
import { type DeviceRunState, type Tenant, TenantBuilder } from '../../dev/graph-sim/tenant.js';
import { ensureDevCa } from '../../dev/tls.js';
import type { Config } from '../../shared/config.js';
import { createGraphPort } from '../../shared/graph/client.js';
import type { GraphPort } from '../../shared/graph/port.js';
import { assembleReport } from '../../shared/ingest/assemble-report.js';
import { classifyUser } from '../../shared/posture/user-state.js';
import {
  collectRemediationReports,
  type RemediationCollectResult,
} from '../../shared/remediation/collect.js';
import { REMEDIATION_STATE_TABLE } from '../../shared/remediation/watermark.js';
import { REPORTS_TABLE, TableReportStore } from '../../shared/storage/report-store.js';
import { createTableProvider, type TableProvider } from '../../shared/storage/tables.js';
import { testCaDir, testConfig } from '../support/env.js';

const PAGE = 5;
const TENANT_ID = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const VALID = ['ada', 'bob', 'cid', 'f0', 'f1', 'f2', 'f3', 'f4', 'f5', 'f6'];
/** Builder name → the reason its run state must be refused. */
const BAD: Record<string, string> = {
  trunc: 'truncated',
  junk: 'not_json',
  crash: 'script_error',
  crash2: 'script_error',
  blank: 'empty',
  zero: 'no_device_id',
};
const TRUNCATED_MARKER = 'q'.repeat(3000);
const JUNK_MARKER = 'Compliant-but-not-json-7731';

let sim: GraphSimulator;
let tenant: Tenant;
let config: Config;
let tables: TableProvider;
let store: TableReportStore;
let graph: GraphPort;
let scriptId: string;
const logs: string[] = [];

/** Entra ids are chosen, so the printed JSON can carry the same DeviceId Intune has. */
function entraIdOf(name: string): string {
  const hex = Buffer.from(name.padEnd(6, '_')).toString('hex').slice(0, 12).padStart(12, '0');
  return `0e0e0e0e-0000-4000-8000-${hex}`;
}

function output(name: string, over: Record<string, unknown> = {}): string {
  return JSON.stringify({
    v: 1,
    canReset: name === 'bob' ? 'DestructiveAndNonDestructive' : 'DestructiveOnly',
    ngcSet: true,
    ngcKeyId: 'fa0db076-a5d7-4844-82d8-50a2fb42ec7b',
    aadJoined: true,
    domainJoined: name === 'cid',
    deviceId: name === 'zero' ? null : entraIdOf(name),
    tenantId: TENANT_ID,
    upn: `${name}@contoso.com`,
    os: '10.0.22631.4317',
    ts: '2025-06-01T07:59:00Z',
    ...over,
  });
}

function outputOf(name: string): string | null {
  if (name === 'trunc') return output(name, { upn: `${TRUNCATED_MARKER}@contoso.com` });
  if (name === 'junk') return JUNK_MARKER;
  if (name === 'blank') return '';
  return output(name);
}

function managedIdOf(name: string): string {
  const md = tenant.managedDevices.find((d) => d.deviceName === name);
  if (!md) throw new Error(`no managed device ${name}`);
  return md.id.toLowerCase();
}

function runStateOf(name: string): DeviceRunState {
  const id = managedIdOf(name);
  const rs = tenant.deviceHealthScripts[0]!.deviceRunStates.find(
    (r) => r.managedDeviceId.toLowerCase() === id,
  );
  if (!rs) throw new Error(`no run state for ${name}`);
  return rs;
}

let commits = 0;

function collect(): Promise<RemediationCollectResult> {
  // The real store, with its commits counted: the watermark must spare unchanged states one.
  const counting = Object.create(store) as TableReportStore;
  counting.commit = (...args) => {
    commits++;
    return store.commit(...args);
  };
  return collectRemediationReports({
    graph,
    store: counting,
    tables,
    scriptId,
    now: new Date(),
    log: (level, event, fields) => logs.push(`${level} ${event} ${JSON.stringify(fields)}`),
  });
}

async function countRows(logical: string): Promise<{ total: number; partitions: Set<string> }> {
  const table = await tables.table(logical);
  const partitions = new Set<string>();
  let total = 0;
  for await (const e of table.listEntities({ queryOptions: { select: ['PartitionKey'] } })) {
    total++;
    partitions.add(String(e.partitionKey));
  }
  return { total, partitions };
}

beforeAll(async () => {
  const names = [...VALID, ...Object.keys(BAD)];
  let b = new TenantBuilder({ seed: 'remediation' });
  for (const name of names) {
    b = b.device(name, name === 'zero' ? { entra: false } : { deviceId: entraIdOf(name) });
  }
  b = b.healthScript('ResetReady detection', {
    runStates: names.map((name) => ({
      device: name,
      output: outputOf(name),
      detectionState: name === 'crash' ? ('scriptError' as const) : ('success' as const),
    })),
  });
  tenant = b.build();
  scriptId = tenant.deviceHealthScripts[0]!.id;
  // A script that wrote to stderr: Intune keeps the error next to an output that looks fine.
  runStateOf('crash2').preRemediationDetectionScriptError = 'Get-ItemProperty : Access denied';
  sim = await startGraphSimulator({
    tenant,
    ca: await ensureDevCa(testCaDir()),
    pageSizes: { deviceRunStates: PAGE },
  });
  config = testConfig({ GRAPH_BASE_URL: sim.baseUrl, GRAPH_ACCESS_TOKEN: sim.token });
  tables = createTableProvider(config.storage);
  store = new TableReportStore(tables);
  graph = createGraphPort(config.graph, { backoff: { baseDelayMs: 5, maxDelayMs: 50 } });
});

afterAll(async () => {
  await sim?.stop();
});

describe('collecting the run states of the detection script', () => {
  it('stores each valid output as a verified remediation report, across every page', async () => {
    sim.resetStats();
    const r = await collect();
    const total = VALID.length + Object.keys(BAD).length;
    expect(r.seen).toBe(total);
    expect(r.stored).toBe(VALID.length);
    expect(r.skippedUnchanged).toBe(0);
    // Run states arrive 5 to a page: the client followed every nextLink.
    const label = 'GET /beta/deviceManagement/deviceHealthScripts/{id}/deviceRunStates';
    expect(sim.stats().requestsByEndpoint[label]).toBe(Math.ceil(total / PAGE));

    for (const name of VALID) {
      const deviceId = entraIdOf(name);
      const [summary, ...more] = await store.listReports(deviceId);
      expect(more).toEqual([]);
      expect(summary).toMatchObject({ source: 'remediation', trust: 'verified', deviceName: name });
      const report = await store.getReport(deviceId, summary!.reportId);
      expect(report!.rawBody).toBe(output(name));
      expect(report!.intuneDeviceId).toBe(managedIdOf(name));
      expect(report!.collectedAt).toBe(new Date(runStateOf(name).lastStateUpdateDateTime).toISOString());
      expect(report!.device.joinType).toBe(name === 'cid' ? 'hybridJoined' : 'entraJoined');
    }
    const bob = await store.latestUsers(entraIdOf('bob'));
    expect(bob).toMatchObject([
      {
        userKey: 'bob@contoso.com',
        upn: 'bob@contoso.com',
        canReset: 'DestructiveAndNonDestructive',
        ngcSet: true,
        source: 'remediation',
        trust: 'verified',
      },
    ]);
    // The fleet projection holds every stored user, as it does for uploads.
    const fleet = [];
    for await (const u of store.listLatest()) fleet.push(u);
    expect(fleet.map((u) => u.deviceId).sort()).toEqual(VALID.map(entraIdOf).sort());
  });

  it('refuses truncated, non-JSON, failed, empty and unregistered outputs with reasons, storing nothing for them', async () => {
    logs.length = 0;
    const before = await countRows(REPORTS_TABLE);
    const r = await collect();
    const got = Object.fromEntries(r.rejected.map((x) => [x.managedDeviceId, x.reason]));
    const want = Object.fromEntries(Object.entries(BAD).map(([name, reason]) => [managedIdOf(name), reason]));
    expect(got).toEqual(want);
    const after = await countRows(REPORTS_TABLE);
    expect(after.total).toBe(before.total);
    expect([...after.partitions].sort()).toEqual(VALID.map(entraIdOf).sort());
    for (const name of Object.keys(BAD)) {
      if (name !== 'zero') expect(await store.countReports(entraIdOf(name))).toBe(0);
    }
    // Each refusal is logged by device and reason, never with the output text.
    const all = logs.join('\n');
    for (const [name, reason] of Object.entries(BAD)) {
      expect(all).toContain(`"managedDeviceId":"${managedIdOf(name)}","reason":"${reason}"`);
    }
    expect(all).not.toContain(JUNK_MARKER);
    expect(all).not.toContain('q'.repeat(40));
    expect(all).not.toContain('Access denied');
  });

  it('stores nothing new on a second run over unchanged run states', async () => {
    const before = await countRows(REPORTS_TABLE);
    commits = 0;
    const r = await collect();
    expect(r).toMatchObject({ stored: 0, skippedUnchanged: VALID.length });
    expect(commits).toBe(0);
    expect((await countRows(REPORTS_TABLE)).total).toBe(before.total);
  });

  it('stores one more report when a run state changes, and its CanReset becomes the latest', async () => {
    const rs = runStateOf('ada');
    rs.lastStateUpdateDateTime = tenant.isoDaysAgo(0);
    rs.preRemediationDetectionScriptOutput = output('ada', { canReset: 'DestructiveAndNonDestructive' });
    commits = 0;
    const r = await collect();
    expect(r).toMatchObject({ stored: 1, skippedUnchanged: VALID.length - 1 });
    expect(commits).toBe(1);
    const ada = entraIdOf('ada');
    expect(await store.countReports(ada)).toBe(2);
    const [latest] = await store.latestUsers(ada);
    expect(latest).toMatchObject({
      canReset: 'DestructiveAndNonDestructive',
      reportedAt: rs.lastStateUpdateDateTime,
    });
    const [newest] = await store.listReports(ada);
    expect(latest!.reportId).toBe(newest!.reportId);
  });

  it('does not duplicate when the watermarks are lost: the report nonce turns the commit into a replay', async () => {
    const wm = await tables.table(REMEDIATION_STATE_TABLE);
    const rows = [];
    for await (const e of wm.listEntities()) rows.push(e);
    expect(rows.length).toBe(VALID.length);
    for (const e of rows) await wm.deleteEntity(String(e.partitionKey), String(e.rowKey));

    const before = await countRows(REPORTS_TABLE);
    commits = 0;
    const r = await collect();
    expect(r).toMatchObject({ stored: 0, skippedUnchanged: VALID.length });
    expect(commits).toBe(VALID.length);
    expect((await countRows(REPORTS_TABLE)).total).toBe(before.total);
    expect(await store.countReports(entraIdOf('ada'))).toBe(2);
  });
});

describe('what the reading side sees', () => {
  it('reads a remediation report like an uploaded one: same LatestUserState shape, same posture', async () => {
    // An agent upload of the same facts for another device, through the same store.
    const deviceId = '0e0e0e0e-0000-4000-8000-0000000000aa';
    const body = demoReportBody({
      device: {
        deviceId,
        tenantId: TENANT_ID,
        tenantName: 'Contoso',
        deviceName: 'UPLOADER',
        azureAdJoined: true,
        domainJoined: false,
      },
      users: [
        {
          upn: 'dee@contoso.com',
          sid: 'S-1-12-1-1-1000',
          ngcSet: true,
          ngcKeyId: 'fa0db076-a5d7-4844-82d8-50a2fb42ec7b',
          canReset: 'DestructiveOnly',
        },
      ],
    });
    const assembled = assembleReport({
      reportId: randomUUID(),
      deviceId,
      receivedAt: new Date(),
      body,
      rawBody: JSON.stringify(body),
      source: 'agent',
      trust: 'verified',
    });
    if (!assembled.ok) throw new Error(assembled.message);
    const now = new Date();
    const nonce = { value: `agent-${randomUUID()}`, expiresAt: new Date(now.getTime() + 600_000) };
    const outcome = await store.commit(assembled.report, nonce, { day: '20990101', max: 24 }, now);
    expect(outcome).toEqual({ ok: true });
    await store.project(assembled.report);

    const [uploaded] = await store.latestUsers(deviceId);
    const [remediated] = await store.latestUsers(entraIdOf('cid'));
    expect(uploaded!.source).toBe('agent');
    expect(remediated!.source).toBe('remediation');
    expect(Object.keys(remediated!).sort()).toEqual(Object.keys(uploaded!).sort());
    // Same value types field by field; only sid differs (the script prints no SID).
    for (const key of Object.keys(uploaded!) as (keyof typeof uploaded)[]) {
      if (key !== 'sid') expect([key, typeof remediated![key]]).toEqual([key, typeof uploaded![key]]);
    }
    expect(remediated).toMatchObject({
      canReset: uploaded!.canReset,
      ngcSet: uploaded!.ngcSet,
      ngcKeyId: uploaded!.ngcKeyId,
      notUserContext: false,
      trust: 'verified',
    });
    expect(classifyUser(remediated!)).toEqual(classifyUser(uploaded!));
    expect(classifyUser(remediated!)).toBe('destructiveOnly');
  });
});

describe('when Graph refuses the listing', () => {
  it('fails the call (never a silent empty result) and the next run stores everything', async () => {
    const fresh = testConfig({ GRAPH_BASE_URL: sim.baseUrl, GRAPH_ACCESS_TOKEN: sim.token });
    const freshTables = createTableProvider(fresh.storage);
    const freshStore = new TableReportStore(freshTables);
    const input = { graph, store: freshStore, tables: freshTables, scriptId };
    sim.failNext('deviceRunStates', 1, '403-intune');
    await expect(collectRemediationReports(input)).rejects.toMatchObject({ status: 403 });
    expect((await countRowsIn(freshTables, REMEDIATION_STATE_TABLE)).total).toBe(0);

    const r = await collectRemediationReports(input);
    expect(r).toMatchObject({ stored: VALID.length, skippedUnchanged: 0 });
    expect(r.rejected.length).toBe(Object.keys(BAD).length);
    expect((await countRowsIn(freshTables, REMEDIATION_STATE_TABLE)).total).toBe(VALID.length);
  });
});

async function countRowsIn(provider: TableProvider, logical: string): Promise<{ total: number }> {
  const table = await provider.table(logical);
  let total = 0;
  for await (const _ of table.listEntities({ queryOptions: { select: ['RowKey'] } })) total++;
  return { total };
}
