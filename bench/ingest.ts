/**
 * bench/ingest: valid signed uploads per second through POST /api/reports, with p50/p99
 * latency. Everything real and local: Azurite (in memory), the HTTPS Graph simulator for the
 * Entra check, the local Functions host running the built app in its own process, and
 * requests signed ahead of time so the figure is the service's, not the client's signing.
 *
 *   npm run bench -- ingest [--uploads 2000] [--devices 500] [--concurrency 32]
 *
 * Writes bench/results/ingest.json.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildSignedUpload } from '../agent/reference/signed-upload.js';
import { freePort, startAzurite } from '../dev/azurite.js';
import { demoReportBody } from '../dev/demo-report.js';
import { createDeviceIdentity, type DeviceIdentity } from '../dev/device-identity.js';
import { startGraphSimulator } from '../dev/graph-sim/server.js';
import { Tenant } from '../dev/graph-sim/tenant.js';
import { ensureDevCa } from '../dev/tls.js';
import { numericArg, percentile } from './stats.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

async function waitUp(url: string, child: ChildProcess): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (child.exitCode !== null) throw new Error(`host exited with ${child.exitCode}`);
    try {
      await fetch(`${url}/admin/functions`);
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new Error('host did not start');
}

export async function run(args: string[]): Promise<number> {
  const uploads = numericArg(args, 'uploads', 2000);
  const devices = numericArg(args, 'devices', 500);
  const concurrency = numericArg(args, 'concurrency', 32);

  const azurite = await startAzurite({ inMemory: true });
  const ca = await ensureDevCa(join(tmpdir(), 'resetready-bench-ca'));
  const tenant = new Tenant({ seed: 'bench-ingest' });
  const key = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
  const fleet: DeviceIdentity[] = [];
  for (let i = 0; i < devices; i++) {
    const entra = tenant.addEntraDevice({ displayName: `PC-${i}` });
    const identity = await createDeviceIdentity({ deviceId: entra.deviceId, privateKey: key });
    tenant.setDeviceCertificate(entra.deviceId, identity.certDer);
    fleet.push(identity);
  }
  const sim = await startGraphSimulator({ tenant, ca });
  const port = await freePort();
  const host = spawn(
    process.execPath,
    [join(ROOT, 'dist/cli/resetready.js'), 'serve', '--port', String(port)],
    {
      stdio: ['ignore', 'ignore', 'inherit'],
      env: {
        ...process.env,
        NODE_EXTRA_CA_CERTS: ca.certFile,
        STORAGE_CONNECTION_STRING: azurite.connectionString,
        GRAPH_BASE_URL: sim.baseUrl,
        GRAPH_ACCESS_TOKEN: sim.token,
        DAILY_UPLOAD_LIMIT: '10000',
        FUNCTIONS_KEY: 'bench',
      },
    },
  );
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitUp(url, host);
    const requests = Array.from({ length: uploads }, (_, i) => {
      const d = fleet[i % devices]!;
      const device = {
        deviceId: d.deviceId,
        tenantId: tenant.tenantId,
        tenantName: 'Contoso',
        deviceName: `PC-${i % devices}`,
        azureAdJoined: true,
        domainJoined: false,
      };
      const body = demoReportBody({
        device,
        agentVersion: 'bench',
        users: [
          {
            upn: 'ada@contoso.com',
            sid: 'S-1-12-1-1-1',
            ngcSet: true,
            ngcKeyId: 'fa0db076-a5d7-4844-82d8-50a2fb42ec7b',
            canReset: 'DestructiveOnly',
          },
        ],
      });
      const s = buildSignedUpload({ deviceId: d.deviceId, certDer: d.certDer, privateKey: key, body });
      return { headers: { 'content-type': 'application/json', ...s.headers }, body: s.body };
    });

    // Warm the Entra cache and the tables, as a running app would be.
    await Promise.all(
      fleet.slice(0, Math.min(devices, 8)).map((d) =>
        fetch(`${url}/api/reports`, {
          method: 'POST',
          body: '{}',
          headers: { 'x-resetready-device': d.deviceId },
        }),
      ),
    );

    const latencies: number[] = [];
    const statuses = new Map<number, number>();
    let next = 0;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        for (;;) {
          const i = next++;
          if (i >= requests.length) return;
          const r = requests[i]!;
          const t0 = performance.now();
          const res = await fetch(`${url}/api/reports`, { method: 'POST', headers: r.headers, body: r.body });
          await res.arrayBuffer();
          latencies.push(performance.now() - t0);
          statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        }
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    latencies.sort((a, b) => a - b);
    const accepted = statuses.get(202) ?? 0;
    const result = {
      bench: 'ingest',
      at: new Date().toISOString(),
      machine: { cpus: cpus().length, node: process.version },
      uploads,
      devices,
      concurrency,
      accepted,
      statuses: Object.fromEntries(statuses),
      seconds: Number(seconds.toFixed(2)),
      uploadsPerSecond: Number((accepted / seconds).toFixed(1)),
      latencyMs: {
        p50: Number(percentile(latencies, 50).toFixed(1)),
        p99: Number(percentile(latencies, 99).toFixed(1)),
        max: Number((latencies.at(-1) ?? 0).toFixed(1)),
      },
      graphRequests: sim.stats().total,
    };
    mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
    writeFileSync(join(ROOT, 'bench/results/ingest.json'), `${JSON.stringify(result, null, 2)}\n`);
    console.log(JSON.stringify(result, null, 2));
    return accepted === uploads ? 0 : 1;
  } finally {
    host.kill('SIGTERM');
    await sim.stop();
    await azurite.stop();
  }
}
