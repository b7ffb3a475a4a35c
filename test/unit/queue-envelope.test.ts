/**
 * The message envelope: what the app enqueues is what the Functions queue trigger reads with
 * its default `messageEncoding: base64` (decoded, then JSON parsed for a JavaScript function).
 */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  decodeAsHost,
  defineMessage,
  EnvelopeError,
  encodeEnvelope,
  MAX_ENVELOPE_JSON_BYTES,
  readEnvelope,
} from '../../shared/queue/envelope.js';
import { queueHostSettings, timeSpanMs } from '../../shared/queue/host-settings.js';
import { poisonQueueName, queueName } from '../../shared/queue/names.js';

const ping = defineMessage('test.ping', z.object({ n: z.number().int(), note: z.string().max(50_000) }));
const now = new Date('2031-05-06T07:08:09.000Z');

describe('message envelope', () => {
  it('is base64 of UTF-8 JSON, read back by the host decoding into the same envelope', () => {
    const e = ping.create({ n: 7, note: 'Grüße ✓' }, { now, id: 'm-1' });
    const text = encodeEnvelope(e);
    expect(text).toMatch(/^[A-Za-z0-9+/]+=*$/);
    expect(JSON.parse(Buffer.from(text, 'base64').toString('utf8'))).toEqual({
      v: 1,
      kind: 'test.ping',
      id: 'm-1',
      at: '2031-05-06T07:08:09.000Z',
      body: { n: 7, note: 'Grüße ✓' },
    });
    const asHost = decodeAsHost(text);
    expect(readEnvelope(asHost)).toEqual(e);
    // A string input (a host that hands the text over unparsed) reads the same.
    expect(readEnvelope(Buffer.from(text, 'base64').toString('utf8'))).toEqual(e);
    expect(ping.read(readEnvelope(asHost))).toEqual({ n: 7, note: 'Grüße ✓' });
  });

  it('refuses a body its schema refuses, at the sender, naming the field', () => {
    expect(() => ping.create({ n: 1.5, note: '' })).toThrow(/test\.ping: n:/);
  });

  it('refuses a message over the size cap at the sender, so it never reaches the 64 KiB queue limit', () => {
    expect(() => ping.create({ n: 1, note: 'x'.repeat(MAX_ENVELOPE_JSON_BYTES) })).toThrow(EnvelopeError);
    const big = ping.create({ n: 1, note: 'x'.repeat(44_000) });
    expect(encodeEnvelope(big).length).toBeLessThan(64 * 1024);
  });

  it('refuses unknown versions, other kinds and non-envelopes', () => {
    const e = ping.create({ n: 1, note: '' });
    expect(() => readEnvelope({ ...e, v: 2 })).toThrow(/version 2/);
    expect(() => readEnvelope('not json')).toThrow(/not JSON/);
    expect(() => readEnvelope([1])).toThrow(/not an envelope/);
    expect(() => ping.read({ ...e, kind: 'other' })).toThrow(/expected a test.ping/);
    expect(() => decodeAsHost('this is not base64!')).toThrow(/not base64/);
  });
});

describe('queue names and host settings', () => {
  it('derive from the table prefix, lower case, with room for the poison suffix', () => {
    expect(queueName({ tablePrefix: 'RrTest1' }, 'recompute')).toBe('rrtest1-recompute');
    expect(poisonQueueName('rrtest1-recompute')).toBe('rrtest1-recompute-poison');
    expect(() => queueName({ tablePrefix: 'r'.repeat(50) }, 'recompute')).toThrow(/not valid/);
  });

  it('read host.json as the host does, defaults where unset', () => {
    expect(timeSpanMs('00:00:30')).toBe(30_000);
    expect(timeSpanMs('00:01:00.5')).toBe(60_500);
    expect(
      queueHostSettings({
        extensions: { queues: { batchSize: 4, visibilityTimeout: '00:00:30', maxDequeueCount: 3 } },
      }),
    ).toEqual({
      batchSize: 4,
      maxDequeueCount: 3,
      visibilityTimeoutSeconds: 30,
      maxPollingIntervalMs: 60_000,
    });
    expect(queueHostSettings({})).toEqual({
      batchSize: 16,
      maxDequeueCount: 5,
      visibilityTimeoutSeconds: 0,
      maxPollingIntervalMs: 60_000,
    });
    expect(() => queueHostSettings({ extensions: { queues: { messageEncoding: 'none' } } })).toThrow(
      /base64/,
    );
  });
});
