/**
 * The notify layer's pure parts and its retry rules, with an in-memory fetch and Graph port
 * (the real channels are exercised in test/integration/weekly-report-delivery.test.ts).
 */
import { describe, expect, it } from 'vitest';
import { type GraphPort, GraphRequestError } from '../../shared/graph/port.js';
import {
  ADAPTIVE_CARD_CONTENT_TYPE,
  createNotifier,
  isRetryable,
  SENDMAIL_MAX_BYTES,
  sendMailPath,
  sendMailPayload,
  simpleCard,
  workflowsMessage,
} from '../../shared/notify/index.js';
import { withRetries } from '../../shared/notify/retry.js';

const HOOK = 'https://prod.example/workflows/abc?sig=TOPSECRET';
const card = simpleCard({ title: 't', text: 'x', link: { title: 'Open', url: 'https://r.example/' } });

function fakeGraph(
  answers: (GraphRequestError | null)[],
): GraphPort & { posts: { path: string; body: unknown }[] } {
  const posts: { path: string; body: unknown }[] = [];
  return {
    posts,
    post: async <T>(path: string, body: unknown) => {
      posts.push({ path, body });
      const a = answers.shift();
      if (a) throw a;
      return undefined as T;
    },
    get: async () => {
      throw new Error('unused');
    },
    pages: () => {
      throw new Error('unused');
    },
    batch: async () => [],
    stats: () => ({ requestsByEndpoint: {}, retries: 0 }),
  };
}

function scriptedFetch(answers: (number | Error | [number, string])[]) {
  const calls: RequestInit[] = [];
  const f = (async (_url: string, init: RequestInit) => {
    calls.push(init);
    const a = answers.shift() ?? 202;
    if (a instanceof Error) throw a;
    const [status, retryAfter] = Array.isArray(a) ? a : [a, undefined];
    return new Response(status === 202 ? null : 'denied', {
      status,
      headers: retryAfter ? { 'retry-after': retryAfter } : {},
    });
  }) as unknown as typeof fetch;
  return { f, calls };
}

const settings = (
  over: Partial<{ mailSender: string; mailRecipients: string[]; teamsWebhookUrl: string }> = {},
) => ({
  report: {
    mailSender: 'reports@contoso.example',
    mailRecipients: ['a@contoso.example'],
    teamsWebhookUrl: HOOK,
    ...over,
  },
});

describe('sendMail payload', () => {
  it('is HTML with recipients, base64 file attachments and cid: inline images, not saved to Sent Items', () => {
    const p = sendMailPayload(
      {
        subject: 's',
        html: '<img src="cid:trend">',
        attachments: [
          { name: 'r.csv', contentType: 'text/csv', content: Buffer.from('a,b\n1,2\n') },
          {
            name: 'trend.png',
            contentType: 'image/png',
            content: new Uint8Array([137, 80, 78, 71]),
            contentId: 'trend',
          },
        ],
      },
      ['x@contoso.example', 'y@contoso.example'],
    );
    expect(p.saveToSentItems).toBe(false);
    expect(p.message.body).toEqual({ contentType: 'HTML', content: '<img src="cid:trend">' });
    expect(p.message.toRecipients).toEqual([
      { emailAddress: { address: 'x@contoso.example' } },
      { emailAddress: { address: 'y@contoso.example' } },
    ]);
    expect(p.message.attachments).toEqual([
      {
        '@odata.type': '#microsoft.graph.fileAttachment',
        name: 'r.csv',
        contentType: 'text/csv',
        contentBytes: Buffer.from('a,b\n1,2\n').toString('base64'),
        isInline: false,
      },
      {
        '@odata.type': '#microsoft.graph.fileAttachment',
        name: 'trend.png',
        contentType: 'image/png',
        contentBytes: 'iVBORw==',
        isInline: true,
        contentId: 'trend',
      },
    ]);
  });

  it('a slice of a larger buffer encodes only its own bytes', () => {
    const big = Buffer.from('XXhelloYY');
    const p = sendMailPayload(
      {
        subject: 's',
        html: '',
        attachments: [{ name: 'n', contentType: 'text/plain', content: big.subarray(2, 7) }],
      },
      ['a@b.c'],
    );
    expect(Buffer.from(p.message.attachments?.[0]?.contentBytes ?? '', 'base64').toString()).toBe('hello');
  });

  it('encodes the sender in the path', () => {
    expect(sendMailPath('reports@contoso.example')).toBe('/users/reports%40contoso.example/sendMail');
  });
});

describe('Teams Workflows message', () => {
  it('wraps the Adaptive Card as the one attachment of a message', () => {
    const m = workflowsMessage(card);
    expect(m.type).toBe('message');
    expect(m.attachments).toEqual([
      { contentType: ADAPTIVE_CARD_CONTENT_TYPE, contentUrl: null, content: card },
    ]);
    expect(card.version).toBe('1.4');
    expect(card.actions).toEqual([{ type: 'Action.OpenUrl', title: 'Open', url: 'https://r.example/' }]);
  });
});

