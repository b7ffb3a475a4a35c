/** The posture OData feed: entity set definitions for /api/odata/ (see docs/power-bi.md). */
export {
  DAILY_PROPERTIES,
  DEVICE_PROPERTIES,
  DEVICE_USER_PROPERTIES,
  type FeedDeps,
  type FeedOptions,
  feedSets,
  POLICY_PROPERTIES,
  policyRow,
  REASON_PROPERTIES,
  reasonRows,
} from './sets.js';
export { memoryRowSource, type RefineOptions, refinedSource } from './sources.js';
