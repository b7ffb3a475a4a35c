export {
  type AggregateOptions,
  aggregatePostures,
  DAILY_POSTURE_COLUMNS,
  type DailySnapshotRow,
  dailySnapshot,
} from './aggregate.js';
export {
  BUILD_NON_DESTRUCTIVE_MIN,
  BUILD_POLICY_MIN,
  BUILD_PRO_MIN,
  osBuildOf,
  resolveJoin,
} from './device-facts.js';
export { DEFAULT_STALE_DAYS, evaluateDevicePosture, isStale, orderReasons } from './evaluate.js';
export * from './evidence.js';
export { DOCS, reasonGuidance } from './guidance.js';
export * from './inputs.js';
export {
  isReasonCode,
  type ReasonDefinition,
  reasonDefinition,
  reasonDefinitions,
} from './registry.js';
export { formatShare, inShareDenominator, postureShare, type ReadyShares, readyShares } from './shares.js';
export {
  type DsregTrustSignals,
  hybridTrustModel,
  type TrustModelInput,
  trustSignalsFromDsregcmd,
} from './trust-model.js';
export * from './types.js';
export { USER_SEVERITY } from './user-state.js';
