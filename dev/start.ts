/**
 * `npm start`: the whole product on one machine. Azurite (data in .local/azurite), the Graph
 * simulator with a demo tenant over HTTPS, every function on http://localhost:7071 through
 * the local host (a child process, so NODE_EXTRA_CA_CERTS is in force from its start), and
 * demo devices uploading signed reports with the reference agent.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { uploadReport } from '../agent/reference/upload.js';
import { loadConfig } from '../shared/config.js';
import type { CanReset } from '../shared/dsregcmd/types.js';
import { createTableProvider } from '../shared/storage/tables.js';
import { ReportHistory } from '../shared/weekly-report/history.js';
import { startAzurite } from './azurite.js';
import { seedDemoHistory, seedDemoReportHistory } from './demo-history.js';
import { demoReportBody } from './demo-report.js';
import { createDeviceIdentity, type DeviceIdentity } from './device-identity.js';
import { generateTenant } from './graph-sim/generate.js';
import { startGraphSimulator } from './graph-sim/server.js';
import type { Tenant } from './graph-sim/tenant.js';
import { ensureDevCa } from './tls.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
// RESETREADY_LOCAL_DIR moves the demo's state (Azurite data, dev CA) elsewhere; the docs test
// starts a throwaway stack that way.
const LOCAL = process.env.RESETREADY_LOCAL_DIR
  ? resolve(process.env.RESETREADY_LOCAL_DIR)
  : join(ROOT, '.local');
const PORT = Number(process.env.PORT ?? 7071);
const DEMO_DEVICES = Number(process.env.DEMO_DEVICES ?? 60);

interface DemoDevice {
  identity: DeviceIdentity;
  name: string;
  hybrid: boolean;
  /** Intune skuFamily and osVersion: the agent's evidence reports the same edition and build. */
  edition: string;
  osVersion: string;
  users: { upn: string; sid: string; ngcSet: boolean; canReset?: CanReset; ngcKeyId: string }[];
}

/**
 * A believable spread of states, the same on every start: most devices ready (the policy
 * reaches them), a good share destructive-only (the reasons the tenant's policies give), some
 * without a Hello key.
 */
function demoUsers(tenant: Tenant, index: number, upn: string | null): DemoDevice['users'] {
  const states: (CanReset | 'none')[] = [
    'DestructiveAndNonDestructive',
    'DestructiveAndNonDestructive',
    'DestructiveOnly',
    'DestructiveAndNonDestructive',
    'none',
    'DestructiveAndNonDestructive',
    'DestructiveOnly',
  ];
  const state = states[index % states.length]!;
  const user = upn ?? `user${index}@${tenant.domain}`;
  return [
    {
      upn: user,
      sid: `S-1-12-1-${1000 + index}-${2000 + index}`,
      ngcSet: state !== 'none',
      canReset: state === 'none' ? undefined : state,
      ngcKeyId: `0d8c${String(index).padStart(4, '0')}-a5d7-4844-82d8-50a2fb42ec7b`,
    },
  ];
}

async function waitForHost(url: string, key: string, child: ChildProcess, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`the local host exited with code ${child.exitCode}`);
    try {
      const res = await fetch(`${url}/admin/functions`, { headers: { 'x-functions-key': key } });
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`the local host did not answer on ${url} within ${timeoutMs} ms`);
}

async function waitFor(check: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return true;
    await new Promise((r) => setTimeout(r, 500));
  }
  return false;
}

/** Fails early, before Azurite or the simulator start, if the host's port is taken. */
function ensurePortFree(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', (err: NodeJS.ErrnoException) =>
      reject(
        new Error(
          err.code === 'EADDRINUSE'
            ? `port ${port} is already in use (another npm start?); stop it or run with PORT=<free port>`
            : `cannot listen on port ${port}: ${err.message}`,
        ),
      ),
    );
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve()));
  });
}

