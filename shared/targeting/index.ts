export { effectiveTargeting, policyReach } from './effective-targeting.js';
export type * from './types.js';
