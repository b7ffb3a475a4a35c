/**
 * What the posture rules read, in the domain's own terms. Adapters map to these types: the
 * Graph collectors (shared/graph/collectors) fill ManagedDeviceRecord and TenantReadiness, the
 * report store (shared/storage) fills LatestUserState. The rules never import an adapter.
 */
import type { CanReset } from '../dsregcmd/types.js';
import type { ReportSource, ReportTrust } from '../reports/model.js';
import type { UserEvidence } from './evidence.js';

// --- Intune inventory ------------------------------------------------------------------------

/** One Windows device as Intune knows it (beta managedDevice, graph.md §2). */
export interface ManagedDeviceRecord {
  /** Intune managedDevice.id (lower case). */
  id: string;
  deviceName: string | null;
  /** = Entra device.deviceId, lower case; null when empty or all zeros (not registered). */
  azureADDeviceId: string | null;
  osVersion: string | null;
  joinType: string | null;
  complianceState: string | null;
  lastSyncDateTime: string | null;
  enrolledDateTime: string | null;
  userPrincipalName: string | null;
  /** Primary user (lower case), null when none. */
  userId: string | null;
  managementAgent: string | null;
  ownerType: string | null;
  manufacturer: string | null;
  model: string | null;
  serialNumber: string | null;
  /** Windows SKU family (beta), e.g. Enterprise, Professional; absent in rows stored before it was collected. */
  skuFamily?: string | null;
  usersLoggedOn: { userId: string; lastLogOnDateTime: string | null }[];
}

// --- Tenant readiness (the two PIN reset apps, domain.md §4) ---------------------------------

export interface AppPresence {
  /** null when Graph could not tell. */
  present: boolean | null;
  enabled: boolean | null;
  servicePrincipalId: string | null;
}

export type TenantReadinessState = 'ready' | 'missing' | 'disabled' | 'unknown';

export interface TenantReadiness {
  service: AppPresence;
  client: AppPresence;
  /** Missing beats disabled; unknown when either lookup failed. */
  state: TenantReadinessState;
  /** Reason when unknown (Graph error code), for the operator. */
  error?: string;
}

/** The two lookups' answers → readiness. */
export function readinessFrom(service: AppPresence, client: AppPresence, error?: string): TenantReadiness {
  let state: TenantReadinessState;
  if (service.present === null || client.present === null) state = 'unknown';
  else if (!service.present || !client.present) state = 'missing';
  else if (service.enabled === false || client.enabled === false) state = 'disabled';
  else state = 'ready';
  return error ? { service, client, state, error } : { service, client, state };
}

// --- Reported user state ---------------------------------------------------------------------

/** Latest known state of one user on one device, from the newest report that carried the user. */
export interface LatestUserState {
  deviceId: string;
  userKey: string;
  reportId: string;
  /** receivedAt of the report the state comes from. */
  reportedAt: string;
  canReset: CanReset | null;
  canResetRaw: string | null;
  ngcSet: boolean | null;
  ngcKeyId: string | null;
  upn: string | null;
  sid: string | null;
  notUserContext: boolean;
  source: ReportSource;
  trust: ReportTrust;
  /**
   * Registry evidence and trust model from the same report (shared/posture/evidence.ts). The
   * report store always fills it (rows older than evidence read back as notReported / trust
   * model unknown); optional only so hand-built test states may leave it out.
   */
  evidence?: UserEvidence;
}

// --- Entra device ------------------------------------------------------------------------------

/** The Entra device object as the devices list returns it (v1.0 `GET /devices`). */
export interface EntraDeviceRecord {
  /** Directory object id (device.id): what group membership carries. */
  objectId: string;
  /** Registration id (device.deviceId) = managedDevice.azureADDeviceId = dsregcmd DeviceId. */
  deviceId: string;
  accountEnabled: boolean | null;
  /** AzureAd (joined), ServerAd (hybrid joined), Workplace (registered). */
  trustType: string | null;
}

/** A user who reported from a device: how the report names them (no Entra object id). */
export interface ReportedUserRef {
  userKey: string;
  sid: string | null;
  upn: string | null;
}
