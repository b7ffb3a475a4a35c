/**
 * When and how long to wait before re-sending a Graph request. Pure: the clock and the
 * random source are arguments, so the rules are unit-testable without sleeping.
 */

/** Statuses Graph documents as transient (throttled, unavailable, gateway timeout). */
export const RETRYABLE_STATUSES: ReadonlySet<number> = new Set([429, 503, 504]);

export interface BackoffSettings {
  /** First backoff window; doubled per attempt. */
  baseDelayMs: number;
  /** Upper bound of any single wait, Retry-After included (a hostile or buggy header must not park us). */
  maxDelayMs: number;
}

export const DEFAULT_BACKOFF: BackoffSettings = { baseDelayMs: 500, maxDelayMs: 60_000 };

/**
 * Retry-After as milliseconds: delta-seconds (Graph sends fractional values such as "2.128")
 * or an HTTP-date. Null when absent or unreadable, so the caller falls back to backoff.
 */
export function parseRetryAfter(value: string | null | undefined, nowMs: number): number | null {
  if (value === null || value === undefined) return null;
  const v = value.trim();
  if (v === '') return null;
  if (/^\d+(\.\d+)?$/.test(v)) return Math.round(Number(v) * 1000);
  // Only a real date string (letters present) is a date; "-1" or "1e3" are not valid headers.
  if (!/[a-z]/i.test(v)) return null;
  const at = Date.parse(v);
  if (Number.isNaN(at)) return null;
  return Math.max(0, at - nowMs);
}

/** Exponential backoff with full jitter: uniform in [0, min(cap, base·2^attempt)). attempt starts at 0. */
export function backoffDelay(
  attempt: number,
  random: () => number,
  s: BackoffSettings = DEFAULT_BACKOFF,
): number {
  const window = Math.min(s.maxDelayMs, s.baseDelayMs * 2 ** Math.min(attempt, 30));
  return Math.floor(random() * window);
}

/** The wait before retry number `attempt` (0-based): Retry-After when given, else backoff; always capped. */
export function retryDelay(
  attempt: number,
  retryAfterMs: number | null,
  random: () => number,
  s: BackoffSettings = DEFAULT_BACKOFF,
): number {
  if (retryAfterMs !== null) return Math.min(retryAfterMs, s.maxDelayMs);
  return backoffDelay(attempt, random, s);
}

const RESET_CODES = new Set(['ECONNRESET', 'UND_ERR_SOCKET', 'EPIPE', 'ECONNABORTED']);

/**
 * A dropped connection (undici wraps it as TypeError "fetch failed" with a cause). Only
 * resets count: a refused connection or a TLS failure will not heal by retrying.
 */
export function isConnectionReset(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e && depth < 5; depth++) {
    const o = e as { code?: unknown; message?: unknown; cause?: unknown };
    if (typeof o.code === 'string' && RESET_CODES.has(o.code)) return true;
    if (typeof o.message === 'string' && /socket hang up|ECONNRESET|other side closed/i.test(o.message))
      return true;
    e = o.cause;
  }
  return false;
}
