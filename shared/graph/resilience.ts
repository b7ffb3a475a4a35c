/**
 * The middleware between the SDK's AuthenticationHandler and HTTPMessageHandler: bounds
 * requests in flight, retries transient failures (429/503/504, connection resets) honouring
 * Retry-After, and counts every request sent. It replaces the SDK RetryHandler, whose
 * backoff has no jitter, which ignores resets and which exposes no retry count.
 */
import { randomUUID } from 'node:crypto';
import type { Context, Middleware } from '@microsoft/microsoft-graph-client';
import { endpointLabel } from './endpoint-label.js';
import type { Limiter } from './limiter.js';
import {
  type BackoffSettings,
  isConnectionReset,
  parseRetryAfter,
  RETRYABLE_STATUSES,
  retryDelay,
} from './retry-policy.js';

export type GraphLog = (
  level: 'info' | 'warn' | 'error',
  event: string,
  fields: Record<string, unknown>,
) => void;

export interface RequestRecorder {
  request(label: string): void;
  retry(): void;
}

export interface ResilienceDeps {
  limiter: Limiter;
  maxRetries: number;
  backoff: BackoffSettings;
  sleep: (ms: number) => Promise<void>;
  now: () => Date;
  random: () => number;
  recorder: RequestRecorder;
  log: GraphLog;
}

export class ResilienceMiddleware implements Middleware {
  private next: Middleware | undefined;

  constructor(private readonly deps: ResilienceDeps) {}

  setNext(next: Middleware): void {
    this.next = next;
  }

  async execute(context: Context): Promise<void> {
    const next = this.next;
    if (!next) throw new Error('ResilienceMiddleware has no next middleware');
    const { limiter, maxRetries, recorder, log } = this.deps;
    const url = typeof context.request === 'string' ? context.request : context.request.url;
    const method = (context.options?.method ?? 'GET').toUpperCase();
    const endpoint = endpointLabel(method, url);
    // One correlation id for all attempts, echoed by Graph in errors and support cases.
    const headers = context.options?.headers;
    if (headers && !Array.isArray(headers) && !(headers instanceof Headers)) {
      const h = headers as Record<string, string>;
      if (!Object.keys(h).some((k) => k.toLowerCase() === 'client-request-id'))
        h['client-request-id'] = randomUUID();
    }

    for (let attempt = 0; ; attempt++) {
      context.response = undefined;
      let failure: unknown;
      let failed = false;
      await limiter.run(async () => {
        recorder.request(endpoint);
        try {
          await next.execute(context);
        } catch (e) {
          failure = e;
          failed = true;
        }
      });

      let retryAfterMs: number | null = null;
      let reason: string;
      if (failed) {
        if (attempt >= maxRetries || !isConnectionReset(failure)) throw failure;
        reason = 'connectionReset';
      } else {
        const res = context.response as Response | undefined;
        if (!res || !RETRYABLE_STATUSES.has(res.status) || attempt >= maxRetries) return;
        retryAfterMs = parseRetryAfter(res.headers.get('retry-after'), this.deps.now().getTime());
        reason = String(res.status);
        // Drain the throttled answer so its connection goes back to the pool.
        await res.body?.cancel().catch(() => {});
      }
      const delayMs = retryDelay(attempt, retryAfterMs, this.deps.random, this.deps.backoff);
      recorder.retry();
      log('warn', 'graph_retry', {
        endpoint,
        reason,
        attempt: attempt + 1,
        delayMs,
        retryAfter: retryAfterMs !== null,
      });
      await this.deps.sleep(delayMs);
    }
  }
}
