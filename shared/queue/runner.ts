/**
 * QueueRunner: plays the Functions host's queue-trigger part where the host is absent
 * (`npm start`, `resetready serve`, the CLI, tests), against real queues (Azurite locally).
 * It does what the host does with host.json's `extensions.queues`:
 *  - receives up to `batchSize` messages per queue at once, each invisible while it runs
 *    (`leaseSeconds`, renewed at half-time so a slow handler keeps its message);
 *  - on success deletes the message; on failure makes it visible again after
 *    `visibilityTimeout` seconds, and once it has been dequeued `maxDequeueCount` times moves
 *    it to `<queue>-poison` (copy, then delete), as the host does;
 *  - a message that is not base64 goes to poison at once (the host cannot decode it either);
 *  - passes the handler what the host passes a JavaScript function: the base64-decoded text,
 *    parsed when it is JSON, and the trigger metadata (id, dequeueCount, insertionTime...).
 * A crash (process killed) leaves in-flight messages invisible until their lease ends; then
 * they are delivered again with a higher dequeueCount. `drain()` runs until every bound queue
 * is empty (visible or not) and nothing is in flight.
 */
import type { AzureQueues, ReceivedMessage } from './azure.js';
import { decodeAsHost } from './envelope.js';
import { poisonQueueName } from './names.js';

/** The host's triggerMetadata for a queue message (what a handler may read from its context). */
export interface QueueTriggerMetadata {
  id: string;
  dequeueCount: number;
  insertionTime: string | null;
  expirationTime: string | null;
  nextVisibleTime: string;
  popReceipt: string;
  queueTrigger: string;
}

export interface QueueBinding {
  /** Function name, for logs. */
  name: string;
  /** Physical queue name. */
  queue: string;
  handle(input: unknown, metadata: QueueTriggerMetadata): Promise<unknown>;
}

export interface QueueHostSettings {
  /** Messages fetched and run in parallel per queue (host.json batchSize, default 16). */
  batchSize: number;
  /** Deliveries before a message moves to `<queue>-poison` (host.json maxDequeueCount, default 5). */
  maxDequeueCount: number;
  /** Seconds a failed message stays invisible before its retry (host.json visibilityTimeout). */
  visibilityTimeoutSeconds: number;
  /** Longest pause between polls of an empty queue (host.json maxPollingInterval). */
  maxPollingIntervalMs: number;
}

export interface QueueRunnerOptions extends Partial<QueueHostSettings> {
  queues: AzureQueues;
  bindings: QueueBinding[];
  /** Seconds a running message stays invisible (renewed at half-time); default 60. */
  leaseSeconds?: number;
  log?: (line: string) => void;
}

export interface DrainResult {
  drained: boolean;
  processed: number;
  failed: number;
  poisoned: number;
  /** Messages still in the bound queues when the drain gave up. */
  remaining: number;
}

export const HOST_QUEUE_DEFAULTS: QueueHostSettings = {
  batchSize: 16,
  maxDequeueCount: 5,
  visibilityTimeoutSeconds: 0,
  maxPollingIntervalMs: 60_000,
};

