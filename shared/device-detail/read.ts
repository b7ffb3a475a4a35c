/**
 * Gathers one device's detail from the stores with point reads and small range reads (its
 * posture row and users, its Intune record and targeting, the policy list, its own report
 * history, its re-provisioned keys) plus group names: the cost does not grow with the fleet.
 */
import { CollectionStore } from '../collection/store.js';
import type { GroupNames } from '../graph/collectors/group-names.js';
import type { PostureStore } from '../posture-store/store.js';
import type { TableReportStore } from '../storage/report-store.js';
import type { TableProvider } from '../storage/tables.js';
import { type DeviceDetail, deviceDetail, groupIdsOf } from './model.js';

export interface DeviceDetailDeps {
  tables: TableProvider;
  posture: Pick<PostureStore, 'getPosture' | 'deviceUsers' | 'eventsForDevice'>;
  reports: Pick<TableReportStore, 'listReportHistory'>;
  groupNames?: GroupNames;
}

const DEVICE_KEY = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function isDeviceKey(value: string): boolean {
  return DEVICE_KEY.test(value);
}

/** Null when no posture row exists for the key (never collected or reported). */
export async function readDeviceDetail(
  deps: DeviceDetailDeps,
  deviceKey: string,
  options: { historyTop?: number } = {},
): Promise<DeviceDetail | null> {
  const key = deviceKey.toLowerCase();
  const collection = new CollectionStore(deps.tables);
  const stored = await deps.posture.getPosture(key);
  if (!stored) return null;
  const managedId = stored.record.managedDeviceId;
  const [users, device, targeting, policies, history, events] = await Promise.all([
    deps.posture.deviceUsers(key),
    managedId ? collection.getDevice(managedId) : Promise.resolve(null),
    managedId ? collection.getTargeting(managedId) : Promise.resolve(null),
    collection.listPolicies(),
    deps.reports.listReportHistory(stored.record.deviceId, { top: options.historyTop ?? 20 }),
    deps.posture.eventsForDevice(key),
  ]);
  const groupNames = deps.groupNames ? await deps.groupNames.names(groupIdsOf(policies)) : new Map();
  return deviceDetail({
    deviceKey: key,
    posture: stored.record,
    users,
    device,
    targeting,
    policies,
    history,
    events,
    groupNames,
  });
}