describe('retries', () => {
  const deps = (maxAttempts: number, waits: number[]) => ({
    settings: { maxAttempts, baseDelayMs: 1000, maxDelayMs: 5000 },
    sleep: async (ms: number) => {
      waits.push(ms);
    },
    random: () => 0.999,
    now: () => new Date('2025-01-01T00:00:00Z'),
  });

  it('classifies 429, 408, 5xx and no answer as transient, other statuses as final', () => {
    expect([0, 408, 429, 500, 502, 503, 504].every(isRetryable)).toBe(true);
    expect([400, 401, 403, 404, 413].some(isRetryable)).toBe(false);
  });

  it('stops at maxAttempts, caps Retry-After and grows the backoff', async () => {
    const waits: number[] = [];
    const outcomes = [
      { ok: false, status: 503 },
      { ok: false, status: 429, retryAfterMs: 3_600_000 },
      { ok: false, status: 0, error: 'network error' },
      { ok: false, status: 503 },
    ];
    const r = await withRetries(
      'teams',
      async () => outcomes.shift() ?? { ok: true, status: 202 },
      deps(4, waits),
    );
    expect(r).toMatchObject({ ok: false, attempts: 4, status: 503 });
    expect(r.attemptLog.map((a) => a.status)).toEqual([503, 429, 0, 503]);
    expect(waits).toEqual([999, 5000, 3996]);
    expect(r.attemptLog[3]?.retryInMs).toBeUndefined();
  });

  it('does not retry a final status', async () => {
    const waits: number[] = [];
    const r = await withRetries(
      'mail',
      async () => ({ ok: false, status: 400, error: 'bad' }),
      deps(5, waits),
    );
    expect(r).toMatchObject({ ok: false, attempts: 1, status: 400, error: 'bad' });
    expect(waits).toEqual([]);
  });
});

describe('createNotifier', () => {
  it('skips channels that are not configured and sends nothing for them', async () => {
    const graph = fakeGraph([]);
    const { f, calls } = scriptedFetch([]);
    const n = createNotifier({ graph, config: settings({ mailSender: '', teamsWebhookUrl: '' }), fetch: f });
    expect(n.channels).toEqual({ mail: false, teams: false });
    expect(await n.sendMail({ subject: 's', html: 'h' })).toMatchObject({
      channel: 'mail',
      skipped: true,
      attempts: 0,
    });
    expect(await n.postTeamsCard(card)).toMatchObject({ channel: 'teams', skipped: true, attempts: 0 });
    expect(await n.sendDigest({ mail: { subject: 's', html: 'h' }, card })).toEqual([]);
    expect(graph.posts).toHaveLength(0);
    expect(calls).toHaveLength(0);
  });

  it('retries Graph 429/503 and network failures, not 403, for mail', async () => {
    const graph = fakeGraph([
      new GraphRequestError(429, 'TooManyRequests', 'slow down'),
      new GraphRequestError(503, 'ServiceUnavailable', 'busy'),
      null,
    ]);
    const n = createNotifier({ graph, config: settings({ teamsWebhookUrl: '' }), sleep: async () => {} });
    const r = await n.sendMail({ subject: 's', html: 'h' });
    expect(r).toMatchObject({ ok: true, attempts: 3, status: 202 });
    expect(graph.posts.map((p) => p.path)).toEqual(
      Array(3).fill('/users/reports%40contoso.example/sendMail'),
    );

    const denied = fakeGraph([new GraphRequestError(403, 'ErrorAccessDenied', 'Access is denied.')]);
    const n2 = createNotifier({ graph: denied, config: settings(), sleep: async () => {} });
    expect(await n2.sendMail({ subject: 's', html: 'h' })).toMatchObject({
      ok: false,
      attempts: 1,
      status: 403,
      error: 'ErrorAccessDenied: Access is denied.',
    });
  });

  it('refuses a message over the sendMail request limit without calling Graph', async () => {
    const graph = fakeGraph([]);
    const n = createNotifier({ graph, config: settings() });
    const big = new Uint8Array(SENDMAIL_MAX_BYTES);
    const r = await n.sendMail({
      subject: 's',
      html: 'h',
      attachments: [{ name: 'b', contentType: 'x/y', content: big }],
    });
    expect(r.ok).toBe(false);
    expect(r.error).toMatch(/at most 4194304/);
    expect(graph.posts).toHaveLength(0);
  });

  it('never puts the webhook URL in a result or a log line, even when the transport error names it', async () => {
    const lines: string[] = [];
    const err = Object.assign(new TypeError('fetch failed'), {
      cause: Object.assign(new Error(`connect ECONNREFUSED for ${HOOK}`), { code: 'ECONNREFUSED' }),
    });
    const { f, calls } = scriptedFetch([err, [500, ''], [429, '2']]);
    const waits: number[] = [];
    const n = createNotifier({
      config: settings({ mailSender: '' }),
      fetch: f,
      sleep: async (ms) => {
        waits.push(ms);
      },
      random: () => 0,
      log: (level, event, fields) => lines.push(`${level} ${event} ${JSON.stringify(fields)}`),
    });
    const r = await n.postTeamsCard(card);
    expect(r).toMatchObject({ ok: true, attempts: 4, status: 202 });
    expect(r.attemptLog.map((a) => [a.status, a.error])).toEqual([
      [0, 'network error (ECONNREFUSED)'],
      [500, 'webhook answered 500'],
      [429, 'webhook answered 429'],
      [202, undefined],
    ]);
    expect(waits).toEqual([100, 100, 2000]);
    expect(JSON.parse(String(calls[0]?.body))).toEqual(workflowsMessage(card));
    const all = `${JSON.stringify(r)}\n${lines.join('\n')}`;
    expect(all).not.toContain('TOPSECRET');
    expect(all).not.toContain('prod.example');
    expect(lines.filter((l) => l.includes('notify_attempt'))).toHaveLength(4);
  });
});
