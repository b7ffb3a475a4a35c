export { type AfterCollectionOutcome, recomputeAfterCollection } from './after-collection.js';
export {
  type DailySweepDeps,
  type DailySweepResult,
  dailyFreshnessSweep,
  FRESHNESS_SCHEDULE,
} from './daily-sweep.js';
export type { FreshnessDeps, FreshnessLog, FreshnessOptions } from './inputs.js';
export { type FullRecomputeResult, recomputeAll } from './recompute-all.js';
export { type DeviceRecomputeResult, recomputeDevice } from './recompute-device.js';