async function main(): Promise<void> {
  await ensurePortFree(PORT);
  const stops: (() => Promise<void>)[] = [];
  const stopAll = async () => {
    for (const stop of stops.reverse()) await stop().catch(() => {});
  };
  process.once('SIGINT', () => void stopAll().then(() => process.exit(0)));
  process.once('SIGTERM', () => void stopAll().then(() => process.exit(0)));

  const azurite = await startAzurite({ location: join(LOCAL, 'azurite') });
  stops.push(azurite.stop);
  console.log(`azurite      ${azurite.tableEndpoint} (data in .local/azurite)`);

  const ca = await ensureDevCa(join(LOCAL, 'sim-ca'));
  // The demo tenant lives on the real clock, like the uploads that follow: its check-ins and
  // policy dates are days before today, whenever `npm start` runs.
  const tenant = generateTenant({ devices: DEMO_DEVICES, seed: 'demo', now: new Date().toISOString() });
  const key = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
  const demo: DemoDevice[] = [];
  for (const [i, md] of tenant.managedDevices.entries()) {
    const entra = tenant.entraDeviceByDeviceId(md.azureADDeviceId);
    if (md.operatingSystem !== 'Windows' || !entra || md.joinType === 'azureADRegistered') continue;
    const identity = await createDeviceIdentity({ deviceId: entra.deviceId, privateKey: key });
    tenant.setDeviceCertificate(entra.deviceId, identity.certDer);
    demo.push({
      identity,
      name: md.deviceName,
      hybrid: md.joinType === 'hybridAzureADJoined',
      edition: md.skuFamily,
      osVersion: md.osVersion,
      users: demoUsers(tenant, i, md.userPrincipalName || null),
    });
  }
  const sim = await startGraphSimulator({ tenant, ca });
  stops.push(sim.stop);
  console.log(
    `graph sim    ${sim.baseUrl} (${tenant.managedDevices.length} managed devices, tenant ${tenant.tenantId})`,
  );

  const functionsKey = process.env.FUNCTIONS_KEY ?? 'local-dev-key';
  const entry = join(ROOT, 'dist', 'cli', 'resetready.js');
  if (!existsSync(entry))
    throw new Error('dist/ is missing: run "npm run build" (npm start does it for you)');
  const host = spawn(process.execPath, [entry, 'serve', '--port', String(PORT)], {
    stdio: ['ignore', 'inherit', 'inherit'],
    env: {
      ...process.env,
      NODE_EXTRA_CA_CERTS: ca.certFile,
      STORAGE_CONNECTION_STRING: azurite.connectionString,
      // The queue triggers' connection (in Azure an identity-based one, see infra/).
      RESETREADY_QUEUES: azurite.connectionString,
      GRAPH_BASE_URL: sim.baseUrl,
      GRAPH_ACCESS_TOKEN: sim.token,
      GRAPH_TENANT_ID: tenant.tenantId,
      FUNCTIONS_KEY: functionsKey,
    },
  });
  stops.push(
    () =>
      new Promise<void>((done) => {
        if (host.exitCode !== null) return done();
        host.once('exit', () => done());
        host.kill('SIGTERM');
      }),
  );
  const url = `http://localhost:${PORT}`;
  await waitForHost(url, functionsKey, host);

  // First the inventory (and the posture recompute that follows it), as the timer would.
  const headers = { 'x-functions-key': functionsKey };
  await fetch(`${url}/admin/functions/collectInventory`, { method: 'POST', headers });
  const summaryReady = await waitFor(
    async () => (await fetch(`${url}/api/summary`, { headers })).ok,
    120_000,
  );
  if (!summaryReady)
    console.error('the first collection did not produce a summary in time; see the log above');

  let accepted = 0;
  await Promise.all(
    demo.map(async (d) => {
      const device = {
        deviceId: d.identity.deviceId,
        tenantId: tenant.tenantId,
        tenantName: tenant.organization.displayName,
        deviceName: d.name,
        azureAdJoined: true,
        domainJoined: d.hybrid,
        thumbprint: d.identity.binding.thumbprint,
      };
      const body = demoReportBody({ device, users: d.users, edition: d.edition, osVersion: d.osVersion });
      const res = await uploadReport(url, { ...d.identity, privateKey: d.identity.privateKeyPem }, body, {
        maxAttempts: 3,
        baseDelayMs: 200,
      });
      if (res.ok) accepted++;
      else console.error(`demo upload from ${d.name} failed: ${res.status ?? res.error}`);
    }),
  );

  // Each upload queued its device's recompute: show the fleet once the workers are done.
  const drained = await fetch(`${url}/admin/queues/drain?timeoutSeconds=120`, { method: 'POST', headers });
  if (!drained.ok) console.error(`the queues did not drain in time (${drained.status}); see the log above`);

  // A believable 12-week trend for the demo (marked as demo data), then this week's report, so
  // /api/reports/latest and the console have something to show from the first minute.
  const demoTables = createTableProvider({
    connectionString: azurite.connectionString,
    tablePrefix: process.env.TABLE_PREFIX ?? 'rr',
  });
  const started = new Date();
  const history = await seedDemoHistory(demoTables, started)
    .then(async (daily) => {
      const reports = await seedDemoReportHistory(
        demoTables,
        ReportHistory.fromConfig(loadConfig({ STORAGE_CONNECTION_STRING: azurite.connectionString })),
        started,
      );
      return { daily, reports };
    })
    .catch((err: unknown) => {
      console.error(`demo history not seeded: ${err instanceof Error ? err.message : String(err)}`);
      return null;
    });
  await fetch(`${url}/admin/functions/weeklyReport`, { method: 'POST', headers });
  const reportReady = await waitFor(
    async () => (await fetch(`${url}/api/reports/latest`, { headers })).ok,
    120_000,
  );
  if (!reportReady) console.error('the weekly report was not produced in time; see the log above');

  const summary = (await (await fetch(`${url}/api/summary`, { headers })).json().catch(() => null)) as {
    totals?: { devices?: number };
    byPosture?: Record<string, number>;
  } | null;
  const byPosture = Object.entries(summary?.byPosture ?? {})
    .filter(([, n]) => n > 0)
    .map(([p, n]) => `${p} ${n}`)
    .join(', ');
  console.log(`
ResetReady is running.
  fleet        ${summary?.totals?.devices ?? '?'} devices: ${byPosture || 'no posture yet'}
  console      ${url}/api/console  (local sign-in stands in for Entra ID: pick a name and the Reader/Admin roles; DEV_USER, DEV_ROLES)
  summary      GET  ${url}/api/summary?code=${functionsKey}
  devices      GET  ${url}/api/devices?code=${functionsKey}&format=csv
  power bi     OData feed ${url}/api/odata/ (Web API key, name "code", value ${functionsKey})
  report       GET  ${url}/api/reports/latest?code=${functionsKey}
  demo history ${history ? `${history.daily.written + history.daily.kept} days of DailySummary and ${history.reports.written + history.reports.kept} past weekly reports, marked as demo data (this demo only)` : 'not seeded'}
  health       GET  ${url}/api/health
  uploads      ${accepted}/${demo.length} demo devices uploaded signed reports to ${url}/api/reports
  functions    GET  ${url}/admin/functions            (every registered function)
  run a timer  POST ${url}/admin/functions/<name>     (e.g. collectInventory), header x-functions-key: ${functionsKey}
  try it       npx resetready parse-dsregcmd <file>
  graph        export GRAPH_BASE_URL=${sim.baseUrl} GRAPH_ACCESS_TOKEN=${sim.token} NODE_EXTRA_CA_CERTS=${ca.certFile}
Press Ctrl+C to stop.`);
}

main().catch((err: unknown) => {
  console.error(`npm start failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
