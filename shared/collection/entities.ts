/**
 * Collected inventory ↔ Table Storage entities, both ways, pure. Entities carry content only
 * (no run id, no collection time), so an unchanged device hashes the same on every run and
 * syncEntities writes nothing for it. Nulls are left out rather than stored: Table Storage has
 * no null, and Replace writes drop a column that became null.
 */
import type { TableEntity } from '@azure/data-tables';
import type { EntraDeviceRecord, ManagedDeviceRecord, TenantReadiness } from '../posture/inputs.js';
import { keyPart } from '../storage/keys.js';
import { json, MAX_JSON_CHARS, put, type Row, text } from '../storage/row-values.js';
import type {
  FilterDependency,
  MixedExclusion,
  PinRecoveryPolicy,
  PolicyReach,
  Targeting,
  TargetingResult,
} from '../targeting/types.js';
import { devicePartition, POLICY_PARTITION, TENANT_PARTITION, TENANT_READINESS_ROW } from './tables.js';

function putJson(row: Row, name: string, value: unknown): void {
  const json = JSON.stringify(value);
  // Cutting JSON would store something unreadable; failing names the culprit instead.
  if (json.length > MAX_JSON_CHARS)
    throw new Error(`${name} is ${json.length} characters, over ${MAX_JSON_CHARS}`);
  row[name] = json;
}

function removedAt(row: Row): string | null {
  const v = row.RemovedAt;
  if (v instanceof Date) return v.toISOString();
  return typeof v === 'string' ? v : null;
}

// --- Devices ----------------------------------------------------------------------------

/** An Intune device row, with its Entra device's facts when the devices list had it. */
export function deviceEntity(d: ManagedDeviceRecord, entra: EntraDeviceRecord | null = null): TableEntity {
  const row: Row = {};
  put(row, 'ManagedDeviceId', d.id);
  put(row, 'DeviceName', d.deviceName);
  put(row, 'AzureADDeviceId', d.azureADDeviceId?.toLowerCase());
  put(row, 'OsVersion', d.osVersion);
  put(row, 'JoinType', d.joinType);
  put(row, 'ComplianceState', d.complianceState);
  put(row, 'LastSyncDateTime', d.lastSyncDateTime);
  put(row, 'EnrolledDateTime', d.enrolledDateTime);
  put(row, 'UserPrincipalName', d.userPrincipalName);
  put(row, 'UserId', d.userId);
  put(row, 'ManagementAgent', d.managementAgent);
  put(row, 'OwnerType', d.ownerType);
  put(row, 'Manufacturer', d.manufacturer);
  put(row, 'Model', d.model);
  put(row, 'SerialNumber', d.serialNumber);
  put(row, 'SkuFamily', d.skuFamily);
  putJson(row, 'UsersLoggedOn', d.usersLoggedOn);
  if (entra) {
    put(row, 'EntraObjectId', entra.objectId);
    put(row, 'EntraAccountEnabled', entra.accountEnabled);
    put(row, 'EntraTrustType', entra.trustType);
  }
  return { partitionKey: devicePartition(d.id), rowKey: keyPart(d.id), ...row };
}

export interface StoredDevice extends ManagedDeviceRecord {
  /** The device left Intune (kept, never dropped). */
  removed: boolean;
  removedAt: string | null;
  /** Its Entra device (from the devices list), null when the list did not have it. */
  entra: Omit<EntraDeviceRecord, 'deviceId'> | null;
}

export function deviceFromEntity(row: Row): StoredDevice {
  return {
    id: text(row, 'ManagedDeviceId') ?? String(row.rowKey),
    deviceName: text(row, 'DeviceName'),
    azureADDeviceId: text(row, 'AzureADDeviceId'),
    osVersion: text(row, 'OsVersion'),
    joinType: text(row, 'JoinType'),
    complianceState: text(row, 'ComplianceState'),
    lastSyncDateTime: text(row, 'LastSyncDateTime'),
    enrolledDateTime: text(row, 'EnrolledDateTime'),
    userPrincipalName: text(row, 'UserPrincipalName'),
    userId: text(row, 'UserId'),
    managementAgent: text(row, 'ManagementAgent'),
    ownerType: text(row, 'OwnerType'),
    manufacturer: text(row, 'Manufacturer'),
    model: text(row, 'Model'),
    serialNumber: text(row, 'SerialNumber'),
    skuFamily: text(row, 'SkuFamily'),
    usersLoggedOn: json(row, 'UsersLoggedOn', []),
    removed: row.Removed === true,
    removedAt: removedAt(row),
    entra: text(row, 'EntraObjectId')
      ? {
          objectId: text(row, 'EntraObjectId') as string,
          accountEnabled: typeof row.EntraAccountEnabled === 'boolean' ? row.EntraAccountEnabled : null,
          trustType: text(row, 'EntraTrustType'),
        }
      : null,
  };
}

// --- DeviceTargeting --------------------------------------------------------------------

export interface TargetingInput {
  managedDeviceId: string;
  azureADDeviceId: string | null;
  /** Entra device.id, known when the device is a member of some assigned group. */
  entraObjectId: string | null;
  userIds: string[];
  /** Assigned groups (of any PIN recovery policy) holding the device object, transitively. */
  deviceGroups?: string[];
  /** Per user id: the assigned groups holding that user. */
  userGroups?: Record<string, string[]>;
}

