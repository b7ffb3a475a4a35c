/**
 * Sending a report the way the Windows agent must: a fresh timestamp and nonce on every
 * attempt (a retried request is a new request), exponential backoff with jitter on
 * throttling, unavailability and network errors, and 429 Retry-After honoured up to a
 * bound so a misbehaving server cannot park the agent for a day.
 */
import type { KeyObject } from 'node:crypto';
import { buildSignedUpload, REPORTS_PATH } from './signed-upload.js';

export interface AgentIdentity {
  deviceId: string;
  certDer: Uint8Array;
  privateKey: KeyObject | string;
}

export interface UploadOptions {
  /** Attempts in all, including the first. Default 5. */
  maxAttempts?: number;
  /** First backoff; doubled per attempt, with full jitter. Default 2 s. */
  baseDelayMs?: number;
  /** Cap of any one wait, Retry-After included. Default 5 min. */
  maxDelayMs?: number;
  fetch?: typeof fetch;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

export interface UploadResult {
  ok: boolean;
  status: number | null;
  /** Parsed JSON answer when there was one (202: { reportId, receivedAt }; else { error }). */
  body: unknown;
  attempts: number;
  /** Last network error message, when the final attempt never got an answer. */
  error?: string;
}

/** Worth another attempt with a new nonce; 4xx other than 429 will fail the same way again. */
const RETRYABLE = new Set([429, 500, 502, 503, 504]);

function retryAfterMs(value: string | null, now: number): number | null {
  if (!value) return null;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

export async function uploadReport(
  baseUrl: string,
  identity: AgentIdentity,
  report: unknown,
  options: UploadOptions = {},
): Promise<UploadResult> {
  const maxAttempts = options.maxAttempts ?? 5;
  const baseDelayMs = options.baseDelayMs ?? 2000;
  const maxDelayMs = options.maxDelayMs ?? 300_000;
  const doFetch = options.fetch ?? fetch;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const random = options.random ?? Math.random;
  const url = new URL(REPORTS_PATH, baseUrl).toString();
  const body = typeof report === 'string' ? report : JSON.stringify(report);

  let last: UploadResult = { ok: false, status: null, body: null, attempts: 0 };
  for (let attempt = 1; attempt <= maxAttempts; attempt++) {
    const upload = buildSignedUpload({ ...identity, body });
    let wait: number | null = null;
    try {
      const res = await doFetch(url, { method: 'POST', headers: upload.headers, body: upload.body });
      const text = await res.text();
      let parsed: unknown = text;
      try {
        parsed = text ? JSON.parse(text) : null;
      } catch {
        // keep the text
      }
      last = { ok: res.ok, status: res.status, body: parsed, attempts: attempt };
      if (res.ok || !RETRYABLE.has(res.status)) return last;
      if (res.status === 429) wait = retryAfterMs(res.headers.get('retry-after'), Date.now());
    } catch (err) {
      last = { ok: false, status: null, body: null, attempts: attempt, error: (err as Error).message };
    }
    if (attempt === maxAttempts) break;
    const backoff = random() * baseDelayMs * 2 ** (attempt - 1);
    await sleep(Math.min(maxDelayMs, wait ?? backoff));
  }
  return last;
}
