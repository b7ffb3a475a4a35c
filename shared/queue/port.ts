/**
 * The queue port: what the product needs from a queue service, and the contract of a handler.
 * Handlers are written once against `QueueWorker` and run unchanged under the real Functions
 * queue trigger (functions/queues.ts registers them with app.storageQueue) and under the
 * in-process QueueRunner (npm start, resetready serve, the CLI, tests).
 *
 * Delivery is at least once: a handler may see the same message twice (a crash after its work
 * but before the delete, a visibility timeout during a slow run), so every handler is
 * idempotent (deterministic keys, Replace upserts, create-if-absent claims).
 */
import type { Envelope, MessageType } from './envelope.js';

export interface SendOptions {
  /** The message stays invisible this long first (0-7 days). */
  delaySeconds?: number;
}

export interface QueueSender {
  /** Enqueues the envelope on the queue of this work (a logical name, e.g. "recompute"). */
  send(work: string, envelope: Envelope, options?: SendOptions): Promise<void>;
}

export type QueueLog = (
  level: 'info' | 'warn' | 'error',
  event: string,
  fields: Record<string, unknown>,
) => void;

/** What the trigger knows about one delivery (Functions triggerMetadata). */
export interface Delivery {
  messageId: string;
  /** 1 on the first delivery; the host moves the message to `<queue>-poison` after maxDequeueCount. */
  dequeueCount: number;
  insertedAt: string | null;
  log: QueueLog;
}

export interface QueueWorker<K extends string = string, B = unknown> {
  /** Function name, e.g. "recomputePosture". Unique in the app. */
  name: string;
  /** Logical queue (see names.ts), e.g. "recompute". */
  work: string;
  message: MessageType<K, B>;
  /** Does the work. Throwing makes the message visible again (retry), then poison. */
  handle(body: B, delivery: Delivery): Promise<void>;
  /**
   * Runs for a message that reached `<queue>-poison`: records the failure durably (a failed run,
   * a repair marker) so it is never lost silently. Its own failure leaves the poison message for
   * another try. `body` is null when the message could not be read at all.
   */
  poisoned?(body: B | null, envelope: Envelope | null, delivery: Delivery): Promise<void>;
}
