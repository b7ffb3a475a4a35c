export { deviceKeyOf, isZeroDeviceId, ZERO_DEVICE_ID } from './device-key.js';
export {
  type CachedReportedDevice,
  isoOf,
  postureEntity,
  postureFromEntity,
  type StoredPosture,
  type StoredSummary,
} from './entities.js';
export { postureRowSources } from './row-sources.js';
export { ConcurrencyError, type DeviceFilter, dateKeyOf, PostureStore } from './store.js';
export { applyPostureChange } from './summary-delta.js';
export { DEFAULT_DAILY_RETENTION_DAYS, POSTURE_TABLES, posturePartition } from './tables.js';
