/**
 * Group expansion for targeting: transitive device and user members of each assigned group
 * (graph.md §8). Device members carry Entra device.id; asking for deviceId too gives the
 * deviceId → id map that links them to managedDevice.azureADDeviceId, with no extra call.
 */
import type { ReportedUserRef } from '../../posture/inputs.js';
import type { GroupMembership, PinRecoveryPolicy, TargetDevice } from '../../targeting/types.js';
import { deviceTargetUsers, type UserDirectory } from '../../targeting/users.js';
import type { GraphPort, GraphRequestOptions } from '../port.js';
import { batchCollections } from './fetch.js';
import { deviceUserIds, type ManagedDeviceRecord } from './managed-devices.js';
import { normalGuid } from './odata.js';

/** The cast + another query option is an advanced query (graph.md §4.2, §8). */
const ADVANCED: GraphRequestOptions = { version: 'v1.0', headers: { ConsistencyLevel: 'eventual' } };

/**
 * Device members: id and deviceId (the map to managedDevice.azureADDeviceId). User members: id,
 * and the UPN and on-premises SID that name a user in a device's own report.
 */
export function membersPath(groupId: string, cast: 'device' | 'user'): string {
  const select = cast === 'device' ? 'id,deviceId' : 'id,userPrincipalName,onPremisesSecurityIdentifier';
  return `/groups/${encodeURIComponent(groupId)}/transitiveMembers/microsoft.graph.${cast}?$select=${select}&$top=999&$count=true`;
}

export interface GroupMembers {
  devices: Set<string>;
  users: Set<string>;
  /** False when the group no longer exists (404): treated as empty. */
  found: boolean;
}

export interface CollectedMembership extends GroupMembership, UserDirectory {
  groups: Map<string, GroupMembers>;
  /** Entra deviceId → device object id, for every device member seen. */
  objectIdByDeviceId: Map<string, string>;
  /** Device members returned without deviceId ("limited information": Device.Read.All missing). */
  unmappedDeviceMembers: number;
}

interface MemberItem {
  id?: string;
  deviceId?: string | null;
  userPrincipalName?: string | null;
  onPremisesSecurityIdentifier?: string | null;
}

export async function collectGroupMembers(
  graph: GraphPort,
  groupIds: Iterable<string>,
): Promise<CollectedMembership> {
  const ids = [...new Set([...groupIds].map((g) => g.toLowerCase()))];
  const requests = ids.flatMap((g, i) => [
    { id: `${i}d`, url: membersPath(g, 'device') },
    { id: `${i}u`, url: membersPath(g, 'user') },
  ]);
  const pages = await batchCollections<MemberItem>(graph, requests, ADVANCED);

  const groups = new Map<string, GroupMembers>();
  const objectIdByDeviceId = new Map<string, string>();
  const userBySid = new Map<string, string>();
  const userByUpn = new Map<string, string>();
  let unmapped = 0;
  ids.forEach((g, i) => {
    const devices = pages.get(`${i}d`) ?? null;
    const users = pages.get(`${i}u`) ?? null;
    const entry: GroupMembers = {
      devices: new Set(),
      users: new Set(),
      found: devices !== null && users !== null,
    };
    for (const d of devices ?? []) {
      const id = normalGuid(d.id);
      if (!id) continue;
      entry.devices.add(id);
      const deviceId = normalGuid(d.deviceId);
      if (deviceId) objectIdByDeviceId.set(deviceId, id);
      else unmapped++;
    }
    for (const u of users ?? []) {
      const id = normalGuid(u.id);
      if (!id) continue;
      entry.users.add(id);
      if (u.userPrincipalName) userByUpn.set(u.userPrincipalName.toLowerCase(), id);
      if (u.onPremisesSecurityIdentifier) userBySid.set(u.onPremisesSecurityIdentifier.toUpperCase(), id);
    }
    groups.set(g, entry);
  });

  const none: ReadonlySet<string> = new Set();
  return {
    groups,
    objectIdByDeviceId,
    unmappedDeviceMembers: unmapped,
    devicesOf: (g) => groups.get(g.toLowerCase())?.devices ?? none,
    usersOf: (g) => groups.get(g.toLowerCase())?.users ?? none,
    userIdBySid: (sid) => userBySid.get(sid.toUpperCase()),
    userIdByUpn: (upn) => userByUpn.get(upn.toLowerCase()),
  };
}

/** Every group an assignment names (inclusions and exclusions): the groups to expand. */
export function assignedGroupIds(policies: readonly PinRecoveryPolicy[]): string[] {
  const ids = new Set<string>();
  for (const p of policies) for (const a of p.assignments) if (a.groupId) ids.add(a.groupId.toLowerCase());
  return [...ids];
}

/**
 * A managed device as targeting sees it. Its Entra object id comes from the group members'
 * deviceId map (a device absent from it is in none of the expanded groups, so null loses
 * nothing), else from the Entra devices list. Its users: primary, logged on, and the users that
 * report from it (shared/targeting/users.ts).
 */
export function targetDeviceFor(
  device: ManagedDeviceRecord,
  membership: CollectedMembership,
  reported: readonly ReportedUserRef[] = [],
  entraObjectId: string | null = null,
): TargetDevice {
  const objectId = device.azureADDeviceId
    ? membership.objectIdByDeviceId.get(device.azureADDeviceId)
    : undefined;
  return {
    entraObjectId: objectId ?? entraObjectId,
    userIds: deviceTargetUsers(deviceUserIds(device), reported, membership),
  };
}

/**
 * The expanded (assigned) groups holding the device object and each of its users: what an
 * explanation of the targeting answer needs later (shared/targeting/explain.ts). Only groups
 * with a match are listed, so a device in none of them costs nothing.
 */
export function membershipOf(
  target: TargetDevice,
  membership: CollectedMembership,
): { deviceGroups: string[]; userGroups: Record<string, string[]> } {
  const deviceGroups: string[] = [];
  const userGroups: Record<string, string[]> = {};
  for (const [groupId, members] of membership.groups) {
    if (target.entraObjectId && members.devices.has(target.entraObjectId)) deviceGroups.push(groupId);
    for (const u of target.userIds) {
      if (!members.users.has(u) && !members.users.has(u.toLowerCase())) continue;
      const list = userGroups[u] ?? [];
      list.push(groupId);
      userGroups[u] = list;
    }
  }
  return { deviceGroups, userGroups };
}
