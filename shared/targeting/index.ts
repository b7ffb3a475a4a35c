export { effectiveTargeting, policyReach } from './effective-targeting.js';
export type * from './types.js';
export {
  deviceTargetUsers,
  entraSidOf,
  objectIdFromEntraSid,
  reportedUserId,
  type UserDirectory,
} from './users.js';
