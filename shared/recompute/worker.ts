/**
 * The recompute worker (queue trigger on `<prefix>-recompute`): re-evaluates one device's
 * posture. Idempotent: recomputing a device whose inputs did not change writes nothing, so a
 * message delivered twice is harmless.
 */

import type { FreshnessDeps, FreshnessOptions } from '../freshness/inputs.js';
import { recomputeDevice } from '../freshness/recompute-device.js';
import type { QueueLog, QueueWorker } from '../queue/port.js';
import { RECOMPUTE_WORK, recomputeMessage } from './messages.js';

export interface RecomputeWorkerDeps extends FreshnessDeps {
  options: FreshnessOptions;
  now?: () => Date;
  /**
   * Runs after the recompute of an uploaded report (e.g. closing "no reports from agents").
   * Must not throw: a failure here would redo the recompute for nothing.
   */
  afterUpload?: (deviceId: string, now: Date, log: QueueLog) => Promise<void>;
}

export function recomputeWorker(
  deps: RecomputeWorkerDeps,
): QueueWorker<typeof recomputeMessage.kind, { deviceId: string; reason: 'upload' | 'sweep' | 'repair' }> {
  const now = deps.now ?? (() => new Date());
  return {
    name: 'recomputePosture',
    work: RECOMPUTE_WORK,
    message: recomputeMessage,
    async handle(body, delivery) {
      const at = now();
      const r = await recomputeDevice({ ...deps, log: delivery.log }, body.deviceId, at, deps.options);
      if (r.changed)
        delivery.log('info', 'posture_recomputed', { deviceId: body.deviceId, posture: r.after });
      if (body.reason === 'upload') await deps.afterUpload?.(body.deviceId, at, delivery.log);
    },
    async poisoned(body, _envelope, delivery) {
      // The fact is kept in the log with the device; the sweeper's pending intent (if any)
      // brings the device back later.
      delivery.log('error', 'posture_recompute_abandoned', {
        deviceId: body?.deviceId ?? null,
        dequeueCount: delivery.dequeueCount,
      });
    },
  };
}
