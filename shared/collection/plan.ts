/**
 * Pure steps of a collection run: each device's targeting input (Entra object id through the
 * group members' deviceId map, primary + logged-on users), the desired entities per table,
 * and what a run cost in Graph requests.
 */
import type { TableEntity } from '@azure/data-tables';
import { type CollectedMembership, membershipOf, targetDeviceFor } from '../graph/collectors/groups.js';
import type { GraphStats } from '../graph/port.js';
import type {
  EntraDeviceRecord,
  LatestUserState,
  ManagedDeviceRecord,
  ReportedUserRef,
} from '../posture/inputs.js';
import { effectiveTargeting } from '../targeting/effective-targeting.js';
import type { PinRecoveryPolicy, TargetingResult } from '../targeting/types.js';
import { deviceEntity, type TargetingInput, targetingEntity } from './entities.js';

/** What collection knows about each device beyond Intune: its Entra object and who reports from it. */
export interface DeviceContext {
  /** Entra devices by deviceId (lower case). */
  entraByDeviceId?: ReadonlyMap<string, EntraDeviceRecord>;
  /** Users seen in each device's reports, by Entra deviceId (lower case). */
  reportedUsers?: ReadonlyMap<string, readonly ReportedUserRef[]>;
}

/** The targeting input a device row records (so a stored answer can be explained). */
export function targetingInput(
  d: ManagedDeviceRecord,
  membership: CollectedMembership,
  context: DeviceContext = {},
): TargetingInput {
  const key = d.azureADDeviceId?.toLowerCase() ?? null;
  const target = targetDeviceFor(
    d,
    membership,
    (key && context.reportedUsers?.get(key)) || [],
    (key && context.entraByDeviceId?.get(key)?.objectId) || null,
  );
  return {
    managedDeviceId: d.id,
    azureADDeviceId: d.azureADDeviceId?.toLowerCase() ?? null,
    entraObjectId: target.entraObjectId,
    userIds: target.userIds,
    ...membershipOf(target, membership),
  };
}

export interface TargetingEntities {
  entities: TableEntity[];
  byResult: Record<TargetingResult, number>;
}

export function targetingEntities(
  devices: readonly ManagedDeviceRecord[],
  policies: readonly PinRecoveryPolicy[],
  membership: CollectedMembership,
  context: DeviceContext = {},
): TargetingEntities {
  const byResult: Record<TargetingResult, number> = {
    enabled: 0,
    disabled: 0,
    notConfigured: 0,
    conflict: 0,
    dependsOnFilter: 0,
    unsupportedAssignment: 0,
  };
  const entities = devices.map((d) => {
    const input = targetingInput(d, membership, context);
    const t = effectiveTargeting(
      { entraObjectId: input.entraObjectId, userIds: input.userIds },
      policies,
      membership,
    );
    byResult[t.result]++;
    return targetingEntity(input, t);
  });
  return { entities, byResult };
}

export function deviceEntities(
  devices: readonly ManagedDeviceRecord[],
  entraByDeviceId: ReadonlyMap<string, EntraDeviceRecord> = new Map(),
): TableEntity[] {
  return devices.map((d) =>
    deviceEntity(d, (d.azureADDeviceId && entraByDeviceId.get(d.azureADDeviceId.toLowerCase())) || null),
  );
}

/** Latest reported users per device (the LatestReports projection), SYSTEM-context rows left out. */
export async function reportedUsersByDevice(
  latest: AsyncIterable<LatestUserState>,
): Promise<Map<string, ReportedUserRef[]>> {
  const out = new Map<string, ReportedUserRef[]>();
  for await (const u of latest) {
    if (u.notUserContext) continue;
    const k = u.deviceId.toLowerCase();
    const list = out.get(k) ?? [];
    list.push({ userKey: u.userKey, sid: u.sid, upn: u.upn });
    out.set(k, list);
  }
  return out;
}

/** Requests this run sent: the port's counters are cumulative, so subtract the start. */
export function graphDelta(
  before: GraphStats,
  after: GraphStats,
): { byEndpoint: Record<string, number>; requests: number; retries: number } {
  const byEndpoint: Record<string, number> = {};
  let requests = 0;
  for (const [label, n] of Object.entries(after.requestsByEndpoint)) {
    const d = n - (before.requestsByEndpoint[label] ?? 0);
    if (d <= 0) continue;
    byEndpoint[label] = d;
    // Items inside a $batch are not HTTP requests of their own.
    if (!label.endsWith('(in $batch)')) requests += d;
  }
  return { byEndpoint, requests, retries: after.retries - before.retries };
}
