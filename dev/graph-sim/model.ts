/**
 * The simulated tenant's data, stored in Graph's own wire shapes (beta superset) so the
 * server only trims and pages it. Navigation collections (settings, assignments, members,
 * run states) sit on their parent and are hidden unless a route or $expand asks for them.
 */
import type { AlternativeSecurityId } from '../../shared/trust/alternative-security-id.js';

export const PIN_RESET_SERVICE_APP_ID = 'b8456c59-1230-44c7-a4a2-99b085333e84';
export const PIN_RESET_CLIENT_APP_ID = '9115dd05-fad5-4f9c-acc7-305d08b1b04e';
export const ACCOUNT_PROTECTION_TEMPLATE_ID = 'fcef01f2-439d-4c3f-9184-823fd6e97646_1';
/** The Microsoft services tenant that owns first-party apps. */
export const MICROSOFT_SERVICES_TENANT_ID = 'f8cdef31-a31e-4b4a-93e4-5f571e91255a';
/** Intune's MDM app id, as Entra records it on managed devices (mdmAppId). */
export const INTUNE_MDM_APP_ID = '0000000a-0000-0000-c000-000000000000';

export type PinResetAppsState =
  | 'both'
  | 'service-missing'
  | 'client-missing'
  | 'both-missing'
  | 'service-disabled'
  | 'client-disabled';

export interface Organization {
  id: string;
  displayName: string;
  tenantType: string;
  verifiedDomains: {
    name: string;
    isDefault: boolean;
    isInitial: boolean;
    type: string;
    capabilities: string;
  }[];
}

export interface User {
  id: string;
  displayName: string;
  userPrincipalName: string;
  mail: string | null;
  accountEnabled: boolean;
  userType: 'Member' | 'Guest';
  /** The AD SID of a user synced from on-premises AD (hybrid); null for cloud users. */
  onPremisesSecurityIdentifier: string | null;
}

/** Entra `device`: `id` is the directory object id, `deviceId` the registration id (alternate key). */
export interface EntraDevice {
  id: string;
  deviceId: string;
  displayName: string;
  accountEnabled: boolean;
  operatingSystem: string;
  operatingSystemVersion: string;
  /** AzureAd = Entra joined, ServerAd = hybrid joined, Workplace = registered. */
  trustType: 'AzureAd' | 'ServerAd' | 'Workplace' | null;
  isCompliant: boolean | null;
  isManaged: boolean | null;
  mdmAppId: string | null;
  manufacturer: string | null;
  model: string | null;
  profileType: string | null;
  deviceOwnership: string | null;
  approximateLastSignInDateTime: string | null;
  registrationDateTime: string | null;
  createdDateTime: string | null;
  physicalIds: string[];
  systemLabels: string[];
  alternativeSecurityIds: AlternativeSecurityId[];
}

export type JoinTypeGraph = 'unknown' | 'azureADJoined' | 'azureADRegistered' | 'hybridAzureADJoined';

export interface LoggedOnUser {
  userId: string;
  lastLogOnDateTime: string;
}

/** Intune `managedDevice` (beta superset; v1.0 views drop BETA_ONLY_MANAGED_DEVICE_PROPERTIES). */
export interface ManagedDevice {
  id: string;
  deviceName: string;
  managedDeviceName: string;
  /** = Entra device.deviceId (not device.id); all zeros when not registered. */
  azureADDeviceId: string;
  azureActiveDirectoryDeviceId: string;
  operatingSystem: string;
  osVersion: string;
  joinType: JoinTypeGraph;
  complianceState: string;
  managementAgent: string;
  managementState: string;
  deviceEnrollmentType: string;
  deviceRegistrationState: string;
  managedDeviceOwnerType: 'unknown' | 'company' | 'personal';
  ownerType: 'unknown' | 'company' | 'personal';
  lastSyncDateTime: string;
  enrolledDateTime: string;
  complianceGracePeriodExpirationDateTime: string;
  userPrincipalName: string;
  userId: string;
  userDisplayName: string;
  emailAddress: string;
  manufacturer: string;
  model: string;
  serialNumber: string;
  isEncrypted: boolean;
  isSupervised: boolean;
  azureADRegistered: boolean;
  enrollmentProfileName: string | null;
  deviceCategoryDisplayName: string;
  skuFamily: string;
  chassisType: string;
  deviceType: string;
  processorArchitecture: string;
  autopilotEnrolled: boolean;
  roleScopeTagIds: string[];
  usersLoggedOn: LoggedOnUser[];
  /** Only a single GET returns these; LIST gives null (graph.md §2). */
  hardwareInformation: Record<string, unknown> | null;
  physicalMemoryInBytes: number;
  ethernetMacAddress: string | null;
  udid: string | null;
  iccid: string | null;
  notes: string | null;
  activationLockBypassCode: string | null;
  imei: string;
  jailBroken: string;
  exchangeAccessState: string;
  phoneNumber: string;
}

export interface Group {
  id: string;
  displayName: string;
  description: string | null;
  securityEnabled: boolean;
  mailEnabled: boolean;
  groupTypes: string[];
  membershipRule: string | null;
  createdDateTime: string;
  /** Direct members: object ids of users, devices (Entra `id`) or groups. */
  members: string[];
}

export type AssignmentTargetType =
  | '#microsoft.graph.groupAssignmentTarget'
  | '#microsoft.graph.exclusionGroupAssignmentTarget'
  | '#microsoft.graph.allDevicesAssignmentTarget'
  | '#microsoft.graph.allLicensedUsersAssignmentTarget'
  | '#microsoft.graph.configurationManagerCollectionAssignmentTarget';

