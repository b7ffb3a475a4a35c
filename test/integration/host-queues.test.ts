/**
 * The local host runs queue triggers as the Functions host does: it reads the registration
 * (queue name, connection setting), polls the queue through that connection, hands the
 * function the decoded JSON with its trigger metadata, and follows host.json's queue settings
 * (maxDequeueCount, then `<queue>-poison`). POST /admin/queues/drain waits until the queues are
 * empty, which is how `npm start` knows the uploads' recomputes are done.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalHost, startLocalHost } from '../../dev/host.js';
import { AzureQueues } from '../../shared/queue/azure.js';
import { testStorageConnectionString, uniqueTablePrefix } from '../support/env.js';

const KEY = 'host-queue-key-0123456789';
const ENTRY = fileURLToPath(new URL('../support/host-queue-app.ts', import.meta.url));
const queue = `${uniqueTablePrefix('hq').toLowerCase()}-work`;
let host: LocalHost;
let queues: AzureQueues;
const logs: string[] = [];

beforeAll(async () => {
  process.env.RR_HOST_QUEUE = queue;
  process.env.RR_HOST_QUEUE_CONN = testStorageConnectionString();
  const dir = mkdtempSync(join(tmpdir(), 'rr-host-json-'));
  const hostJson = join(dir, 'host.json');
  writeFileSync(
    hostJson,
    JSON.stringify({
      version: '2.0',
      extensions: {
        queues: {
          batchSize: 4,
          maxDequeueCount: 2,
          visibilityTimeout: '00:00:00',
          messageEncoding: 'base64',
        },
      },
    }),
  );
  host = await startLocalHost({
    port: 0,
    entryPoint: ENTRY,
    key: KEY,
    log: (l) => logs.push(l),
    hostJsonPath: hostJson,
  });
  queues = AzureQueues.fromSettings({
    connectionString: testStorageConnectionString(),
    tablePrefix: 'unused',
  });
});

afterAll(async () => {
  await host?.stop();
});

const send = (body: unknown) => queues.sendText(queue, Buffer.from(JSON.stringify(body)).toString('base64'));

describe('local host: queue triggers', () => {
  it('lists the queue function with its queue and connection', () => {
    expect(host.functions).toContainEqual(
      expect.objectContaining({
        name: 'work',
        kind: 'queue',
        queueName: queue,
        connection: 'RR_HOST_QUEUE_CONN',
      }),
    );
  });

  it('hands the function the decoded JSON and its dequeueCount, and drains on request', async () => {
    await Promise.all([1, 2, 3].map((n) => send({ n })));
    const res = await fetch(`${host.url}/admin/queues/drain`, {
      method: 'POST',
      headers: { 'x-functions-key': KEY },
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ drained: true, remaining: 0 });
    for (const n of [1, 2, 3]) expect(logs).toContain(`[work] information: work n=${n} dequeueCount=1`);
  });

  it('retries a failing message, then moves it to <queue>-poison after maxDequeueCount', async () => {
    await send({ n: 99, fail: true });
    const result = await host.drainQueues(20_000);
    expect(result).toMatchObject({ drained: true, failed: 2, poisoned: 1 });
    expect(logs.filter((l) => l.startsWith('[work] information: work n=99'))).toEqual([
      '[work] information: work n=99 dequeueCount=1',
      '[work] information: work n=99 dequeueCount=2',
    ]);
    expect(await queues.count(`${queue}-poison`)).toBe(1);
  });

  it('answers the admin queue API only with the key', async () => {
    expect((await fetch(`${host.url}/admin/queues/drain`, { method: 'POST' })).status).toBe(401);
    const res = await fetch(`${host.url}/admin/queues`, { headers: { 'x-functions-key': KEY } });
    expect(await res.json()).toEqual({ queues: [queue], messages: 0 });
  });
});
