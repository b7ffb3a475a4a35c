/**
 * bench/serve: what reading posture costs as the fleet grows. Posture and Summary rows are
 * generated and written straight to Azurite (no collection), then the built app is served by
 * the local Functions host in its own process and measured over HTTP:
 *  - GET /api/summary p50/p95 with 50 concurrent clients, at 1,000 and 100,000 devices (it is
 *    one point read, so it must not grow with the fleet);
 *  - every device row exported through GET /api/devices?format=csv, in rows per second;
 *  - for the record, a full read of the Posture table (what recomputing the summary from rows
 *    on every upload would cost instead of the incremental delta).
 *
 *   npm run bench -- serve [--large 100000] [--small 1000] [--requests 2000] [--clients 50]
 *
 * Writes bench/results/serve.json.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, startAzurite } from '../dev/azurite.js';
import { aggregatePostures } from '../shared/posture/aggregate.js';
import type { DevicePosture, Posture, ReasonCode } from '../shared/posture/types.js';
import { postureEntity } from '../shared/posture-store/entities.js';
import { PostureStore } from '../shared/posture-store/store.js';
import { createTableProvider } from '../shared/storage/tables.js';
import { numericArg, percentile } from './stats.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const KEY = 'bench-serve-key';

/** Small seeded PRNG (mulberry32): the same fleet every run. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function guid(r: () => number): string {
  const hex = Array.from({ length: 32 }, () => Math.floor(r() * 16).toString(16)).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20)}`;
}

const POSTURE_MIX: [Posture, number][] = [
  ['nonDestructive', 0.45],
  ['destructiveOnly', 0.25],
  ['noHelloKey', 0.05],
  ['unknown', 0.03],
  ['stale', 0.05],
  ['notReported', 0.17],
];
const REASONS: ReasonCode[] = ['POLICY_NOT_TARGETED', 'POLICY_SET_FALSE', 'OS_TOO_OLD', 'UNEXPLAINED'];

function syntheticFleet(n: number, seed: number): DevicePosture[] {
  const r = prng(seed);
  const now = new Date().toISOString();
  return Array.from({ length: n }, (_, i) => {
    const x = r();
    let acc = 0;
    const posture =
      POSTURE_MIX.find(([, w]) => {
        acc += w;
        return x < acc;
      })?.[0] ?? 'notReported';
    const reason = posture === 'nonDestructive' ? null : REASONS[Math.floor(r() * REASONS.length)]!;
    const reported = posture !== 'notReported';
    return {
      managedDeviceId: guid(r),
      deviceId: guid(r),
      deviceName: `CPC-${String(i).padStart(6, '0')}`,
      userPrincipalName: `user${i}@contoso.com`,
      posture,
      reasonCodes: reason ?? '',
      reasons: reason ? [{ code: reason, message: 'synthetic', evidence: {} }] : [],
      primaryReason: reason,
      complianceState: r() < 0.9 ? 'compliant' : 'noncompliant',
      joinType: r() < 0.7 ? 'azureADJoined' : 'hybridAzureADJoined',
      osVersion: '10.0.22631.4317',
      osBuild: 22631,
      lastSyncDateTime: now,
      lastReportAt: reported ? now : null,
      destructiveOnlySince: posture === 'destructiveOnly' ? now : null,
      daysDestructiveOnly: posture === 'destructiveOnly' ? 0 : null,
      targetingResult: 'enabled',
      targetingPolicyIds: '',
      hybridKeyTrustRisk: false,
      resettableNow: false,
      removed: false,
      userCount: reported ? 1 : 0,
      users: [],
      warnings: [],
      warningCodes: '',
      evaluatedAt: now,
    };
  });
}

async function seed(connectionString: string, prefix: string, n: number) {
  const tables = createTableProvider({ connectionString, tablePrefix: prefix });
  const store = new PostureStore(tables);
  const records = syntheticFleet(n, n);
  const t0 = performance.now();
  const writes = await store.syncPostures(
    records.map((rec) => postureEntity(rec.deviceId, rec, null)),
    16,
  );
  const now = new Date();
  await store.writeSummary({
    summary: aggregatePostures(records, { tenant: null, events: [], now }),
    generatedAt: now.toISOString(),
    lastCollectionAt: now.toISOString(),
    lastCollectionRunId: 'bench',
    lastReportAt: now.toISOString(),
  });
  const seedSeconds = (performance.now() - t0) / 1000;
  // What a summary recompute from rows would cost on every upload.
  const t1 = performance.now();
  let read = 0;
  for await (const _ of store.postures()) read++;
  const fullReadSeconds = (performance.now() - t1) / 1000;
  return { store, writes, seedSeconds, fullReadSeconds, read };
}

async function startHost(
  connectionString: string,
  prefix: string,
): Promise<{ url: string; child: ChildProcess }> {
  const port = await freePort();
  const child = spawn(
    process.execPath,
    [join(ROOT, 'dist/cli/resetready.js'), 'serve', '--port', String(port)],
    {
      stdio: ['ignore', 'ignore', 'inherit'],
      env: {
        ...process.env,
        STORAGE_CONNECTION_STRING: connectionString,
        TABLE_PREFIX: prefix,
        // Never contacted: these routes read storage only.
        GRAPH_BASE_URL: 'https://localhost:9',
        FUNCTIONS_KEY: KEY,
      },
    },
  );
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 300; i++) {
    if (child.exitCode !== null) throw new Error(`host exited with ${child.exitCode}`);
    try {
      await fetch(`${url}/api/health`);
      return { url, child };
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new Error('host did not start');
}

async function summaryLatency(url: string, requests: number, clients: number) {
  const headers = { 'x-functions-key': KEY };
  for (let i = 0; i < 20; i++) await (await fetch(`${url}/api/summary`, { headers })).arrayBuffer();
  const latencies: number[] = [];
  let next = 0;
  let failures = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (next < requests) {
        next++;
        const s = performance.now();
        const res = await fetch(`${url}/api/summary`, { headers });
        await res.arrayBuffer();
        if (res.status !== 200) failures++;
        latencies.push(performance.now() - s);
      }
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    requests,
    clients,
    failures,
    requestsPerSecond: Number((requests / seconds).toFixed(1)),
    latencyMs: {
      p50: Number(percentile(latencies, 50).toFixed(1)),
      p95: Number(percentile(latencies, 95).toFixed(1)),
      max: Number((latencies.at(-1) ?? 0).toFixed(1)),
    },
  };
}

async function csvExport(url: string) {
  const t0 = performance.now();
  const res = await fetch(`${url}/api/devices?format=csv`, { headers: { 'x-functions-key': KEY } });
  const text = await res.text();
  const seconds = (performance.now() - t0) / 1000;
  const rows = text.split('\r\n').filter((l) => l.length > 0).length - 1;
  return {
    status: res.status,
    rows,
    bytes: Buffer.byteLength(text),
    seconds: Number(seconds.toFixed(2)),
    rowsPerSecond: Math.round(rows / seconds),
  };
}

export async function run(args: string[]): Promise<number> {
  const large = numericArg(args, 'large', 100_000);
  const small = numericArg(args, 'small', 1_000);
  const requests = numericArg(args, 'requests', 2000);
  const clients = numericArg(args, 'clients', 50);
  const azurite = await startAzurite({ inMemory: true });
  const sizes: Record<string, unknown>[] = [];
  try {
    for (const [n, prefix] of [
      [small, 'bsmall'],
      [large, 'blarge'],
    ] as const) {
      const seeded = await seed(azurite.connectionString, prefix, n);
      const host = await startHost(azurite.connectionString, prefix);
      try {
        const summary = await summaryLatency(host.url, requests, clients);
        const csv = n === large ? await csvExport(host.url) : null;
        sizes.push({
          devices: n,
          seed: {
            inserted: seeded.writes.inserted,
            batches: seeded.writes.batches,
            seconds: Number(seeded.seedSeconds.toFixed(2)),
          },
          fullPostureRead: {
            rows: seeded.read,
            seconds: Number(seeded.fullReadSeconds.toFixed(2)),
          },
          summary,
          ...(csv ? { csvExport: csv } : {}),
        });
      } finally {
        host.child.kill('SIGTERM');
      }
    }
  } finally {
    await azurite.stop();
  }
  const result = {
    bench: 'serve',
    at: new Date().toISOString(),
    machine: { cpus: cpus().length, node: process.version },
    sizes,
    odata: 'measured by bench/odata-export (npm run bench -- odata-export)',
  };
  mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
  writeFileSync(join(ROOT, 'bench/results/serve.json'), `${JSON.stringify(result, null, 2)}\n`);
  console.log(JSON.stringify(result, null, 2));
  const ok = sizes.every((s) => (s.summary as { failures: number }).failures === 0);
  return ok ? 0 : 1;
}
