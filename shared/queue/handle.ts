/**
 * One queue delivery → one QueueWorker call. The registered Functions trigger
 * (functions/queues.ts) and the in-process runner both come through here, so a handler runs
 * the same under either.
 */
import { type Envelope, EnvelopeError, readEnvelope } from './envelope.js';
import type { Delivery, QueueLog, QueueWorker } from './port.js';

/** Trigger metadata as the host gives it (values may arrive as strings or numbers). */
export type TriggerMetadataLike = { readonly [key: string]: unknown } | object | undefined;

export function deliveryOf(meta: TriggerMetadataLike, log: QueueLog): Delivery {
  const metadata = meta as Readonly<Record<string, unknown>> | undefined;
  const count = Number(metadata?.dequeueCount ?? 1);
  const inserted = metadata?.insertionTime;
  return {
    messageId: typeof metadata?.id === 'string' ? metadata.id : '',
    dequeueCount: Number.isFinite(count) && count > 0 ? count : 1,
    insertedAt:
      inserted instanceof Date ? inserted.toISOString() : typeof inserted === 'string' ? inserted : null,
    log,
  };
}

/** Runs the worker on one message of its queue. Throws to ask for a retry. */
export async function handleQueueMessage<K extends string, B>(
  worker: QueueWorker<K, B>,
  input: unknown,
  metadata: TriggerMetadataLike,
  log: QueueLog,
): Promise<void> {
  const delivery = deliveryOf(metadata, log);
  const envelope = readEnvelope(input);
  const body = worker.message.read(envelope);
  await worker.handle(body, delivery);
}

/**
 * Runs the worker's poison handler on one message of `<queue>-poison`. An unreadable message is
 * logged (kind and id only) and given to the handler as null: the fact that something failed is
 * kept, its content never logged.
 */
export async function handlePoisonMessage<K extends string, B>(
  worker: QueueWorker<K, B>,
  input: unknown,
  metadata: TriggerMetadataLike,
  log: QueueLog,
): Promise<void> {
  const delivery = deliveryOf(metadata, log);
  let envelope: Envelope | null = null;
  let body: B | null = null;
  try {
    envelope = readEnvelope(input);
    body = worker.message.read(envelope);
  } catch (err) {
    if (!(err instanceof EnvelopeError)) throw err;
    log('error', 'queue_message_unreadable', {
      worker: worker.name,
      messageId: delivery.messageId,
      kind: envelope?.kind ?? null,
      problem: err.message.slice(0, 200),
    });
  }
  log('error', 'queue_message_poisoned', {
    worker: worker.name,
    messageId: delivery.messageId,
    kind: envelope?.kind ?? null,
    envelopeId: envelope?.id ?? null,
  });
  await worker.poisoned?.(body, envelope, delivery);
}
