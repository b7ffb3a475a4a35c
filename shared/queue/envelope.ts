/**
 * The one message envelope every queue carries: versioned JSON, typed per kind, encoded the way
 * the Functions queue trigger reads it by default.
 *
 * Encoding: the Storage Queues extension (5.x, extension bundle 4.x) decodes messages as
 * base64 unless host.json says `"messageEncoding": "none"` (Learn: "Azure Queue storage trigger
 * and bindings", host.json settings: messageEncoding, default `base64`). The JavaScript SDK
 * sends text verbatim, so we base64 the UTF-8 JSON ourselves; host.json states the default
 * explicitly, and a test decodes what we enqueue the way the host does.
 *
 * Size: a queue message is at most 64 KiB; base64 makes 3 bytes 4 characters, so the JSON is
 * capped at 45,000 bytes (60,000 characters encoded), well under the limit. Bodies are small by
 * design (ids, a nextLink, a shard key): anything bigger belongs in a table row the message names.
 */
import { randomUUID } from 'node:crypto';
import type { z } from 'zod';

export const ENVELOPE_VERSION = 1;
export const MAX_ENVELOPE_JSON_BYTES = 45_000;

export interface Envelope<K extends string = string, B = unknown> {
  /** Envelope version; a reader refuses versions it does not know rather than guess. */
  v: typeof ENVELOPE_VERSION;
  /** What the body is, e.g. "posture.recompute". */
  kind: K;
  /** Unique per message (logs, deduplication where a handler needs it). */
  id: string;
  /** When it was enqueued (ISO). */
  at: string;
  body: B;
}

export class EnvelopeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EnvelopeError';
  }
}

/** A message kind with its body schema: the one place a queue's payload shape is defined. */
export interface MessageType<K extends string, B> {
  kind: K;
  /** A new envelope for `body` (validated, size-checked). */
  create(body: B, options?: { now?: Date; id?: string }): Envelope<K, B>;
  /** The typed body of an envelope of this kind, or an EnvelopeError. */
  read(envelope: Envelope): B;
}

export function defineMessage<K extends string, S extends z.ZodType>(
  kind: K,
  schema: S,
): MessageType<K, z.output<S>> {
  const parse = (value: unknown): z.output<S> => {
    const r = schema.safeParse(value);
    if (!r.success) {
      const issue = r.error.issues[0];
      const where = issue?.path.length ? issue.path.map(String).join('.') : 'body';
      throw new EnvelopeError(`${kind}: ${where}: ${issue?.message ?? 'invalid'}`);
    }
    return r.data;
  };
  return {
    kind,
    create(body, options = {}) {
      const envelope: Envelope<K, z.output<S>> = {
        v: ENVELOPE_VERSION,
        kind,
        id: options.id ?? randomUUID(),
        at: (options.now ?? new Date()).toISOString(),
        body: parse(body),
      };
      encodeEnvelope(envelope); // fail at the sender, not in a worker, when it is too big
      return envelope;
    },
    read(envelope) {
      if (envelope.kind !== kind) throw new EnvelopeError(`expected a ${kind} message, got ${envelope.kind}`);
      return parse(envelope.body);
    },
  };
}

/** Envelope → queue message text (base64 of UTF-8 JSON). */
export function encodeEnvelope(envelope: Envelope): string {
  const json = Buffer.from(JSON.stringify(envelope), 'utf8');
  if (json.length > MAX_ENVELOPE_JSON_BYTES) {
    throw new EnvelopeError(
      `${envelope.kind} message is ${json.length} bytes of JSON, over ${MAX_ENVELOPE_JSON_BYTES}: store the payload in a table and send its key`,
    );
  }
  return json.toString('base64');
}

/**
 * What the queue trigger hands a function → Envelope. The host base64-decodes the text and,
 * for JavaScript, passes JSON as an object (a plain string otherwise), so both are accepted.
 */
export function readEnvelope(input: unknown): Envelope {
  let value = input;
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value);
    } catch {
      throw new EnvelopeError('the queue message is not JSON');
    }
  }
  if (Buffer.isBuffer(value) || value instanceof Uint8Array) {
    return readEnvelope(Buffer.from(value).toString('utf8'));
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new EnvelopeError('the queue message is not an envelope object');
  }
  const e = value as Partial<Envelope>;
  if (e.v !== ENVELOPE_VERSION) throw new EnvelopeError(`unknown envelope version ${String(e.v)}`);
  if (typeof e.kind !== 'string' || e.kind.length === 0) throw new EnvelopeError('the envelope has no kind');
  if (typeof e.id !== 'string' || typeof e.at !== 'string')
    throw new EnvelopeError('the envelope has no id or time');
  return { v: ENVELOPE_VERSION, kind: e.kind, id: e.id, at: e.at, body: e.body };
}

/** Queue message text → what the host passes a JavaScript function: parsed JSON, else the string. */
export function decodeAsHost(messageText: string): unknown {
  const text = Buffer.from(messageText, 'base64').toString('utf8');
  // The host refuses text that is not base64; a round trip tells us whether it was.
  if (Buffer.from(text, 'utf8').toString('base64').replace(/=+$/, '') !== messageText.replace(/=+$/, '')) {
    throw new EnvelopeError('the queue message is not base64');
  }
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
