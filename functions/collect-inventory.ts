/** Timer collectInventory — Intune inventory, policies, targeting and tenant readiness from Graph into Table Storage. */
import { app, type InvocationContext, type Timer } from '@azure/functions';
import { type CollectionDeps, runCollection } from '../shared/collection/run-collection.js';
import type { RunSummary } from '../shared/collection/run-record.js';

export type CollectInventoryDeps = Omit<CollectionDeps, 'log'> & {
  /** What follows a run (posture recompute, alerts); each step decides for itself whether the run suffices. */
  afterRun?: (run: RunSummary, context: InvocationContext) => Promise<void>;
};

export async function handleCollectInventory(
  timer: Timer,
  context: InvocationContext,
  deps: CollectInventoryDeps,
): Promise<RunSummary> {
  const { afterRun, ...collectionDeps } = deps;
  const summary = await runCollection({
    ...collectionDeps,
    owner: context.invocationId,
    log: (level, event, fields) => context[level](event, fields),
  });
  // Counts and labels only: no tokens, bodies or device data reach the log.
  context[summary.status === 'failed' ? 'error' : 'info']('collect_inventory_summary', {
    runId: summary.runId,
    status: summary.status,
    pastDue: timer.isPastDue,
    devices: summary.devices,
    removedDevices: summary.removedDevices,
    policies: summary.policies,
    groups: summary.groups,
    graphRequests: summary.graphRequests,
    retries: summary.retries,
    tableWrites: summary.tableWrites,
    durationMs: summary.durationMs,
    errors: summary.errors.map((e) => `${e.phase}:${e.code}`),
  });
  if (afterRun) await afterRun(summary, context);
  return summary;
}

export function registerCollectInventory(deps: CollectInventoryDeps): void {
  app.timer('collectInventory', {
    schedule: deps.config.collection.schedule,
    runOnStartup: false,
    handler: async (timer, context) => {
      await handleCollectInventory(timer, context, deps);
    },
  });
}
