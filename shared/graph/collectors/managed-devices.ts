/**
 * Intune inventory: Windows managed devices from beta (joinType and usersLoggedOn exist only
 * there). The OS is re-checked here because managedDevices may ignore a $filter (graph.md §4.1).
 */
import type { ManagedDeviceRecord } from '../../posture/inputs.js';
import type { GraphPort } from '../port.js';
import { collectAll } from './fetch.js';
import { arr, normalGuid, str } from './odata.js';

export const MANAGED_DEVICE_SELECT = [
  'id',
  'deviceName',
  'operatingSystem',
  'azureADDeviceId',
  'osVersion',
  'joinType',
  'complianceState',
  'lastSyncDateTime',
  'enrolledDateTime',
  'userPrincipalName',
  'userId',
  'managementAgent',
  'ownerType',
  'manufacturer',
  'model',
  'serialNumber',
  'skuFamily',
  'usersLoggedOn',
] as const;

export const MANAGED_DEVICES_PATH =
  `/deviceManagement/managedDevices?$filter=${encodeURIComponent("operatingSystem eq 'Windows'")}` +
  `&$select=${MANAGED_DEVICE_SELECT.join(',')}&$top=1000`;

export type { ManagedDeviceRecord };

/** One managedDevice JSON → record; null when it is not a Windows device. */
export function parseManagedDevice(raw: unknown): ManagedDeviceRecord | null {
  const id = str(raw, 'id');
  if (!id) return null;
  const os = str(raw, 'operatingSystem');
  if (os !== null && os.trim().toLowerCase() !== 'windows') return null;
  const text = (k: string) => {
    const v = str(raw, k);
    return v === null || v === '' ? null : v;
  };
  const usersLoggedOn: ManagedDeviceRecord['usersLoggedOn'] = [];
  for (const u of arr(raw, 'usersLoggedOn')) {
    const userId = normalGuid(str(u, 'userId'));
    if (userId) usersLoggedOn.push({ userId, lastLogOnDateTime: str(u, 'lastLogOnDateTime') });
  }
  return {
    id: id.toLowerCase(),
    deviceName: text('deviceName'),
    azureADDeviceId: normalGuid(str(raw, 'azureADDeviceId')),
    osVersion: text('osVersion'),
    joinType: text('joinType'),
    complianceState: text('complianceState'),
    lastSyncDateTime: text('lastSyncDateTime'),
    enrolledDateTime: text('enrolledDateTime'),
    userPrincipalName: text('userPrincipalName'),
    userId: normalGuid(str(raw, 'userId')),
    managementAgent: text('managementAgent'),
    ownerType: text('ownerType') ?? text('managedDeviceOwnerType'),
    manufacturer: text('manufacturer'),
    model: text('model'),
    serialNumber: text('serialNumber'),
    skuFamily: text('skuFamily'),
    usersLoggedOn,
  };
}

/** Primary user plus logged-on users, deduplicated: the users a device-scope reach can come through. */
export function deviceUserIds(d: ManagedDeviceRecord): string[] {
  return [...new Set([...(d.userId ? [d.userId] : []), ...d.usersLoggedOn.map((u) => u.userId)])];
}

export async function collectManagedDevices(graph: GraphPort): Promise<ManagedDeviceRecord[]> {
  const raw = await collectAll<unknown>(graph, MANAGED_DEVICES_PATH, { version: 'beta' });
  const out: ManagedDeviceRecord[] = [];
  for (const r of raw) {
    const d = parseManagedDevice(r);
    if (d) out.push(d);
  }
  return out;
}
