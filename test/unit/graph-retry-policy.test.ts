import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { endpointLabel } from '../../shared/graph/endpoint-label.js';
import { errorFromBody, surfaceEmbeddedMessage, toGraphRequestError } from '../../shared/graph/errors.js';
import { createLimiter } from '../../shared/graph/limiter.js';
import {
  backoffDelay,
  isConnectionReset,
  parseRetryAfter,
  retryDelay,
} from '../../shared/graph/retry-policy.js';

const NOW = Date.parse('2024-05-01T10:00:00Z');

describe('parseRetryAfter', () => {
  it('reads whole and fractional seconds and HTTP dates', () => {
    expect(parseRetryAfter('3', NOW)).toBe(3000);
    expect(parseRetryAfter(' 2.128 ', NOW)).toBe(2128);
    expect(parseRetryAfter('Wed, 01 May 2024 10:00:05 GMT', NOW)).toBe(5000);
    expect(parseRetryAfter('Wed, 01 May 2024 09:00:00 GMT', NOW)).toBe(0);
  });
  it('returns null for absent or unreadable values', () => {
    for (const v of [null, undefined, '', '-1', 'soon', '1e3']) expect(parseRetryAfter(v, NOW)).toBeNull();
  });
});

describe('backoff', () => {
  it('is full jitter within a doubling, capped window', () => {
    const s = { baseDelayMs: 100, maxDelayMs: 1000 };
    fc.assert(
      fc.property(fc.nat(40), fc.double({ min: 0, max: 0.999999, noNaN: true }), (attempt, r) => {
        const d = backoffDelay(attempt, () => r, s);
        expect(d).toBeGreaterThanOrEqual(0);
        expect(d).toBeLessThan(Math.min(1000, 100 * 2 ** attempt));
      }),
    );
    expect(backoffDelay(0, () => 0.5, s)).toBe(50);
    expect(backoffDelay(3, () => 0.5, s)).toBe(400);
    expect(backoffDelay(9, () => 0.5, s)).toBe(500);
  });
  it('prefers Retry-After, capped', () => {
    const s = { baseDelayMs: 100, maxDelayMs: 1000 };
    expect(retryDelay(5, 700, () => 0, s)).toBe(700);
    expect(retryDelay(0, 10_000, () => 0, s)).toBe(1000);
    expect(retryDelay(1, null, () => 0.5, s)).toBe(100);
  });
});

describe('isConnectionReset', () => {
  it('recognises undici and node reset shapes only', () => {
    const fetchFailed = (cause: unknown) => Object.assign(new TypeError('fetch failed'), { cause });
    expect(isConnectionReset(fetchFailed({ code: 'ECONNRESET' }))).toBe(true);
    expect(isConnectionReset(fetchFailed({ code: 'UND_ERR_SOCKET', message: 'other side closed' }))).toBe(
      true,
    );
    expect(isConnectionReset(new Error('socket hang up'))).toBe(true);
    expect(isConnectionReset(fetchFailed({ code: 'ECONNREFUSED' }))).toBe(false);
    expect(isConnectionReset(fetchFailed({ code: 'DEPTH_ZERO_SELF_SIGNED_CERT' }))).toBe(false);
  });
});

describe('endpointLabel', () => {
  it('keeps method, version and path; replaces ids; drops the query', () => {
    expect(
      endpointLabel('get', 'https://graph.microsoft.com/beta/deviceManagement/managedDevices?$top=1000'),
    ).toBe('GET /beta/deviceManagement/managedDevices');
    expect(
      endpointLabel(
        'GET',
        'https://h/v1.0/groups/0B6A1F5E-0000-4000-8000-000000000001/transitiveMembers/microsoft.graph.device?$select=id',
      ),
    ).toBe('GET /v1.0/groups/{id}/transitiveMembers/microsoft.graph.device');
    expect(
      endpointLabel('GET', "https://h/v1.0/servicePrincipals(appId='b8456c59-1230-44c7-a4a2-99b085333e84')"),
    ).toBe('GET /v1.0/servicePrincipals(appId={id})');
    expect(endpointLabel('GET', "https://h/v1.0/devices(deviceId='abc')")).toBe(
      'GET /v1.0/devices(deviceId={id})',
    );
    expect(endpointLabel('POST', 'https://h/beta/$batch')).toBe('POST /beta/$batch');
  });
});

describe('errors', () => {
  it('maps a Graph error document, preferring innerError request-id, nested or old-style', () => {
    expect(
      errorFromBody(404, {
        error: { code: 'Request_ResourceNotFound', message: 'gone', innerError: { 'request-id': 'r1' } },
      }),
    ).toMatchObject({ status: 404, code: 'Request_ResourceNotFound', message: 'gone', requestId: 'r1' });
    expect(
      errorFromBody(400, { error: { code: 'x', message: 'm', innerError: { requestId: 'r2' } } }).requestId,
    ).toBe('r2');
    expect(
      errorFromBody(400, {
        error: { code: 'x', message: 'm', innerError: { innerError: { 'request-id': 'r3' } } },
      }).requestId,
    ).toBe('r3');
    expect(errorFromBody(502, 'Bad gateway', 'hdr')).toMatchObject({
      code: 'http502',
      message: 'Bad gateway',
      requestId: 'hdr',
    });
  });
  it("surfaces Intune's embedded Message and leaves other text alone", () => {
    expect(surfaceEmbeddedMessage('{"_version":3,"Message":"Not authorized"}')).toBe('Not authorized');
    expect(surfaceEmbeddedMessage('{broken')).toBe('{broken');
    expect(surfaceEmbeddedMessage('plain')).toBe('plain');
  });
  it('turns a transport failure into status 0 networkError with the cause code', () => {
    const e = toGraphRequestError({
      statusCode: -1,
      message: 'fetch failed',
      cause: { code: 'ECONNREFUSED' },
    });
    expect(e).toMatchObject({ status: 0, code: 'networkError', message: 'fetch failed (ECONNREFUSED)' });
  });
});

describe('createLimiter', () => {
  it('never runs more than max tasks and runs them all', async () => {
    const limiter = createLimiter(3);
    let active = 0;
    let peak = 0;
    const done = await Promise.all(
      Array.from({ length: 20 }, (_v, i) =>
        limiter.run(async () => {
          active++;
          peak = Math.max(peak, active);
          await new Promise((r) => setTimeout(r, i % 3));
          active--;
          return i;
        }),
      ),
    );
    expect(done).toEqual(Array.from({ length: 20 }, (_v, i) => i));
    expect(peak).toBe(3);
    expect(limiter.active).toBe(0);
  });
  it('releases the slot when a task throws', async () => {
    const limiter = createLimiter(1);
    await expect(limiter.run(async () => Promise.reject(new Error('x')))).rejects.toThrow('x');
    await expect(limiter.run(async () => 'ok')).resolves.toBe('ok');
  });
});
