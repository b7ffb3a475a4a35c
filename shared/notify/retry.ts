/**
 * Bounded retries for one delivery, each try recorded. A try answers with a status (0 = no
 * answer) and maybe a Retry-After; 429, 5xx and no answer are retried, anything else is final.
 */
import { backoffDelay } from '../graph/retry-policy.js';
import type { Channel, DeliveryAttempt, DeliveryResult, RetrySettings } from './types.js';

export interface TryOutcome {
  status: number;
  ok: boolean;
  error?: string;
  retryAfterMs?: number | null;
}

export function isRetryable(status: number): boolean {
  return status === 0 || status === 408 || status === 429 || status >= 500;
}

export interface RetryDeps {
  settings: RetrySettings;
  sleep: (ms: number) => Promise<void>;
  random: () => number;
  now: () => Date;
}

export async function withRetries(
  channel: Channel,
  once: () => Promise<TryOutcome>,
  deps: RetryDeps,
  onAttempt?: (a: DeliveryAttempt, n: number) => void,
): Promise<DeliveryResult> {
  const attemptLog: DeliveryAttempt[] = [];
  const max = Math.max(1, deps.settings.maxAttempts);
  for (let n = 1; ; n++) {
    const at = deps.now().toISOString();
    const out = await once();
    const attempt: DeliveryAttempt = { at, status: out.status };
    if (out.error !== undefined) attempt.error = out.error;
    attemptLog.push(attempt);
    const final = out.ok || !isRetryable(out.status) || n >= max;
    if (!final) {
      attempt.retryInMs =
        out.retryAfterMs != null
          ? Math.min(out.retryAfterMs, deps.settings.maxDelayMs)
          : // Never zero: a receiver that just failed deserves a moment.
            Math.max(
              100,
              backoffDelay(n - 1, deps.random, {
                baseDelayMs: deps.settings.baseDelayMs,
                maxDelayMs: deps.settings.maxDelayMs,
              }),
            );
    }
    onAttempt?.(attempt, n);
    if (final) {
      const result: DeliveryResult = { channel, ok: out.ok, attempts: n, status: out.status, attemptLog };
      if (!out.ok && out.error !== undefined) result.error = out.error;
      return result;
    }
    await deps.sleep(attempt.retryInMs ?? 0);
  }
}