export function targetingEntity(input: TargetingInput, t: Targeting): TableEntity {
  const row: Row = {};
  put(row, 'ManagedDeviceId', input.managedDeviceId);
  put(row, 'AzureADDeviceId', input.azureADDeviceId);
  put(row, 'EntraObjectId', input.entraObjectId);
  putJson(row, 'UserIds', input.userIds);
  // Only when there is something to say: most devices sit in none of the assigned groups.
  if (input.deviceGroups?.length) putJson(row, 'DeviceGroups', input.deviceGroups);
  if (input.userGroups && Object.keys(input.userGroups).length > 0)
    putJson(row, 'UserGroups', input.userGroups);
  put(row, 'Result', t.result);
  putJson(row, 'DecidedBy', t.decidedBy);
  putJson(row, 'Reaching', t.reaching);
  putJson(row, 'Filters', t.filters);
  putJson(row, 'Ineffective', t.ineffective);
  if (t.mixedExclusions?.length) putJson(row, 'MixedExclusions', t.mixedExclusions);
  return {
    partitionKey: devicePartition(input.managedDeviceId),
    rowKey: keyPart(input.managedDeviceId),
    ...row,
  };
}

export interface StoredTargeting extends Targeting, TargetingInput {
  removed: boolean;
}

export function targetingFromEntity(row: Row): StoredTargeting {
  return {
    managedDeviceId: text(row, 'ManagedDeviceId') ?? String(row.rowKey),
    azureADDeviceId: text(row, 'AzureADDeviceId'),
    entraObjectId: text(row, 'EntraObjectId'),
    userIds: json<string[]>(row, 'UserIds', []),
    deviceGroups: json<string[]>(row, 'DeviceGroups', []),
    userGroups: json<Record<string, string[]>>(row, 'UserGroups', {}),
    result: (text(row, 'Result') ?? 'notConfigured') as TargetingResult,
    decidedBy: json<string[]>(row, 'DecidedBy', []),
    reaching: json<PolicyReach[]>(row, 'Reaching', []),
    filters: json<FilterDependency[]>(row, 'Filters', []),
    ineffective: json<PolicyReach[]>(row, 'Ineffective', []),
    ...(typeof row.MixedExclusions === 'string'
      ? { mixedExclusions: json<MixedExclusion[]>(row, 'MixedExclusions', []) }
      : {}),
    removed: row.Removed === true,
  };
}

// --- Policies ---------------------------------------------------------------------------

export function policyEntity(p: PinRecoveryPolicy): TableEntity {
  const row: Row = {};
  put(row, 'PolicyId', p.id);
  put(row, 'GraphId', p.graphId);
  put(row, 'Name', p.name);
  put(row, 'Kind', p.kind);
  put(row, 'Scope', p.scope);
  // Absent Value = the policy names the setting without a readable value (null).
  put(row, 'Value', p.value);
  put(row, 'Effective', p.effective);
  putJson(row, 'Issues', p.issues);
  put(row, 'LastModifiedDateTime', p.lastModifiedDateTime);
  putJson(row, 'Assignments', p.assignments);
  return { partitionKey: POLICY_PARTITION, rowKey: keyPart(p.id), ...row };
}

export interface StoredPolicy extends PinRecoveryPolicy {
  removed: boolean;
}

export function policyFromEntity(row: Row): StoredPolicy {
  const graphId = text(row, 'GraphId');
  const value = row.Value;
  return {
    id: text(row, 'PolicyId') ?? String(row.rowKey),
    ...(graphId ? { graphId } : {}),
    name: text(row, 'Name') ?? '',
    kind: (text(row, 'Kind') ?? 'settingsCatalog') as PinRecoveryPolicy['kind'],
    scope: (text(row, 'Scope') ?? 'device') as PinRecoveryPolicy['scope'],
    value: typeof value === 'boolean' ? value : null,
    effective: row.Effective === true,
    issues: json<string[]>(row, 'Issues', []),
    lastModifiedDateTime: text(row, 'LastModifiedDateTime'),
    assignments: json<PinRecoveryPolicy['assignments']>(row, 'Assignments', []),
    removed: row.Removed === true,
  };
}

// --- Tenant -----------------------------------------------------------------------------

export interface StoredTenant {
  tenantId: string;
  readiness: TenantReadiness;
}

export function tenantEntity(tenantId: string, r: TenantReadiness): TableEntity {
  const row: Row = {};
  put(row, 'TenantId', tenantId);
  put(row, 'State', r.state);
  for (const [prefix, app] of [
    ['Service', r.service],
    ['Client', r.client],
  ] as const) {
    put(row, `${prefix}Present`, app.present);
    put(row, `${prefix}Enabled`, app.enabled);
    put(row, `${prefix}PrincipalId`, app.servicePrincipalId);
  }
  put(row, 'Error', r.error);
  return { partitionKey: TENANT_PARTITION, rowKey: TENANT_READINESS_ROW, ...row };
}

export function tenantFromEntity(row: Row): StoredTenant {
  const bool = (name: string) => (typeof row[name] === 'boolean' ? (row[name] as boolean) : null);
  const app = (prefix: string) => ({
    present: bool(`${prefix}Present`),
    enabled: bool(`${prefix}Enabled`),
    servicePrincipalId: text(row, `${prefix}PrincipalId`),
  });
  const error = text(row, 'Error');
  return {
    tenantId: text(row, 'TenantId') ?? '',
    readiness: {
      service: app('Service'),
      client: app('Client'),
      state: (text(row, 'State') ?? 'unknown') as TenantReadiness['state'],
      ...(error ? { error } : {}),
    },
  };
}