export interface AssignmentTarget {
  '@odata.type': AssignmentTargetType;
  groupId?: string;
  collectionId?: string;
  /** Beta only (v1.0 targets have no filter properties). */
  deviceAndAppManagementAssignmentFilterId: string | null;
  deviceAndAppManagementAssignmentFilterType: 'none' | 'include' | 'exclude';
}

export interface Assignment {
  id: string;
  target: AssignmentTarget;
  source: 'direct' | 'policySets';
  sourceId: string | null;
}

/** Settings-catalog setting instance: the tree of §6.2, kept as Graph JSON. */
export type SettingInstance = { '@odata.type': string; settingDefinitionId: string } & Record<
  string,
  unknown
>;

export interface PolicySetting {
  id: string;
  settingInstance: SettingInstance;
}

export interface TemplateReference {
  templateId: string;
  templateFamily: string;
  templateDisplayName: string | null;
  templateDisplayVersion: string | null;
}

export interface ConfigurationPolicy {
  id: string;
  name: string;
  description: string;
  platforms: string;
  technologies: string;
  createdDateTime: string;
  lastModifiedDateTime: string;
  settingCount: number;
  creationSource: string | null;
  roleScopeTagIds: string[];
  isAssigned: boolean;
  templateReference: TemplateReference;
  priorityMetaData: null;
  settings: PolicySetting[];
  assignments: Assignment[];
}

export interface OmaSetting {
  '@odata.type':
    | '#microsoft.graph.omaSettingBoolean'
    | '#microsoft.graph.omaSettingInteger'
    | '#microsoft.graph.omaSettingString';
  displayName: string;
  description: string | null;
  omaUri: string;
  value: boolean | number | string;
  isEncrypted: boolean;
  secretReferenceValueId: string | null;
}

export interface DeviceConfiguration {
  '@odata.type':
    | '#microsoft.graph.windows10CustomConfiguration'
    | '#microsoft.graph.windowsIdentityProtectionConfiguration'
    | '#microsoft.graph.windows10GeneralConfiguration';
  id: string;
  displayName: string;
  description: string | null;
  createdDateTime: string;
  lastModifiedDateTime: string;
  version: number;
  roleScopeTagIds: string[];
  supportsScopeTags: boolean;
  /** Type-specific properties (omaSettings, pinRecoveryEnabled, ...). */
  [property: string]: unknown;
  assignments: Assignment[];
}

export interface IntentSetting {
  '@odata.type': string;
  id: string;
  definitionId: string;
  valueJson: string;
  value: unknown;
}

export interface Intent {
  id: string;
  displayName: string;
  description: string;
  isAssigned: boolean;
  isMigratingToConfigurationPolicy: boolean;
  lastModifiedDateTime: string;
  templateId: string;
  roleScopeTagIds: string[];
  settings: IntentSetting[];
  assignments: Assignment[];
}

export interface ServicePrincipal {
  id: string;
  appId: string;
  displayName: string;
  appDisplayName: string;
  accountEnabled: boolean;
  servicePrincipalType: string;
  appOwnerOrganizationId: string;
  signInAudience: string;
  tags: string[];
  servicePrincipalNames: string[];
}

export interface DeviceRunState {
  id: string;
  detectionState: 'unknown' | 'success' | 'fail' | 'scriptError' | 'pending' | 'notApplicable';
  lastStateUpdateDateTime: string;
  expectedStateUpdateDateTime: string | null;
  lastSyncDateTime: string;
  /** Stored as the script printed it; the server cuts it to 2048 characters like Intune. */
  preRemediationDetectionScriptOutput: string | null;
  preRemediationDetectionScriptError: string | null;
  remediationScriptError: string | null;
  postRemediationDetectionScriptOutput: string | null;
  postRemediationDetectionScriptError: string | null;
  remediationState:
    | 'unknown'
    | 'skipped'
    | 'success'
    | 'remediationFailed'
    | 'scriptError'
    | 'unknownFutureValue';
  assignmentFilterIds: string[];
  /** managedDevice.id this state belongs to (inlined by $expand=managedDevice). */
  managedDeviceId: string;
}

export interface DeviceHealthScript {
  id: string;
  publisher: string;
  version: string;
  displayName: string;
  description: string;
  detectionScriptContent: string;
  remediationScriptContent: string;
  runAsAccount: 'system' | 'user';
  enforceSignatureCheck: boolean;
  runAs32Bit: boolean;
  isGlobalScript: boolean;
  highestAvailableVersion: string | null;
  deviceHealthScriptType: 'deviceHealthScript' | 'managedInstallerScript';
  roleScopeTagIds: string[];
  createdDateTime: string;
  lastModifiedDateTime: string;
  deviceRunStates: DeviceRunState[];
}

/** Every property of managedDevice that exists only in beta (graph.md §2). */
export const BETA_ONLY_MANAGED_DEVICE_PROPERTIES: ReadonlySet<string> = new Set([
  'joinType',
  'azureActiveDirectoryDeviceId',
  'ownerType',
  'skuFamily',
  'chassisType',
  'deviceType',
  'processorArchitecture',
  'autopilotEnrolled',
  'roleScopeTagIds',
  'usersLoggedOn',
  'hardwareInformation',
]);

/** managedDevice properties a LIST returns as null/default (graph.md §2). */
export const GET_ONLY_MANAGED_DEVICE_PROPERTIES: ReadonlySet<string> = new Set([
  'hardwareInformation',
  'iccid',
  'udid',
  'notes',
  'physicalMemoryInBytes',
  'ethernetMacAddress',
  'activationLockBypassCode',
]);
