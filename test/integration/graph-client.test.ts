/**
 * createGraphPort against a real HTTPS server on loopback (dev CA certificate, trusted through
 * NODE_EXTRA_CA_CERTS like the Graph simulator): auth header, retries, paging, batching,
 * concurrency and error mapping as they happen on the wire.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ensureDevCa, issueServerCertificate } from '../../dev/tls.js';
import type { GraphSettings } from '../../shared/config.js';
import { createGraphPort, credentialKind, type GraphPortOptions } from '../../shared/graph/client.js';
import { batchCollections } from '../../shared/graph/collectors/fetch.js';
import { GraphRequestError } from '../../shared/graph/port.js';
import { testCaDir } from '../support/env.js';

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}
type Handler = (req: Seen, res: ServerResponse) => void;

let server: Server;
let origin: string;
let handler: Handler;
let seen: Seen[];

function json(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
  res.end(JSON.stringify(body));
}

function graphError(code: string, message: string, requestId = 'req-1') {
  return { error: { code, message, innerError: { date: '2024-01-01T00:00:00', 'request-id': requestId } } };
}

beforeAll(async () => {
  const cert = await issueServerCertificate(await ensureDevCa(testCaDir()));
  server = createServer({ cert: cert.certPem, key: cert.keyPem }, (req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => {
      body += c.toString('utf8');
    });
    req.on('end', () => {
      const s = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body };
      seen.push(s);
      handler(s, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `https://localhost:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

beforeEach(() => {
  seen = [];
  handler = (_req, res) => json(res, 404, graphError('itemNotFound', 'no route'));
});

const sleeps: number[] = [];
function port(overrides: Partial<GraphSettings> = {}, opts: GraphPortOptions = {}) {
  sleeps.length = 0;
  return createGraphPort(
    { baseUrl: origin, accessToken: 'test-token', maxConcurrency: 4, maxRetries: 3, ...overrides },
    {
      sleep: async (ms) => {
        sleeps.push(ms);
      },
      random: () => 0.5,
      ...opts,
    },
  );
}

describe('get', () => {
  it('sends the bearer token, the version, the caller headers and a client-request-id', async () => {
    handler = (_req, res) => json(res, 200, { value: [{ id: 'a' }] });
    const graph = port();
    const page = await graph.get<{ value: { id: string }[] }>("/devices?$filter=deviceId eq 'x'&$select=id", {
      version: 'beta',
      headers: { ConsistencyLevel: 'eventual' },
    });
    expect(page.value).toEqual([{ id: 'a' }]);
    expect(seen).toHaveLength(1);
    const req = seen[0]!;
    expect(req.url.startsWith('/beta/devices?')).toBe(true);
    expect(decodeURIComponent(req.url)).toContain("$filter=deviceId eq 'x'");
    expect(req.headers.authorization).toBe('Bearer test-token');
    expect(req.headers.consistencylevel).toBe('eventual');
    expect(req.headers['client-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(graph.stats()).toEqual({ requestsByEndpoint: { 'GET /beta/devices': 1 }, retries: 0 });
  });

  it('retries a 429 after its fractional Retry-After and counts the retry', async () => {
    let n = 0;
    handler = (_req, res) =>
      n++ === 0
        ? json(res, 429, graphError('TooManyRequests', 'slow down'), { 'retry-after': '2.128' })
        : json(res, 200, { ok: true });
    const graph = port();
    await expect(graph.get('/organization?$select=id')).resolves.toEqual({ ok: true });
    expect(sleeps).toEqual([2128]);
    expect(seen).toHaveLength(2);
    // The same correlation id on every attempt of one logical request.
    expect(seen[1]!.headers['client-request-id']).toBe(seen[0]!.headers['client-request-id']);
    expect(graph.stats()).toEqual({ requestsByEndpoint: { 'GET /v1.0/organization': 2 }, retries: 1 });
  });

  it('honours an HTTP-date Retry-After and falls back to jittered backoff without one', async () => {
    const now = new Date('2024-05-01T10:00:00Z');
    let n = 0;
    handler = (_req, res) => {
      n++;
      if (n === 1)
        return json(res, 503, graphError('serviceNotAvailable', 'x'), {
          'retry-after': 'Wed, 01 May 2024 10:00:07 GMT',
        });
      if (n === 2) return json(res, 504, graphError('gatewayTimeout', 'x'));
      if (n === 3)
        return json(res, 429, {
          error: { code: 'TooManyRequests', message: 'An error has occurred.', details: [] },
        });
      return json(res, 200, { ok: n });
    };
    const graph = port({}, { now: () => now, backoff: { baseDelayMs: 1000, maxDelayMs: 60_000 } });
    await expect(graph.get('/deviceManagement/managedDevices')).resolves.toEqual({ ok: 4 });
    // 7 s from the date; then full jitter (random 0.5) over 1000·2^1 and 1000·2^2.
    expect(sleeps).toEqual([7000, 1000, 2000]);
    expect(graph.stats().retries).toBe(3);
  });

  it('caps a huge Retry-After at maxDelayMs', async () => {
    let n = 0;
    handler = (_req, res) =>
      n++ === 0
        ? json(res, 429, graphError('TooManyRequests', 'x'), { 'retry-after': '86400' })
        : json(res, 200, {});
    await port({}, { backoff: { maxDelayMs: 30_000 } }).get('/groups');
    expect(sleeps).toEqual([30_000]);
  });

  it('gives up after maxRetries with a GraphRequestError carrying code and request id', async () => {
    handler = (_req, res) =>
      json(res, 429, graphError('TooManyRequests', 'still throttled', 'rid-429'), { 'retry-after': '1' });
    const graph = port({ maxRetries: 2 });
    const err = await graph.get('/groups').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GraphRequestError);
    expect(err).toMatchObject({
      status: 429,
      code: 'TooManyRequests',
      message: 'still throttled',
      requestId: 'rid-429',
    });
    expect(seen).toHaveLength(3);
    expect(graph.stats().retries).toBe(2);
  });

  it('does not retry a 400 or 404', async () => {
    handler = (_req, res) =>
      json(res, 400, graphError('Request_BadRequest', "'$skip' is not supported by the service."));
    const err = await port()
      .get('/devices?$skip=5')
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ status: 400, code: 'Request_BadRequest' });
    expect(seen).toHaveLength(1);
    expect(sleeps).toEqual([]);
  });

  it("surfaces the Message of Intune's JSON-in-message 403", async () => {
    const inner = JSON.stringify({
      _version: 3,
      Message:
        'Application is not authorized to perform this operation. - Operation ID (for customer support): 0',
      CustomApiErrorPhrase: '',
    });
    handler = (_req, res) => json(res, 403, graphError('Forbidden', inner, 'rid-403'));
    const err = await port()
      .get('/deviceManagement/managedDevices', { version: 'beta' })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({
      status: 403,
      code: 'Forbidden',
      requestId: 'rid-403',
      message:
        'Application is not authorized to perform this operation. - Operation ID (for customer support): 0',
    });
  });

  it('retries a connection reset', async () => {
    let n = 0;
    handler = (_req, res) => {
      if (n++ === 0) {
        res.socket?.destroy();
        return;
      }
      json(res, 200, { ok: true });
    };
    const graph = port();
    await expect(graph.get('/organization')).resolves.toEqual({ ok: true });
    expect(graph.stats().retries).toBe(1);
  });

  it('keeps at most maxConcurrency requests in flight', async () => {
    let inFlight = 0;
    let maxInFlight = 0;
    handler = (_req, res) => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      setTimeout(() => {
        inFlight--;
        json(res, 200, { ok: true });
      }, 30);
    };
    const graph = port({ maxConcurrency: 2 });
    await Promise.all(Array.from({ length: 8 }, (_v, i) => graph.get(`/groups/${i}`)));
    expect(seen).toHaveLength(8);
    expect(maxInFlight).toBe(2);
    expect(graph.stats().requestsByEndpoint).toEqual({ 'GET /v1.0/groups/{id}': 8 });
  });
});

describe('pages', () => {
  it('follows absolute nextLinks (version included), re-sending headers on every page', async () => {
    handler = (req, res) => {
      const u = new URL(req.url, origin);
      const token = u.searchParams.get('$skiptoken');
      if (!token)
        return json(res, 200, {
          value: [1, 2],
          '@odata.nextLink': `${origin}/beta${u.pathname.slice(5)}?$top=2&$skiptoken=p2`,
        });
      if (token === 'p2')
        return json(res, 200, {
          value: [3, 4],
          '@odata.nextLink': `${origin}/beta${u.pathname.slice(5)}?$top=2&$skiptoken=p3`,
        });
      return json(res, 200, { value: [5] });
    };
    const graph = port();
    const got: number[][] = [];
    for await (const page of graph.pages<number>(
      '/groups/g1/transitiveMembers/microsoft.graph.device?$top=2',
      {
        version: 'beta',
        headers: { ConsistencyLevel: 'eventual' },
      },
    )) {
      got.push(page);
    }
    expect(got).toEqual([[1, 2], [3, 4], [5]]);
    expect(seen.map((s) => new URL(s.url, origin).pathname)).toEqual(
      Array(3).fill('/beta/groups/g1/transitiveMembers/microsoft.graph.device'),
    );
    expect(
      seen.every(
        (s) => s.headers.consistencylevel === 'eventual' && s.headers.authorization === 'Bearer test-token',
      ),
    ).toBe(true);
    expect(new URL(seen[2]!.url, origin).searchParams.get('$skiptoken')).toBe('p3');
  });

  it('stops when a nextLink repeats, and logs it', async () => {
    handler = (_req, res) =>
      json(res, 200, { value: ['x'], '@odata.nextLink': `${origin}/v1.0/devices?$skiptoken=same` });
    const events: string[] = [];
    const graph = port({}, { log: (_l, e) => events.push(e) });
    let pages = 0;
    for await (const _page of graph.pages('/devices')) pages++;
    expect(pages).toBe(2);
    expect(events).toContain('graph_repeated_next_link');
  });

  it('throws when the page cap is reached', async () => {
    let i = 0;
    handler = (_req, res) =>
      json(res, 200, { value: [i], '@odata.nextLink': `${origin}/v1.0/devices?$skiptoken=${++i}` });
    const graph = port({}, { maxPages: 3 });
    const consume = async () => {
      for await (const _p of graph.pages('/devices'));
    };
    await expect(consume()).rejects.toMatchObject({ code: 'tooManyPages' });
    expect(seen).toHaveLength(3);
  });

  it('refuses a nextLink to another origin (the token must not leave)', async () => {
    handler = (_req, res) =>
      json(res, 200, { value: [], '@odata.nextLink': 'https://evil.example/v1.0/devices?$skiptoken=1' });
    const consume = async () => {
      for await (const _p of port().pages('/devices'));
    };
    await expect(consume()).rejects.toMatchObject({ code: 'foreignLink' });
    expect(seen).toHaveLength(1);
  });
});

describe('batch', () => {
  it('sends 20 per $batch, maps shuffled answers by id, re-sends throttled items and reports the rest', async () => {
    const throttledOnce = new Set(['i3', 'i21']);
    handler = (req, res) => {
      const { requests } = JSON.parse(req.body) as { requests: { id: string; url: string }[] };
      if (requests.length > 20) return json(res, 400, graphError('BadRequest', 'too many'));
      const responses = requests.map((r) => {
        if (throttledOnce.delete(r.id))
          return {
            id: r.id,
            status: 429,
            headers: { 'Retry-After': r.id === 'i3' ? '3' : '1.5' },
            body: graphError('TooManyRequests', 'x'),
          };
        if (r.id === 'i7')
          return { id: r.id, status: 404, body: graphError('Request_ResourceNotFound', 'gone') };
        return { id: r.id, status: 200, body: { url: r.url } };
      });
      json(res, 200, { responses: responses.reverse() });
    };
    const graph = port();
    const items = Array.from({ length: 45 }, (_v, i) => ({
      id: `i${i}`,
      method: 'GET' as const,
      url: `/groups/${i}/transitiveMembers?$select=id`,
    }));
    const results = await graph.batch<{ url?: string }>(items, { version: 'beta' });
    expect(results.map((r) => r.id)).toEqual(items.map((i) => i.id));
    for (const [i, r] of results.entries()) {
      if (i === 7)
        expect(r).toMatchObject({ status: 404, body: { error: { code: 'Request_ResourceNotFound' } } });
      else expect(r).toEqual({ id: `i${i}`, status: 200, body: { url: items[i]!.url } });
    }
    // 3 chunks + 2 re-sends (one per chunk that had a throttled item), each after its largest Retry-After.
    expect(seen.map((s) => s.url)).toEqual(Array(5).fill('/beta/$batch'));
    expect(sleeps.sort()).toEqual([1500, 3000]);
    expect(seen.every((s) => s.method === 'POST' && s.headers.authorization === 'Bearer test-token')).toBe(
      true,
    );
    const stats = graph.stats();
    expect(stats.retries).toBe(2);
    expect(stats.requestsByEndpoint['POST /beta/$batch']).toBe(5);
    expect(stats.requestsByEndpoint['GET /beta/groups/{id}/transitiveMembers (in $batch)']).toBe(47);
  });

  it('returns an item still throttled after maxRetries as a result with its status', async () => {
    handler = (req, res) => {
      const { requests } = JSON.parse(req.body) as { requests: { id: string }[] };
      json(res, 200, {
        responses: requests.map((r) => ({
          id: r.id,
          status: 503,
          body: graphError('serviceNotAvailable', 'x'),
        })),
      });
    };
    const results = await port({ maxRetries: 1 }).batch([{ id: 'a', method: 'GET', url: '/organization' }]);
    expect(results).toEqual([{ id: 'a', status: 503, body: graphError('serviceNotAvailable', 'x') }]);
    expect(seen).toHaveLength(2);
  });
});

describe('batchCollections (collector helper)', () => {
  it('follows each first page nextLink with the same headers, and maps 404 to null', async () => {
    handler = (req, res) => {
      if (req.method === 'POST') {
        const { requests } = JSON.parse(req.body) as {
          requests: { id: string; headers?: Record<string, string> }[];
        };
        return json(res, 200, {
          responses: requests.map((r) =>
            r.id === 'gone'
              ? { id: r.id, status: 404, body: graphError('Request_ResourceNotFound', 'gone') }
              : {
                  id: r.id,
                  status: 200,
                  body: {
                    value: [`${r.id}-1`, r.headers?.ConsistencyLevel],
                    '@odata.nextLink': `${origin}/v1.0/x?$skiptoken=${r.id}`,
                  },
                },
          ),
        });
      }
      const token = new URL(req.url, origin).searchParams.get('$skiptoken');
      json(res, 200, { value: [`${token}-2`, req.headers.consistencylevel] });
    };
    const got = await batchCollections<string>(
      port(),
      [
        { id: 'a', url: '/groups/a/transitiveMembers' },
        { id: 'gone', url: '/groups/gone/transitiveMembers' },
      ],
      { headers: { ConsistencyLevel: 'eventual' } },
    );
    expect(got.get('a')).toEqual(['a-1', 'eventual', 'a-2', 'eventual']);
    expect(got.get('gone')).toBeNull();
  });

  it('throws the item error for any other failure (a silently missing collection would mislead)', async () => {
    handler = (_req, res) =>
      json(res, 200, {
        responses: [{ id: 'a', status: 403, body: graphError('Authorization_RequestDenied', 'no', 'rid-a') }],
      });
    await expect(
      batchCollections(port(), [{ id: 'a', url: '/groups/a/transitiveMembers' }]),
    ).rejects.toMatchObject({
      status: 403,
      code: 'Authorization_RequestDenied',
      requestId: 'rid-a',
    });
  });
});

describe('authentication', () => {
  it('asks a TokenCredential for the Graph .default scope even for another host, and never logs the token', async () => {
    const scopes: unknown[] = [];
    const credential = {
      getToken: async (s: string | string[]) => {
        scopes.push(s);
        return { token: 'cred-token-SECRET', expiresOnTimestamp: Date.now() + 3_600_000 };
      },
    };
    let n = 0;
    handler = (_req, res) =>
      n++ === 0
        ? json(res, 503, graphError('serviceNotAvailable', 'x'), { 'retry-after': '0' })
        : json(res, 200, {});
    const logged: unknown[] = [];
    const graph = port({ accessToken: undefined }, { credential, log: (...args) => logged.push(args) });
    await graph.get('/organization');
    expect(seen.map((s) => s.headers.authorization)).toEqual([
      'Bearer cred-token-SECRET',
      'Bearer cred-token-SECRET',
    ]);
    expect(scopes.flat()).toEqual(['https://graph.microsoft.com/.default']);
    expect(logged.length).toBeGreaterThan(0);
    expect(JSON.stringify(logged)).not.toContain('SECRET');
  });

  it('chooses the credential from settings: token, secret, certificate, then managed identity', () => {
    const base = { baseUrl: 'https://graph.microsoft.com', maxConcurrency: 1, maxRetries: 0 };
    expect(credentialKind({ ...base, accessToken: 't', clientId: 'c', clientSecret: 's' })).toBe(
      'accessToken',
    );
    expect(credentialKind({ ...base, clientId: 'c', clientSecret: 's', clientCertificatePath: '/p' })).toBe(
      'clientSecret',
    );
    expect(credentialKind({ ...base, clientId: 'c', clientCertificatePath: '/p' })).toBe('clientCertificate');
    expect(credentialKind({ ...base, clientId: 'c' })).toBe('defaultAzure');
    expect(credentialKind(base)).toBe('defaultAzure');
  });
});
