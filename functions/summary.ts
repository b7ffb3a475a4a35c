/**
 * GET /api/summary — fleet posture counts, tenant readiness and data freshness, served from
 * the one precomputed Summary row (a point read: the cost does not grow with the fleet).
 * Keyed (authLevel function): counts per reason describe the tenant's weaknesses.
 */
import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import { HttpProblem, json, jsonError, problemResponse } from '../shared/http/errors.js';
import { checkQueryNames } from '../shared/http/query.js';
import { fleetBlockers } from '../shared/posture/fleet.js';
import { reasonGuidance } from '../shared/posture/guidance.js';
import { REASON_CODES } from '../shared/posture/types.js';
import type { PostureStore } from '../shared/posture-store/store.js';

export interface SummaryDeps {
  posture: Pick<PostureStore, 'readSummary'>;
}

export async function handleSummary(
  request: HttpRequest,
  context: InvocationContext,
  deps: SummaryDeps,
): Promise<HttpResponseInit> {
  try {
    checkQueryNames(new URL(request.url).searchParams, []);
  } catch (err) {
    if (err instanceof HttpProblem) return problemResponse(err);
    throw err;
  }
  try {
    const stored = await deps.posture.readSummary();
    if (!stored) {
      return jsonError(
        404,
        'not_computed',
        'no posture has been computed yet: it is computed after the first successful inventory collection',
      );
    }
    const s = stored.summary;
    // Reasons that occur, most frequent first, with what to do about each.
    const reasons = REASON_CODES.filter((c) => s.byReason[c] > 0)
      .sort((a, b) => s.byReason[b] - s.byReason[a])
      .map((code) => ({ code, devices: s.byReason[code], ...reasonGuidance(code) }));
    return json(
      200,
      {
        generatedAt: stored.generatedAt,
        lastCollectionAt: stored.lastCollectionAt,
        lastReportAt: stored.lastReportAt,
        tenantReadiness: s.tenantReadiness,
        totals: s.totals,
        byPosture: s.byPosture,
        // One definition of each share (shared/posture/shares.ts), the same the weekly report prints.
        shares: s.shares,
        resettableNow: s.resettableNow,
        nonDestructiveShare: s.nonDestructiveShare,
        fleetBlockers: fleetBlockers(s.tenantReadiness),
        byReason: s.byReason,
        reasons,
        byWarning: s.byWarning,
        byComplianceState: s.byComplianceState,
        byJoinType: s.byJoinType,
        byOsBuild: s.byOsBuild,
        hybridKeyTrustRisk: s.hybridKeyTrustRisk,
        destructiveResets: s.destructiveResets,
      },
      { 'cache-control': 'no-store' },
    );
  } catch (err) {
    context.error('summary_failed', { error: err instanceof Error ? err.name : 'error' });
    return jsonError(503, 'storage_unavailable', 'the summary could not be read; retry shortly');
  }
}

export function registerSummary(deps: SummaryDeps): void {
  app.http('summary', {
    route: 'summary',
    methods: ['GET'],
    authLevel: 'function',
    handler: (request, context) => handleSummary(request, context, deps),
  });
}
