/**
 * Timer freshnessSweep (daily, 06:00 UTC): staleness re-evaluated even on days no collection
 * succeeds. Devices whose reports went stale are queued for their recompute, today's
 * DailySummary row is written if no collection wrote it, then the alerts are evaluated.
 * Thin: the work is shared/freshness/daily-sweep.ts and the alerts hook.
 */
import { app, type InvocationContext, type Timer } from '@azure/functions';
import {
  type DailySweepDeps,
  type DailySweepResult,
  dailyFreshnessSweep,
  FRESHNESS_SCHEDULE,
} from '../shared/freshness/daily-sweep.js';

export interface FreshnessSweepDeps extends DailySweepDeps {
  staleDays: number;
  /** The alert evaluation that follows (functions/alerts.ts registerAlerts().evaluate). */
  evaluateAlerts: (context: InvocationContext, now: Date) => Promise<unknown>;
  now?: () => Date;
}

export async function handleFreshnessSweep(
  timer: Timer,
  context: InvocationContext,
  deps: FreshnessSweepDeps,
): Promise<DailySweepResult> {
  const now = deps.now?.() ?? new Date();
  let result: DailySweepResult = { queued: 0, snapshotWritten: false };
  try {
    result = await dailyFreshnessSweep(deps, now, deps.staleDays);
    context.info('freshness_sweep', { ...result, pastDue: timer.isPastDue });
  } catch (err) {
    // The alerts still run: "collection failing" and "no reports" need no sweep.
    context.error('freshness_sweep_failed', { error: err instanceof Error ? err.name : 'error' });
  }
  await deps.evaluateAlerts(context, now);
  return result;
}

export function registerFreshnessSweep(deps: FreshnessSweepDeps): void {
  app.timer('freshnessSweep', {
    schedule: FRESHNESS_SCHEDULE,
    runOnStartup: false,
    handler: async (timer, context) => {
      await handleFreshnessSweep(timer, context, deps);
    },
  });
}
