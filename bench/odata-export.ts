/**
 * bench/odata-export: a full OData export of the Devices entity set, as Power BI's refresh does
 * it. Seeds N posture rows into Azurite (started here, in memory) with postureEntity, so the
 * stored types are the product's, then reads /api/odata/Devices to the end by following
 * @odata.nextLink:
 *  - over HTTP: the built composition root (dist/functions/index.js) served by the local
 *    Functions host, keyed, default server page size (1,000 rows) — what a client sees;
 *  - in process: the same entity sets through createODataService, no HTTP — the feed's own cost.
 *
 *   npm run bench -- odata-export [--devices 100000] [--concurrency 16]
 *
 * Writes bench/results/odata-export.json.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TableEntity } from '@azure/data-tables';
import { startAzurite } from '../dev/azurite.js';
import { startLocalHost } from '../dev/host.js';
import { feedSets } from '../shared/feed/sets.js';
import { createODataService } from '../shared/odata/service.js';
import type { DevicePosture, Posture } from '../shared/posture/types.js';
import { postureEntity } from '../shared/posture-store/entities.js';
import { PostureStore } from '../shared/posture-store/store.js';
import { POSTURE_TABLES } from '../shared/posture-store/tables.js';
import { createTableProvider, type TableProvider } from '../shared/storage/tables.js';
import { numericArg } from './stats.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const KEY = 'bench-odata-export-key-0123456789';
const POSTURES: Posture[] = [
  'nonDestructive',
  'nonDestructive',
  'destructiveOnly',
  'noHelloKey',
  'notReported',
];

/** A plausible device record: every published column filled, as a reporting device has them. */
function syntheticPosture(i: number, now: Date): DevicePosture {
  const posture = POSTURES[i % POSTURES.length] as Posture;
  const day = new Date(now.getTime() - (i % 30) * 86_400_000).toISOString();
  const destructive = posture === 'destructiveOnly';
  return {
    managedDeviceId: randomUUID(),
    deviceId: randomUUID(),
    deviceName: `PC-${String(i).padStart(6, '0')}`,
    userPrincipalName: `user${i}@contoso.example`,
    posture,
    reasonCodes: destructive ? 'POLICY_NOT_TARGETED' : '',
    reasons: [],
    primaryReason: destructive ? 'POLICY_NOT_TARGETED' : null,
    complianceState: i % 7 === 0 ? 'noncompliant' : 'compliant',
    joinType: 'azureADJoined',
    osVersion: `10.0.${22631 + (i % 3)}.${4000 + (i % 500)}`,
    osBuild: 22631 + (i % 3),
    lastSyncDateTime: day,
    lastReportAt: posture === 'notReported' ? null : day,
    destructiveOnlySince: destructive ? day : null,
    daysDestructiveOnly: destructive ? i % 30 : null,
    targetingResult: 'enabled',
    targetingPolicyIds: 'policy-1',
    hybridKeyTrustRisk: false,
    resettableNow: false,
    removed: false,
    userCount: 1 + (i % 3),
    users: [],
    warnings: [],
    warningCodes: '',
    evaluatedAt: now.toISOString(),
  };
}

/** Posture rows in partition batches of 100, `concurrency` batches in flight. */
async function seed(tables: TableProvider, devices: number, concurrency: number): Promise<number> {
  const now = new Date();
  const byPartition = new Map<string, TableEntity[]>();
  for (let i = 0; i < devices; i++) {
    const record = syntheticPosture(i, now);
    const entity = postureEntity(record.deviceId, record, null);
    const list = byPartition.get(entity.partitionKey) ?? [];
    list.push(entity);
    byPartition.set(entity.partitionKey, list);
  }
  const batches: TableEntity[][] = [];
  for (const list of byPartition.values())
    for (let i = 0; i < list.length; i += 100) batches.push(list.slice(i, i + 100));
  const table = await tables.table(POSTURE_TABLES.posture);
  const started = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < batches.length) {
        const batch = batches[next++] as TableEntity[];
        await table.submitTransaction(batch.map((e) => ['upsert', e, 'Replace'] as const) as never);
      }
    }),
  );
  return performance.now() - started;
}

interface Export {
  rows: number;
  pages: number;
  seconds: number;
  rowsPerSecond: number;
  bytes: number;
}

/** Follows nextLink from `first` to the end; `get` returns the JSON body text of one page. */
async function exportAll(first: string, get: (url: string) => Promise<string>): Promise<Export> {
  const started = performance.now();
  let url: string | undefined = first;
  let rows = 0;
  let pages = 0;
  let bytes = 0;
  while (url) {
    const text = await get(url);
    bytes += text.length;
    const body = JSON.parse(text) as { value: unknown[]; '@odata.nextLink'?: string };
    rows += body.value.length;
    pages++;
    url = body['@odata.nextLink'];
  }
  const seconds = (performance.now() - started) / 1000;
  return {
    rows,
    pages,
    seconds: Number(seconds.toFixed(2)),
    rowsPerSecond: Math.round(rows / seconds),
    bytes,
  };
}

export async function run(args: string[]): Promise<number> {
  const devices = numericArg(args, 'devices', 100_000, 1);
  const concurrency = numericArg(args, 'concurrency', 16, 1);
  const azurite = await startAzurite({ inMemory: true });
  const prefix = 'benchodata';
  Object.assign(process.env, {
    STORAGE_CONNECTION_STRING: azurite.connectionString,
    TABLE_PREFIX: prefix,
    // The composition root validates Graph settings at load; nothing here calls Graph.
    GRAPH_BASE_URL: process.env.GRAPH_BASE_URL ?? 'https://graph.invalid',
    GRAPH_ACCESS_TOKEN: process.env.GRAPH_ACCESS_TOKEN ?? 'unused',
  });
  const tables = createTableProvider({ connectionString: azurite.connectionString, tablePrefix: prefix });
  let host: Awaited<ReturnType<typeof startLocalHost>> | undefined;
  try {
    const seedMs = await seed(tables, devices, concurrency);

    host = await startLocalHost({
      port: 0,
      entryPoint: join(ROOT, 'dist/functions/index.js'),
      key: KEY,
      log: () => {},
    });
    const http = await exportAll(`${host.url}/api/odata/Devices?code=${KEY}`, async (url) => {
      const res = await fetch(url);
      if (res.status !== 200) throw new Error(`page answered ${res.status}`);
      return res.text();
    });

    const service = createODataService(feedSets({ tables, posture: new PostureStore(tables) }));
    const inProcess = await exportAll('http://bench.local/api/odata/Devices', async (url) => {
      const res = await service.handle({
        method: 'GET',
        url,
        path: 'Devices',
        header: () => null,
      });
      if (res.status !== 200) throw new Error(`page answered ${res.status}`);
      return res.body;
    });

    const result = {
      bench: 'odata-export',
      at: new Date().toISOString(),
      machine: { cpus: cpus().length, node: process.version },
      devices,
      seed: { seconds: Number((seedMs / 1000).toFixed(2)), concurrency, batchSize: 100 },
      http: { ...http, via: 'local Functions host, dist/functions/index.js, default page size' },
      inProcess: { ...inProcess, via: 'createODataService(feedSets(...)), no HTTP' },
      peakRssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
    };
    mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
    writeFileSync(join(ROOT, 'bench/results/odata-export.json'), `${JSON.stringify(result, null, 2)}\n`);
    console.log(JSON.stringify(result, null, 2));
    return http.rows === devices && inProcess.rows === devices ? 0 : 1;
  } finally {
    await host?.stop();
    await azurite.stop();
  }
}
