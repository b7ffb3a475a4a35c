/**
 * The in-process queue runner against Azurite's queue service, behaving as the Functions host
 * does with host.json's queue settings: retries with a visibility timeout, redelivery after a
 * crash, the move to `<queue>-poison` after maxDequeueCount, and a drain that ends when the
 * queues are empty. Workers are real QueueWorkers, called through the same handleQueueMessage
 * the registered triggers use.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { AzureQueues } from '../../shared/queue/azure.js';
import { queueBindings } from '../../shared/queue/bindings.js';
import { defineMessage, type Envelope } from '../../shared/queue/envelope.js';
import { poisonQueueName } from '../../shared/queue/names.js';
import type { Delivery, QueueWorker } from '../../shared/queue/port.js';
import { QueueRunner } from '../../shared/queue/runner.js';
import { testStorageConnectionString, uniqueTablePrefix } from '../support/env.js';

const job = defineMessage('test.job', z.object({ n: z.number().int() }));
type Job = { n: number };

function setup() {
  const settings = { connectionString: testStorageConnectionString(), tablePrefix: uniqueTablePrefix('q') };
  return { settings, queues: AzureQueues.fromSettings(settings) };
}

const runners: QueueRunner[] = [];
afterEach(async () => {
  for (const r of runners.splice(0)) r.kill();
});

function runner(
  queues: AzureQueues,
  workers: QueueWorker<string, Job>[],
  settings: { tablePrefix: string },
  options: Partial<ConstructorParameters<typeof QueueRunner>[0]> = {},
  log: string[] = [],
): QueueRunner {
  const r = new QueueRunner({
    queues,
    bindings: queueBindings(workers, settings, (level, event, fields) =>
      log.push(`${level} ${event} ${JSON.stringify(fields)}`),
    ),
    batchSize: 8,
    maxDequeueCount: 3,
    visibilityTimeoutSeconds: 0,
    maxPollingIntervalMs: 200,
    leaseSeconds: 30,
    log: (line) => log.push(line),
    ...options,
  });
  runners.push(r);
  return r;
}

function worker(
  handle: (body: Job, d: Delivery) => Promise<void>,
  poisoned?: QueueWorker<string, Job>['poisoned'],
): QueueWorker<string, Job> {
  return { name: 'testJob', work: 'jobs', message: job, handle, ...(poisoned ? { poisoned } : {}) };
}

describe('queue runner', () => {
  it('drains every message once, in parallel, and reports an empty queue', async () => {
    const { settings, queues } = setup();
    const seen: number[] = [];
    let running = 0;
    let peak = 0;
    const w = worker(async (b) => {
      running++;
      peak = Math.max(peak, running);
      await new Promise((r) => setTimeout(r, 20));
      seen.push(b.n);
      running--;
    });
    await Promise.all(Array.from({ length: 60 }, (_, n) => queues.send('jobs', job.create({ n }))));
    expect(await queues.count(queues.name('jobs'))).toBe(60);
    const result = await runner(queues, [w], settings).drain({ timeoutMs: 60_000 });
    expect(result).toMatchObject({ drained: true, processed: 60, failed: 0, poisoned: 0, remaining: 0 });
    expect(seen.sort((a, b) => a - b)).toEqual(Array.from({ length: 60 }, (_, n) => n));
    expect(peak).toBeGreaterThan(1);
    expect(peak).toBeLessThanOrEqual(8);
    expect(await queues.count(queues.name('jobs'))).toBe(0);
  });

  it('retries a failed message with a higher dequeueCount, after the visibility timeout', async () => {
    const { settings, queues } = setup();
    const attempts: { count: number; at: number }[] = [];
    const w = worker(async (_b, d) => {
      attempts.push({ count: d.dequeueCount, at: Date.now() });
      if (d.dequeueCount < 2) throw new Error('transient');
    });
    await queues.send('jobs', job.create({ n: 1 }));
    const result = await runner(queues, [w], settings, { visibilityTimeoutSeconds: 2 }).drain({
      timeoutMs: 30_000,
    });
    expect(result).toMatchObject({ drained: true, processed: 1, failed: 1, poisoned: 0 });
    expect(attempts.map((a) => a.count)).toEqual([1, 2]);
    expect(attempts[1]!.at - attempts[0]!.at).toBeGreaterThanOrEqual(1500);
  });

  it('delivers a message again after a crash, once its lease runs out', async () => {
    const { settings, queues } = setup();
    const log: string[] = [];
    // The first process takes the message and dies in the middle of the handler.
    const hung = worker(() => new Promise<void>(() => {}));
    const first = runner(queues, [hung], settings, { leaseSeconds: 2 }, log);
    await queues.send('jobs', job.create({ n: 42 }));
    first.start();
    const deadline = Date.now() + 10_000;
    while (first.stats.processed === 0 && Date.now() < deadline) {
      // the message is in flight once the queue shows it but nothing can receive it
      const probe = await queues.receive(queues.name('jobs'), 1, 1);
      if (probe.length === 0) break;
      await queues.setVisibility(queues.name('jobs'), probe[0]!.messageId, probe[0]!.popReceipt, 0);
      await new Promise((r) => setTimeout(r, 100));
    }
    first.kill();
    const redelivered: Delivery[] = [];
    const second = runner(queues, [worker(async (_b, d) => void redelivered.push(d))], settings);
    const result = await second.drain({ timeoutMs: 20_000 });
    expect(result).toMatchObject({ drained: true, processed: 1 });
    expect(redelivered).toHaveLength(1);
    expect(redelivered[0]!.dequeueCount).toBe(2);
  });

  it('moves a message that keeps failing to <queue>-poison after maxDequeueCount, where its handler records it', async () => {
    const { settings, queues } = setup();
    const log: string[] = [];
    let attempts = 0;
    const recorded: { body: Job | null; envelope: Envelope | null; count: number }[] = [];
    const w = worker(
      async () => {
        attempts++;
        throw new Error('always');
      },
      async (body, envelope, d) => {
        recorded.push({ body, envelope, count: d.dequeueCount });
      },
    );
    const sent = job.create({ n: 9 });
    await queues.send('jobs', sent);
    const result = await runner(queues, [w], settings, {}, log).drain({ timeoutMs: 30_000 });
    expect(attempts).toBe(3);
    expect(result).toMatchObject({ drained: true, failed: 3, poisoned: 1 });
    expect(recorded).toEqual([{ body: { n: 9 }, envelope: sent, count: 1 }]);
    expect(log.some((l) => l.includes('queue_message_poisoned') && l.includes(sent.id))).toBe(true);
    expect(await queues.count(queues.name('jobs'))).toBe(0);
    expect(await queues.count(poisonQueueName(queues.name('jobs')))).toBe(0);
  });

  it('keeps a poisoned message in <queue>-poison when nothing handles it there', async () => {
    const { settings, queues } = setup();
    const w = worker(async () => {
      throw new Error('always');
    });
    await queues.send('jobs', job.create({ n: 3 }));
    const result = await runner(queues, [w], settings).drain({ timeoutMs: 30_000 });
    expect(result).toMatchObject({ drained: true, poisoned: 1 });
    const [kept] = await queues.receive(poisonQueueName(queues.name('jobs')), 1, 1);
    expect(job.read(JSON.parse(Buffer.from(kept!.messageText, 'base64').toString('utf8')))).toEqual({ n: 3 });
  });

  it('sends a message that is not base64 straight to poison, as the host cannot decode it either', async () => {
    const { settings, queues } = setup();
    const log: string[] = [];
    const calls: unknown[] = [];
    const w = worker(
      async (b) => void calls.push(b),
      async (b) => void calls.push(b),
    );
    await queues.sendText(queues.name('jobs'), 'secret-looking text that is not base64!');
    const result = await runner(queues, [w], settings, {}, log).drain({ timeoutMs: 30_000 });
    // Neither the worker nor its poison handler can read it: it ends in <queue>-poison-poison.
    expect(result).toMatchObject({ drained: true, failed: 0, poisoned: 2 });
    expect(calls).toEqual([]);
    expect(await queues.count(poisonQueueName(poisonQueueName(queues.name('jobs'))))).toBe(1);
    expect(log.join('\n')).not.toContain('secret-looking');
  });

  it('retries a message that is not an envelope, then its poison handler gets null and nothing of its content is logged', async () => {
    const { settings, queues } = setup();
    const log: string[] = [];
    const recorded: (Job | null)[] = [];
    const w = worker(
      async () => {
        throw new Error('never called');
      },
      async (body) => void recorded.push(body),
    );
    await queues.sendText(queues.name('jobs'), Buffer.from('{"secret":"looking"}').toString('base64'));
    const result = await runner(queues, [w], settings, {}, log).drain({ timeoutMs: 30_000 });
    expect(result).toMatchObject({ drained: true, poisoned: 1, failed: 3 });
    expect(recorded).toEqual([null]);
    expect(log.some((l) => l.includes('queue_message_unreadable'))).toBe(true);
    expect(log.join('\n')).not.toContain('looking');
  });

  it('holds a delayed message back until its delay has passed', async () => {
    const { settings, queues } = setup();
    const at: number[] = [];
    const sentAt = Date.now();
    await queues.send('jobs', job.create({ n: 1 }), { delaySeconds: 2 });
    const result = await runner(queues, [worker(async () => void at.push(Date.now()))], settings).drain({
      timeoutMs: 20_000,
    });
    expect(result.processed).toBe(1);
    expect(at[0]! - sentAt).toBeGreaterThanOrEqual(1500);
  });
});
