/**
 * Moves a stored fleet summary by one device's change, without reading the fleet: the
 * device's old contribution is taken out and its new one put in. Contributions come from
 * aggregatePostures itself, so the incremental summary counts exactly as a full recompute
 * would (removed devices, codes counted once per device, 'unknown' buckets). Pure.
 *
 * One thing only a full recompute does: reset events age out of the 7/30-day windows.
 * Incrementally, new events are added; the next full recompute (every collection) ages them.
 */
import { aggregatePostures, normalizeSummary } from '../posture/aggregate.js';
import { readyShares } from '../posture/shares.js';
import type { DestructiveResetEvent, DevicePosture, PostureSummary } from '../posture/types.js';

type Counts = Record<string, number>;

function shift(target: Counts, minus: Counts, plus: Counts, dropZeros: boolean): void {
  for (const [k, v] of Object.entries(minus)) target[k] = (target[k] ?? 0) - v;
  for (const [k, v] of Object.entries(plus)) target[k] = (target[k] ?? 0) + v;
  if (dropZeros) for (const [k, v] of Object.entries(target)) if (v === 0) delete target[k];
}

export function applyPostureChange(
  summary: PostureSummary,
  before: DevicePosture | null,
  after: DevicePosture | null,
  newEvents: readonly DestructiveResetEvent[],
  now: Date,
): PostureSummary {
  const opts = { tenant: null, events: [], now };
  const out = aggregatePostures(before ? [before] : [], opts);
  const inn = aggregatePostures(after ? [after] : [], { ...opts, events: newEvents });
  const next: PostureSummary = structuredClone(normalizeSummary(summary));
  next.evaluatedAt = now.toISOString();
  shift(
    next.totals as unknown as Counts,
    out.totals as unknown as Counts,
    inn.totals as unknown as Counts,
    false,
  );
  shift(next.byPosture, out.byPosture, inn.byPosture, false);
  shift(next.byReason, out.byReason, inn.byReason, false);
  // Open-ended maps list only present keys in a full aggregate; keep that shape.
  shift(next.byWarning as Counts, out.byWarning as Counts, inn.byWarning as Counts, true);
  shift(next.byComplianceState, out.byComplianceState, inn.byComplianceState, true);
  shift(next.byJoinType, out.byJoinType, inn.byJoinType, true);
  shift(next.byOsBuild, out.byOsBuild, inn.byOsBuild, true);
  next.hybridKeyTrustRisk += inn.hybridKeyTrustRisk - out.hybridKeyTrustRisk;
  next.resettableNow += inn.resettableNow - out.resettableNow;
  const r = next.destructiveResets;
  r.last7Days += inn.destructiveResets.last7Days;
  r.last30Days += inn.destructiveResets.last30Days;
  r.likelyDestructiveLast7Days += inn.destructiveResets.likelyDestructiveLast7Days;
  r.likelyDestructiveLast30Days += inn.destructiveResets.likelyDestructiveLast30Days;
  next.shares = readyShares(next.byPosture, next.resettableNow);
  next.totals.reported = next.shares.denominator;
  next.nonDestructiveShare = next.shares.configuredReadyShare;
  return next;
}
