/**
 * GET /api/trend?days=N — the fleet's daily snapshots (one row per UTC day, as the
 * DailySummary table and the OData feed hold them), oldest first, for the last N days
 * (default 84, at most 400). Keyed; the console draws its trend from the same body.
 */
import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import { json, jsonError } from '../shared/http/errors.js';
import type { PostureStore } from '../shared/posture-store/store.js';
import { trendBody } from '../shared/posture-store/trend.js';

export interface TrendDeps {
  posture: Pick<PostureStore, 'listDaily'>;
  now?: () => Date;
}

const MAX_DAYS = 400;

export async function handleTrend(
  request: HttpRequest,
  context: InvocationContext,
  deps: TrendDeps,
): Promise<HttpResponseInit> {
  const params = new URL(request.url).searchParams;
  for (const name of params.keys()) {
    if (name !== 'code' && name !== 'days')
      return jsonError(400, 'unknown_parameter', `unknown query parameter "${name.slice(0, 40)}"`);
  }
  const raw = params.getAll('days');
  if (raw.length > 1) return jsonError(400, 'invalid_parameter', '"days" may be given once');
  const days = raw[0] === undefined || raw[0] === '' ? 84 : Number(raw[0]);
  if (!Number.isInteger(days) || days < 1 || days > MAX_DAYS)
    return jsonError(400, 'invalid_parameter', `days must be a whole number from 1 to ${MAX_DAYS}`);
  try {
    const rows = await deps.posture.listDaily();
    return json(200, trendBody(rows, days, (deps.now ?? (() => new Date()))()), {
      'cache-control': 'no-store',
    });
  } catch (err) {
    context.error('trend_read_failed', { error: err instanceof Error ? err.name : 'error' });
    return jsonError(503, 'storage_unavailable', 'the trend could not be read; retry shortly');
  }
}

export function registerTrend(deps: TrendDeps): void {
  app.http('trend', {
    route: 'trend',
    methods: ['GET'],
    authLevel: 'function',
    handler: (request, context) => handleTrend(request, context, deps),
  });
}
