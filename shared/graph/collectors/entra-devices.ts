/**
 * Entra devices, one list call paged at 999: accountEnabled (DEVICE_DISABLED), trustType (join
 * type when Intune does not say) and the object id targeting matches group members on. Windows
 * only: `operatingSystem eq 'Windows'` is a plain filter on devices (no ConsistencyLevel), and the
 * result is re-checked here in case a filter is ignored. Chain-friendly: the path and the page
 * parser stand alone.
 */
import type { EntraDeviceRecord } from '../../posture/inputs.js';
import type { GraphPort } from '../port.js';
import { collectAll } from './fetch.js';
import { normalGuid, str } from './odata.js';

export const ENTRA_DEVICE_SELECT = [
  'id',
  'deviceId',
  'accountEnabled',
  'trustType',
  'operatingSystem',
] as const;

export const ENTRA_DEVICES_PATH =
  `/devices?$filter=${encodeURIComponent("operatingSystem eq 'Windows'")}` +
  `&$select=${ENTRA_DEVICE_SELECT.join(',')}&$top=999`;

/** One device JSON → record; null when it is not a Windows device or has no usable ids. */
export function parseEntraDevice(raw: unknown): EntraDeviceRecord | null {
  const objectId = normalGuid(str(raw, 'id'));
  const deviceId = normalGuid(str(raw, 'deviceId'));
  if (!objectId || !deviceId) return null;
  const os = str(raw, 'operatingSystem');
  if (os !== null && !/^windows/i.test(os.trim())) return null;
  const enabled =
    raw && typeof raw === 'object' ? (raw as Record<string, unknown>).accountEnabled : undefined;
  return {
    objectId,
    deviceId,
    accountEnabled: typeof enabled === 'boolean' ? enabled : null,
    trustType: str(raw, 'trustType'),
  };
}

export async function collectEntraDevices(graph: GraphPort): Promise<EntraDeviceRecord[]> {
  const raw = await collectAll<unknown>(graph, ENTRA_DEVICES_PATH, { version: 'v1.0' });
  return raw.flatMap((r) => parseEntraDevice(r) ?? []);
}
