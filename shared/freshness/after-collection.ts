/**
 * The step that follows a collection run: a full posture recompute, only when the run
 * succeeded. A failed or partial run leaves the stored inventory as the previous run wrote
 * it, and a skipped run means another instance is collecting (and will recompute itself).
 * Failures are logged and returned, never thrown: the collection itself already succeeded.
 */
import type { RunSummary } from '../collection/run-record.js';
import type { FreshnessDeps, FreshnessOptions } from './inputs.js';
import { type FullRecomputeResult, recomputeAll } from './recompute-all.js';

export type AfterCollectionOutcome =
  | { recomputed: true; result: FullRecomputeResult }
  | { recomputed: false; reason: 'run_not_succeeded' | 'recompute_failed'; error?: string };

export async function recomputeAfterCollection(
  deps: FreshnessDeps,
  run: RunSummary,
  now: Date,
  options: FreshnessOptions = {},
): Promise<AfterCollectionOutcome> {
  if (run.status !== 'succeeded') return { recomputed: false, reason: 'run_not_succeeded' };
  try {
    return { recomputed: true, result: await recomputeAll(deps, now, { ...options, run }) };
  } catch (err) {
    const error = err instanceof Error ? err.name : 'error';
    deps.log?.('error', 'posture_recompute_failed', { runId: run.runId, error });
    return { recomputed: false, reason: 'recompute_failed', error };
  }
}
