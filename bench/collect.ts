/**
 * bench/collect: one inventory collection of a generated 100,000-device tenant through the
 * HTTPS Graph simulator at 40 ms latency into Azurite (started here, in memory): wall time,
 * Graph requests against the floor paging allows, Table writes and peak RSS; then a second
 * run after 1% of devices changed, whose Table writes should be about that 1%.
 *
 *   npm run bench -- collect [--devices 100000] [--latency-ms 40] [--changed-share 0.01]
 *
 * Writes bench/results/collect.json.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startAzurite } from '../dev/azurite.js';
import { generateTenant } from '../dev/graph-sim/generate.js';
import { startGraphSimulator } from '../dev/graph-sim/server.js';
import type { Tenant } from '../dev/graph-sim/tenant.js';
import { ensureDevCa } from '../dev/tls.js';
import { type RunSummary, runCollection } from '../shared/collection/index.js';
import { minimumGraphRequests, type TenantShape } from '../shared/collection/request-floor.js';
import { CollectionStore } from '../shared/collection/store.js';
import { loadConfig } from '../shared/config.js';
import { createGraphPort } from '../shared/graph/client.js';
import { createTableProvider } from '../shared/storage/tables.js';
import { numericArg } from './stats.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * The simulator tenant's shape as the request floor needs it. Which policies carry the PIN
 * setting and which groups they name come from what the run stored (the collector's
 * parsing is tested elsewhere); sizes come from the simulated tenant itself.
 */
export function tenantShape(
  tenant: Tenant,
  stored: { graphId?: string; kind: string; assignments: { groupId?: string }[] }[],
  tenantIdKnown = false,
): TenantShape {
  const isWindows = (p: string | undefined) =>
    (p ?? 'windows10').split(',').some((x) => /^windows10x?$/i.test(x.trim()));
  const kindOf = new Map(stored.map((p) => [p.graphId, p.kind]));
  const groups = new Set(stored.flatMap((p) => p.assignments.flatMap((a) => (a.groupId ? [a.groupId] : []))));
  const assignmentsOf = (id: string): number =>
    tenant.configurationPolicies.find((p) => p.id === id)?.assignments.length ??
    tenant.deviceConfigurations.find((p) => p.id === id)?.assignments.length ??
    tenant.intents.find((p) => p.id === id)?.assignments.length ??
    0;
  return {
    windowsManagedDevices: tenant.managedDevices.filter((d) => d.operatingSystem === 'Windows').length,
    tenantIdKnown,
    configurationPolicies: tenant.configurationPolicies.length,
    windowsPolicySettings: tenant.configurationPolicies
      .filter((p) => isWindows(p.platforms))
      .map((p) => p.settings.length),
    deviceConfigurations: tenant.deviceConfigurations.length,
    intentSettings: tenant.intents.map((i) => i.settings.length),
    candidateAssignments: [...kindOf].map(([id, kind]) => ({
      count: assignmentsOf(id ?? ''),
      pageSize: kind === 'settingsCatalog' || kind === 'endpointSecurity' ? 25 : 100,
    })),
    groupMembers: [...groups].map((g) => {
      const members = tenant.transitiveMembers(g);
      const devices = members.filter((m) => tenant.objectKind(m) === 'device').length;
      const users = members.filter((m) => tenant.objectKind(m) === 'user').length;
      return { devices, users };
    }),
  };
}

/** Changes `n` Windows devices in ways Intune reports (compliance, name), spread over the tenant. */
export function changeDevices(tenant: Tenant, n: number): number {
  const windows = tenant.managedDevices.filter((d) => d.operatingSystem === 'Windows');
  const step = Math.max(1, Math.floor(windows.length / Math.max(1, n)));
  let changed = 0;
  for (let i = 0; i < windows.length && changed < n; i += step) {
    const d = windows[i];
    if (!d) continue;
    d.complianceState = d.complianceState === 'compliant' ? 'noncompliant' : 'compliant';
    changed++;
  }
  return changed;
}

function figures(s: RunSummary) {
  return {
    status: s.status,
    devices: s.devices,
    policies: s.policies,
    groups: s.groups,
    seconds: Number((s.durationMs / 1000).toFixed(2)),
    graphRequests: s.graphRequests,
    retries: s.retries,
    tableWrites: s.tableWrites,
    tableBatches: s.tableBatches,
    tableWritesByTable: s.tableWritesByTable,
    errors: s.errors,
  };
}

export async function run(args: string[]): Promise<number> {
  const devices = numericArg(args, 'devices', 100_000, 0);
  const latencyMs = numericArg(args, 'latency-ms', 40, 0);
  const changedShare = numericArg(args, 'changed-share', 0.01, 0);

  // Global fetch trusts the simulator's CA only if NODE_EXTRA_CA_CERTS was set at process start.
  const ca = await ensureDevCa(join(tmpdir(), 'resetready-bench-ca'));
  if (process.env.NODE_EXTRA_CA_CERTS !== ca.certFile) {
    const child = spawnSync(
      process.execPath,
      [...process.execArgv, process.argv[1] ?? '', 'collect', ...args],
      {
        stdio: 'inherit',
        env: { ...process.env, NODE_EXTRA_CA_CERTS: ca.certFile },
      },
    );
    return child.status ?? 1;
  }

  const buildStart = performance.now();
  const tenant = generateTenant({ devices, seed: 'bench-collect' });
  const buildMs = performance.now() - buildStart;
  const azurite = await startAzurite({ inMemory: true });
  const sim = await startGraphSimulator({
    tenant,
    ca,
    latencyMs,
  });
  try {
    const config = loadConfig({
      STORAGE_CONNECTION_STRING: azurite.connectionString,
      TABLE_PREFIX: 'benchcollect',
      GRAPH_BASE_URL: sim.baseUrl,
      GRAPH_ACCESS_TOKEN: sim.token,
    });
    const tables = createTableProvider(config.storage);
    const graph = createGraphPort(config.graph);

    const first = await runCollection({ config, tables, graph });
    const rssAfterFirst = process.resourceUsage().maxRSS;
    const policies = await new CollectionStore(tables).listPolicies();
    const floor = minimumGraphRequests(tenantShape(tenant, policies));

    const changed = changeDevices(tenant, Math.round(tenant.managedDevices.length * changedShare));
    const second = await runCollection({ config, tables, graph });

    const result = {
      bench: 'collect',
      at: new Date().toISOString(),
      machine: { cpus: cpus().length, node: process.version },
      tenant: {
        managedDevices: tenant.managedDevices.length,
        buildSeconds: Number((buildMs / 1000).toFixed(2)),
      },
      latencyMs,
      first: {
        ...figures(first),
        graphRequestFloor: floor.total,
        graphRequestsOverFloor: Number((first.graphRequests / floor.total - 1).toFixed(3)),
        floorByStage: floor.byStage,
        graphRequestsByEndpoint: first.graphRequestsByEndpoint,
      },
      second: { changedDevices: changed, ...figures(second) },
      // KiB on Linux (ru_maxrss); the whole process, simulator and tenant model included.
      peakRssMiB: {
        afterFirstRun: Math.round(rssAfterFirst / 1024),
        end: Math.round(process.resourceUsage().maxRSS / 1024),
      },
    };
    mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
    writeFileSync(join(ROOT, 'bench/results/collect.json'), `${JSON.stringify(result, null, 2)}\n`);
    console.log(JSON.stringify(result, null, 2));
    return first.status === 'succeeded' && second.status === 'succeeded' ? 0 : 1;
  } finally {
    await sim.stop();
    await azurite.stop();
  }
}
