/**
 * The every-device CSV attached to the mail: the device list's columns (shared/device-list,
 * the same as the /api/devices export), in the order people work through it.
 */
import { DEVICE_COLUMN_HEADERS, deviceListCsv, deviceListRow } from '../../device-list/index.js';
import type { DevicePosture } from '../../posture/types.js';

/** Headers of the CSV, as /api/devices?format=csv writes them. */
export const DEVICE_CSV_COLUMNS = DEVICE_COLUMN_HEADERS;

const SEVERITY: Record<string, number> = {
  destructiveOnly: 0,
  unknown: 1,
  noHelloKey: 2,
  stale: 3,
  notReported: 4,
  nonDestructive: 5,
};

/** Unknown or unreadable since sorts last (localeCompare would put a sentinel before digits). */
function sinceMs(d: DevicePosture): number {
  const t = d.destructiveOnlySince ? Date.parse(d.destructiveOnlySince) : Number.NaN;
  return Number.isFinite(t) ? t : Number.POSITIVE_INFINITY;
}

/** Worst posture first, longest destructiveOnly first within it, then by name: the order people work in. */
export function devicesCsv(devices: readonly DevicePosture[], now: Date): string {
  const sorted = [...devices].sort(
    (a, b) =>
      Number(a.removed) - Number(b.removed) ||
      (SEVERITY[a.posture] ?? 9) - (SEVERITY[b.posture] ?? 9) ||
      sinceMs(a) - sinceMs(b) ||
      (a.deviceName ?? '').localeCompare(b.deviceName ?? '') ||
      a.deviceId.localeCompare(b.deviceId),
  );
  return deviceListCsv(sorted.map(deviceListRow), { now });
}

export { csvCell } from '../../csv/csv.js';
