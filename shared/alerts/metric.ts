/**
 * The OpenDeviceAlerts custom metric, posted straight to the Application Insights ingestion
 * endpoint (one MetricData envelope to <IngestionEndpoint>/v2.1/track): the Node SDK that is
 * current needs Node 22, and one small POST is all we need. An Azure Monitor alert rule on
 * this metric is what pages someone. Failures are returned, never thrown: a metric must not
 * undo an evaluation. The connection string is not logged (it identifies the resource).
 */

export const OPEN_DEVICE_ALERTS_METRIC = 'OpenDeviceAlerts';
/** Where classic connection strings without IngestionEndpoint send (the SDKs' default). */
export const DEFAULT_INGESTION_ENDPOINT = 'https://dc.services.visualstudio.com';

export interface AppInsightsTarget {
  instrumentationKey: string;
  /** Full URL of the track call. */
  trackUrl: string;
}

/** Null when the connection string has no instrumentation key. */
export function parseConnectionString(cs: string): AppInsightsTarget | null {
  const parts = new Map<string, string>();
  for (const piece of cs.split(';')) {
    const i = piece.indexOf('=');
    if (i > 0) parts.set(piece.slice(0, i).trim().toLowerCase(), piece.slice(i + 1).trim());
  }
  const instrumentationKey = parts.get('instrumentationkey');
  if (!instrumentationKey) return null;
  const endpoint = (parts.get('ingestionendpoint') || DEFAULT_INGESTION_ENDPOINT).replace(/\/+$/, '');
  return { instrumentationKey, trackUrl: `${endpoint}/v2.1/track` };
}

export interface MetricEnvelope {
  name: string;
  time: string;
  iKey: string;
  tags: Record<string, string>;
  data: {
    baseType: 'MetricData';
    baseData: {
      ver: 2;
      metrics: { name: string; kind: 0; value: number; count: 1 }[];
      properties: Record<string, string>;
    };
  };
}

export function metricEnvelope(
  iKey: string,
  name: string,
  value: number,
  at: Date,
  properties: Record<string, string> = {},
): MetricEnvelope {
  return {
    name: `Microsoft.ApplicationInsights.${iKey.replaceAll('-', '')}.Metric`,
    time: at.toISOString(),
    iKey,
    tags: { 'ai.cloud.role': 'resetready' },
    data: {
      baseType: 'MetricData',
      // kind 0 = a single measurement (not a pre-aggregate).
      baseData: { ver: 2, metrics: [{ name, kind: 0, value, count: 1 }], properties },
    },
  };
}

export interface MetricResult {
  sent: boolean;
  status: number;
  error?: string;
}

export async function trackMetric(
  connectionString: string,
  name: string,
  value: number,
  at: Date,
  opts: { fetch?: typeof fetch; timeoutMs?: number; properties?: Record<string, string> } = {},
): Promise<MetricResult> {
  const target = parseConnectionString(connectionString);
  if (!target) return { sent: false, status: 0, error: 'connection string has no InstrumentationKey' };
  const doFetch = opts.fetch ?? fetch;
  try {
    const res = await doFetch(target.trackUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify([metricEnvelope(target.instrumentationKey, name, value, at, opts.properties)]),
      signal: AbortSignal.timeout(opts.timeoutMs ?? 15_000),
    });
    await res.arrayBuffer().catch(() => undefined);
    return res.ok
      ? { sent: true, status: res.status }
      : { sent: false, status: res.status, error: `ingestion answered ${res.status}` };
  } catch (e) {
    const name = (e as { name?: unknown } | null)?.name;
    return {
      sent: false,
      status: 0,
      error: name === 'TimeoutError' ? 'no answer within the timeout' : 'network error',
    };
  }
}
