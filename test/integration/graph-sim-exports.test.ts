/**
 * Intune export jobs in the simulator: create (201, notStarted), poll to completed, and
 * download the zip from its "SAS" URL without a Graph token (graph.md §12, §20.11).
 */
import { inflateRawSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GENERATED, generateTenant } from '../../dev/graph-sim/generate.js';
import { type GraphSimulator, startGraphSimulator } from '../../dev/graph-sim/server.js';
import type { Tenant } from '../../dev/graph-sim/tenant.js';
import { ensureDevCa } from '../../dev/tls.js';
import { testCaDir } from '../support/env.js';

let sim: GraphSimulator;
let tenant: Tenant;
type Json = Record<string, unknown>;

async function graph(method: string, path: string, body?: unknown): Promise<{ status: number; body: Json }> {
  const res = await fetch(`${sim.baseUrl}${path}`, {
    method,
    headers: { Authorization: `Bearer ${sim.token}`, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Json };
}

/** The single entry of a zip (stored or deflated), read from its local header. */
function unzipOne(zip: Buffer): { name: string; text: string } {
  expect(zip.readUInt32LE(0)).toBe(0x04034b50);
  const method = zip.readUInt16LE(8);
  const size = zip.readUInt32LE(18);
  const nameLen = zip.readUInt16LE(26);
  const extra = zip.readUInt16LE(28);
  const start = 30 + nameLen + extra;
  const data = zip.subarray(start, start + size);
  return {
    name: zip.subarray(30, 30 + nameLen).toString(),
    text: (method === 8 ? inflateRawSync(data) : data).toString(),
  };
}

beforeAll(async () => {
  tenant = generateTenant({ devices: 60, seed: 'exports' });
  sim = await startGraphSimulator({ tenant, ca: await ensureDevCa(testCaDir()) });
});

afterAll(async () => {
  await sim?.stop();
});

describe('exportJobs', () => {
  it('goes notStarted → inProgress → completed, then the zip downloads without a token', async () => {
    const created = await graph('POST', '/beta/deviceManagement/reports/exportJobs', {
      reportName: 'DevicesWithInventory',
      filter: '',
      select: ['DeviceId', 'DeviceName', 'ReferenceId', 'JoinType'],
      format: 'csv',
      localizationType: 'ReplaceLocalizableValues',
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      status: 'notStarted',
      url: null,
      expirationDateTime: '0001-01-01T00:00:00Z',
    });
    const id = created.body.id as string;
    expect(id).toMatch(/^DevicesWithInventory_[0-9a-f-]{36}$/);
    expect((await graph('GET', `/beta/deviceManagement/reports/exportJobs('${id}')`)).body.status).toBe(
      'inProgress',
    );
    const done = await graph('GET', `/beta/deviceManagement/reports/exportJobs('${id}')`);
    expect(done.body.status).toBe('completed');
    const url = done.body.url as string;
    const zip = await fetch(url);
    expect(zip.status).toBe(200);
    const { name, text } = unzipOne(Buffer.from(await zip.arrayBuffer()));
    expect(name).toBe(`${id}.csv`);
    const lines = text.split('\r\n');
    expect(lines[0]).toBe('DeviceId,DeviceName,ReferenceId,JoinType');
    expect(lines).toHaveLength(tenant.managedDevices.length + 1);
    const md = tenant.managedDevices[0];
    expect(lines).toContain(`${md?.id},${md?.deviceName},${md?.azureADDeviceId},${md?.joinType}`);
    expect((await fetch(url.replace(/sig=[^&]+/, 'sig=forged'))).status).toBe(403);
  });

  it('needs PolicyId for run states, rejects listing, and can be made to fail', async () => {
    const noPolicy = await graph('POST', '/beta/deviceManagement/reports/exportJobs', {
      reportName: 'DeviceRunStatesByProactiveRemediation',
      filter: '',
      format: 'csv',
    });
    expect(noPolicy.status).toBe(400);
    expect((await graph('GET', '/beta/deviceManagement/reports/exportJobs')).status).toBe(400);
    const script = tenant.deviceHealthScripts.find((s) => s.displayName === GENERATED.healthScript);
    const runStates = await graph('POST', '/v1.0/deviceManagement/reports/exportJobs', {
      reportName: 'DeviceRunStatesByProactiveRemediation',
      filter: `(PolicyId eq '${script?.id}')`,
      select: ['DeviceId', 'DetectionStatus'],
      format: 'csv',
    });
    const rid = runStates.body.id as string;
    await graph('GET', `/v1.0/deviceManagement/reports/exportJobs('${rid}')`);
    const url = (await graph('GET', `/v1.0/deviceManagement/reports/exportJobs('${rid}')`)).body
      .url as string;
    const text = unzipOne(Buffer.from(await (await fetch(url)).arrayBuffer())).text;
    expect(text.split('\r\n')).toHaveLength((script?.deviceRunStates.length ?? 0) + 1);

    sim.setExportJobs({ fail: true });
    const failing = await graph('POST', '/beta/deviceManagement/reports/exportJobs', {
      reportName: 'Devices',
      format: 'csv',
    });
    const fid = failing.body.id as string;
    await graph('GET', `/beta/deviceManagement/reports/exportJobs('${fid}')`);
    const failed = await graph('GET', `/beta/deviceManagement/reports/exportJobs('${fid}')`);
    expect(failed.body).toMatchObject({ status: 'failed', url: null });
    sim.setExportJobs({ fail: false });
  });
});
