/**
 * Turns whatever the Graph SDK throws (GraphError, a fetch failure) or a failed $batch
 * item into our GraphRequestError(status, code, message, requestId). Intune hides its real
 * reason in a JSON document inside `error.message` (handbook graph.md §15); we surface it.
 */
import { GraphRequestError } from './port.js';

interface GraphErrorLike {
  statusCode?: number;
  code?: string | null;
  message?: string;
  requestId?: string | null;
  body?: unknown;
  headers?: { get(name: string): string | null };
}

interface ErrorBody {
  error?: {
    code?: unknown;
    message?: unknown;
    innerError?: Record<string, unknown>;
    innererror?: Record<string, unknown>;
  };
}

const MAX_MESSAGE = 500;

/** Intune's 403s carry `{"_version":3,"Message":"… - Operation ID …"}` as the message text. */
export function surfaceEmbeddedMessage(message: string): string {
  const t = message.trim();
  if (!t.startsWith('{')) return message;
  try {
    const inner = JSON.parse(t) as Record<string, unknown>;
    const m = inner.Message ?? inner.message;
    return typeof m === 'string' && m !== '' ? m : message;
  } catch {
    return message;
  }
}

function requestIdOf(inner: Record<string, unknown> | undefined): string | null {
  if (!inner) return null;
  const id = inner['request-id'] ?? inner.requestId;
  if (typeof id === 'string' && id !== '') return id;
  // innerError can nest (graph.md §15).
  const nested = inner.innerError ?? inner.innererror;
  return nested && typeof nested === 'object' ? requestIdOf(nested as Record<string, unknown>) : null;
}

function clip(s: string): string {
  return s.length > MAX_MESSAGE ? `${s.slice(0, MAX_MESSAGE)}…` : s;
}

/** A Graph error document (from a response or a $batch item) → GraphRequestError. */
export function errorFromBody(
  status: number,
  body: unknown,
  headerRequestId: string | null = null,
): GraphRequestError {
  const err = (body && typeof body === 'object' ? (body as ErrorBody).error : undefined) ?? undefined;
  const code = typeof err?.code === 'string' && err.code !== '' ? err.code : `http${status}`;
  const raw =
    typeof err?.message === 'string'
      ? err.message
      : typeof body === 'string' && body !== ''
        ? body
        : `Graph answered ${status}`;
  const requestId = requestIdOf(err?.innerError ?? err?.innererror) ?? headerRequestId;
  return new GraphRequestError(status, code, clip(surfaceEmbeddedMessage(raw)), requestId);
}

/** Anything thrown by a client.api(...) call → GraphRequestError (status 0 for transport failures). */
export function toGraphRequestError(e: unknown): GraphRequestError {
  if (e instanceof GraphRequestError) return e;
  const g = (e ?? {}) as GraphErrorLike;
  const status = typeof g.statusCode === 'number' && g.statusCode > 0 ? g.statusCode : 0;
  const headerRequestId = g.headers?.get?.('request-id') ?? null;
  if (status === 0) {
    const cause = (e as { cause?: { code?: unknown; message?: unknown } } | null)?.cause;
    const detail =
      typeof cause?.code === 'string' ? cause.code : typeof cause?.message === 'string' ? cause.message : '';
    const msg = typeof g.message === 'string' && g.message !== '' ? g.message : 'request failed';
    return new GraphRequestError(0, 'networkError', clip(detail ? `${msg} (${detail})` : msg), null);
  }
  // GraphError.body is the JSON of `error` (not the whole document) when Graph sent JSON.
  let body: unknown = g.body;
  if (typeof body === 'string') {
    try {
      const parsed = JSON.parse(body) as unknown;
      body = parsed && typeof parsed === 'object' && 'error' in parsed ? parsed : { error: parsed };
    } catch {
      // plain-text body: keep it as the message
    }
  }
  if (body && typeof body === 'object' && 'error' in body) {
    const fromBody = errorFromBody(status, body, headerRequestId);
    return new GraphRequestError(status, fromBody.code, fromBody.message, g.requestId || fromBody.requestId);
  }
  const code = typeof g.code === 'string' && g.code !== '' ? g.code : `http${status}`;
  const msg = typeof g.message === 'string' && g.message !== '' ? g.message : `Graph answered ${status}`;
  return new GraphRequestError(
    status,
    code,
    clip(surfaceEmbeddedMessage(msg)),
    g.requestId || headerRequestId,
  );
}
