/**
 * host.json `extensions.queues` → the runner's settings, so the in-process runner behaves as
 * the deployed host is configured (one source of truth). Unset values take the host defaults.
 */
import { HOST_QUEUE_DEFAULTS, type QueueHostSettings } from './runner.js';

/** "hh:mm:ss" or "hh:mm:ss.fff" (a .NET TimeSpan as host.json writes it) → milliseconds. */
export function timeSpanMs(value: string): number {
  const m = /^(\d+):(\d{2}):(\d{2})(?:\.(\d{1,3}))?$/.exec(value.trim());
  if (!m) throw new Error(`"${value}" is not a TimeSpan (hh:mm:ss)`);
  const ms = m[4] ? Number(m[4].padEnd(3, '0')) : 0;
  return ((Number(m[1]) * 60 + Number(m[2])) * 60 + Number(m[3])) * 1000 + ms;
}

export function queueHostSettings(hostJson: unknown): QueueHostSettings {
  const queues =
    (hostJson as { extensions?: { queues?: Record<string, unknown> } } | null)?.extensions?.queues ?? {};
  const num = (v: unknown, fallback: number) => (typeof v === 'number' && Number.isFinite(v) ? v : fallback);
  const span = (v: unknown, fallbackMs: number) => (typeof v === 'string' ? timeSpanMs(v) : fallbackMs);
  if (queues.messageEncoding !== undefined && queues.messageEncoding !== 'base64') {
    throw new Error('host.json extensions.queues.messageEncoding must be "base64": the app enqueues base64');
  }
  return {
    batchSize: num(queues.batchSize, HOST_QUEUE_DEFAULTS.batchSize),
    maxDequeueCount: num(queues.maxDequeueCount, HOST_QUEUE_DEFAULTS.maxDequeueCount),
    visibilityTimeoutSeconds:
      span(queues.visibilityTimeout, HOST_QUEUE_DEFAULTS.visibilityTimeoutSeconds * 1000) / 1000,
    maxPollingIntervalMs: span(queues.maxPollingInterval, HOST_QUEUE_DEFAULTS.maxPollingIntervalMs),
  };
}
