export { type ParsedAssignments, parseAssignment, parseAssignments } from './assignments.js';
export {
  assignedGroupIds,
  type CollectedMembership,
  collectGroupMembers,
  type GroupMembers,
  targetDeviceFor,
} from './groups.js';
export {
  collectManagedDevices,
  deviceUserIds,
  type ManagedDeviceRecord,
  parseManagedDevice,
} from './managed-devices.js';
export {
  findCatalogPinRecovery,
  findIntentPinRecovery,
  parseOmaPinRecovery,
} from './pin-recovery-settings.js';
export { collectPinRecoveryPolicies, toPolicies } from './policies.js';
export {
  collectTenantReadiness,
  PIN_RESET_CLIENT_APP_ID,
  PIN_RESET_SERVICE_APP_ID,
  resolveTenantId,
  type TenantReadiness,
} from './tenant.js';
