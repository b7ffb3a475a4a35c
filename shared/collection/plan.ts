/**
 * Pure steps of a collection run: which groups to expand, each device's targeting input
 * (Entra object id through the deviceId map, primary + logged-on users), the desired
 * entities per table, and what a run cost in Graph requests.
 */
import type { TableEntity } from '@azure/data-tables';
import type { CollectedMembership } from '../graph/collectors/groups.js';
import { deviceUserIds, type ManagedDeviceRecord } from '../graph/collectors/managed-devices.js';
import type { GraphStats } from '../graph/port.js';
import { effectiveTargeting } from '../targeting/effective-targeting.js';
import type { GroupMembership, PinRecoveryPolicy, TargetingResult } from '../targeting/types.js';
import { deviceEntity, type TargetingInput, targetingEntity } from './entities.js';

/** Every group any PIN-recovery assignment names (include or exclude, effective or not: ineffective reaches are evidence). */
export function assignedGroupIds(policies: readonly PinRecoveryPolicy[]): string[] {
  const ids = new Set<string>();
  for (const p of policies) {
    for (const a of p.assignments) if (a.groupId) ids.add(a.groupId.toLowerCase());
  }
  return [...ids].sort();
}

/**
 * Group members carry Entra device.id; Intune carries azureADDeviceId (= Entra deviceId,
 * graph.md §3). The map from the group expansion links them; a device in no assigned group
 * needs no object id, since only group membership looks at it.
 */
export function targetingInput(
  d: ManagedDeviceRecord,
  membership: Pick<CollectedMembership, 'objectIdByDeviceId'>,
): TargetingInput {
  const aad = d.azureADDeviceId?.toLowerCase() ?? null;
  return {
    managedDeviceId: d.id,
    azureADDeviceId: aad,
    entraObjectId: aad ? (membership.objectIdByDeviceId.get(aad) ?? null) : null,
    userIds: deviceUserIds(d),
  };
}

export interface TargetingEntities {
  entities: TableEntity[];
  byResult: Record<TargetingResult, number>;
}

export function targetingEntities(
  devices: readonly ManagedDeviceRecord[],
  policies: readonly PinRecoveryPolicy[],
  membership: GroupMembership & Pick<CollectedMembership, 'objectIdByDeviceId'>,
): TargetingEntities {
  const byResult: Record<TargetingResult, number> = {
    enabled: 0,
    disabled: 0,
    notConfigured: 0,
    conflict: 0,
    dependsOnFilter: 0,
  };
  const entities = devices.map((d) => {
    const input = targetingInput(d, membership);
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

export function deviceEntities(devices: readonly ManagedDeviceRecord[]): TableEntity[] {
  return devices.map(deviceEntity);
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