const MIN_POLL_MS = 50;

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export class QueueRunner {
  private readonly settings: QueueHostSettings;
  private readonly leaseSeconds: number;
  private readonly log: (line: string) => void;
  private readonly inFlight = new Set<Promise<void>>();
  private loops: Promise<void>[] = [];
  private running = false;
  private killed = false;
  private wake: (() => void)[] = [];
  private counters = { processed: 0, failed: 0, poisoned: 0 };

  constructor(private readonly options: QueueRunnerOptions) {
    this.settings = {
      batchSize: options.batchSize ?? HOST_QUEUE_DEFAULTS.batchSize,
      maxDequeueCount: options.maxDequeueCount ?? HOST_QUEUE_DEFAULTS.maxDequeueCount,
      visibilityTimeoutSeconds:
        options.visibilityTimeoutSeconds ?? HOST_QUEUE_DEFAULTS.visibilityTimeoutSeconds,
      maxPollingIntervalMs: options.maxPollingIntervalMs ?? HOST_QUEUE_DEFAULTS.maxPollingIntervalMs,
    };
    this.leaseSeconds = options.leaseSeconds ?? 60;
    this.log = options.log ?? (() => {});
  }

  get stats(): { processed: number; failed: number; poisoned: number } {
    return { ...this.counters };
  }

  /** Starts polling every bound queue in the background. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.loops = this.options.bindings.map((b) => this.pump(b));
  }

  /** Stops polling and waits for the messages in flight to finish (a graceful host shutdown). */
  async stop(): Promise<void> {
    this.running = false;
    for (const w of this.wake.splice(0)) w();
    await Promise.allSettled(this.loops);
    await Promise.allSettled([...this.inFlight]);
  }

  /**
   * Stops at once without completing anything, as a killed process would: messages in flight
   * stay invisible until their lease ends and are then delivered again. For fault tests.
   */
  kill(): void {
    this.killed = true;
    this.running = false;
    for (const w of this.wake.splice(0)) w();
  }

  /** Runs (starting the pumps if needed) until the bound queues are empty and nothing is in flight. */
  async drain(options: { timeoutMs?: number; settleMs?: number } = {}): Promise<DrainResult> {
    const timeoutMs = options.timeoutMs ?? 120_000;
    const before = { ...this.counters };
    const started = !this.running;
    this.start();
    const deadline = Date.now() + timeoutMs;
    let remaining = Number.NaN;
    try {
      for (;;) {
        if (this.inFlight.size === 0) {
          remaining = await this.remaining().catch(() => Number.NaN);
          if (remaining === 0 && this.inFlight.size === 0) break;
        }
        if (Date.now() > deadline) break;
        for (const w of this.wake.splice(0)) w();
        await sleep(options.settleMs ?? 50);
      }
    } finally {
      if (started) await this.stop();
    }
    return {
      drained: remaining === 0,
      processed: this.counters.processed - before.processed,
      failed: this.counters.failed - before.failed,
      poisoned: this.counters.poisoned - before.poisoned,
      remaining: Number.isNaN(remaining) ? -1 : remaining,
    };
  }

  /** Messages left in the bound queues (poison queues count only when a handler is bound to them). */
  async remaining(): Promise<number> {
    const counts = await Promise.all(this.options.bindings.map((b) => this.options.queues.count(b.queue)));
    return counts.reduce((a, b) => a + b, 0);
  }

  private async pump(binding: QueueBinding): Promise<void> {
    const active = new Set<Promise<void>>();
    let idleMs = MIN_POLL_MS;
    while (this.running) {
      const free = this.settings.batchSize - active.size;
      if (free <= 0) {
        await Promise.race(active);
        continue;
      }
      let batch: ReceivedMessage[] = [];
      try {
        batch = await this.options.queues.receive(binding.queue, free, this.leaseSeconds);
      } catch (err) {
        this.log(`[queues] ${binding.queue}: receive failed (${describe(err)}); retrying`);
      }
      if (!this.running) break; // killed or stopped while receiving: leave them to their lease
      if (batch.length === 0) {
        await this.idle(idleMs);
        idleMs = Math.min(this.settings.maxPollingIntervalMs, idleMs * 2);
        continue;
      }
      idleMs = MIN_POLL_MS;
      for (const m of batch) {
        const p = this.process(binding, m);
        active.add(p);
        this.inFlight.add(p);
        p.finally(() => {
          active.delete(p);
          this.inFlight.delete(p);
        });
      }
    }
  }

  private idle(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake.push(done);
    });
  }

  private async process(binding: BindingLike, m: ReceivedMessage): Promise<void> {
    const queue = binding.queue;
    let popReceipt = m.popReceipt;
    if (m.dequeueCount > this.settings.maxDequeueCount) {
      await this.toPoison(queue, m, popReceipt, 'over maxDequeueCount on receipt');
      return;
    }
    let input: unknown;
    try {
      input = decodeAsHost(m.messageText);
    } catch {
      await this.toPoison(queue, m, popReceipt, 'not base64');
      return;
    }
    // Keep the message invisible while the handler runs, as the host renews its visibility.
    let renewing = Promise.resolve();
    const renew = setInterval(
      () => {
        renewing = renewing.then(async () => {
          if (this.killed) return;
          popReceipt = await this.options.queues
            .setVisibility(queue, m.messageId, popReceipt, this.leaseSeconds)
            .catch(() => popReceipt);
        });
      },
      (this.leaseSeconds * 1000) / 2,
    );
    let error: unknown;
    let ok = false;
    try {
      await binding.handle(input, {
        id: m.messageId,
        dequeueCount: m.dequeueCount,
        insertionTime: m.insertedOn?.toISOString() ?? null,
        expirationTime: m.expiresOn?.toISOString() ?? null,
        nextVisibleTime: new Date(Date.now() + this.leaseSeconds * 1000).toISOString(),
        popReceipt,
        queueTrigger: typeof input === 'string' ? input : JSON.stringify(input),
      });
      ok = true;
    } catch (err) {
      error = err;
    } finally {
      clearInterval(renew);
      await renewing;
    }
    if (this.killed) return; // a dead process completes nothing
    if (ok) {
      this.counters.processed++;
      await this.options.queues.delete(queue, m.messageId, popReceipt).catch((err: unknown) => {
        // Delivered again later: handlers are idempotent.
        this.log(`[queues] ${queue}: delete of ${m.messageId} failed (${describe(err)}); it will run again`);
      });
      return;
    }
    this.counters.failed++;
    this.log(
      `[${binding.name}] error: message ${m.messageId} failed (dequeueCount ${m.dequeueCount}): ${describe(error)}`,
    );
    if (m.dequeueCount >= this.settings.maxDequeueCount) {
      await this.toPoison(queue, m, popReceipt, `failed ${m.dequeueCount} times`);
      return;
    }
    await this.options.queues
      .setVisibility(queue, m.messageId, popReceipt, this.settings.visibilityTimeoutSeconds)
      .catch(() => {
        // The lease runs out on its own; the retry comes a little later.
      });
  }

  private async toPoison(queue: string, m: ReceivedMessage, popReceipt: string, why: string): Promise<void> {
    // As the host: `<queue>-poison`, even for a poison queue (nothing listens to -poison-poison:
    // a person looks there).
    try {
      await this.options.queues.sendText(poisonQueueName(queue), m.messageText);
      await this.options.queues.delete(queue, m.messageId, popReceipt);
      this.counters.poisoned++;
      this.log(`[queues] ${queue}: message ${m.messageId} moved to ${poisonQueueName(queue)} (${why})`);
    } catch (err) {
      // Copied but not deleted means it is delivered again and copied again: a duplicate in the
      // poison queue, never a loss. Poison handlers are idempotent like the others.
      this.log(`[queues] ${queue}: poison move of ${m.messageId} failed (${describe(err)})`);
    }
  }
}

type BindingLike = Pick<QueueBinding, 'name' | 'queue' | 'handle'>;

function describe(err: unknown): string {
  if (err instanceof Error) {
    const code =
      (err as { code?: unknown; statusCode?: unknown }).statusCode ?? (err as { code?: unknown }).code;
    return code !== undefined ? `${err.name} ${String(code)}` : err.name;
  }
  return typeof err;
}
