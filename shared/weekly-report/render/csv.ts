/**
 * The every-device CSV attached to the mail (quoting and the formula guard: shared/csv).
 */
import { csvCell, csvLine } from '../../csv/csv.js';
import { reasonGuidance } from '../../posture/guidance.js';
import { type DevicePosture, REASON_CODES, type ReasonCode } from '../../posture/types.js';

export const DEVICE_CSV_COLUMNS = [
  'DeviceName',
  'DeviceId',
  'ManagedDeviceId',
  'UserPrincipalName',
  'Posture',
  'PrimaryReason',
  'ReasonCodes',
  'RecommendedAction',
  'DestructiveOnlySince',
  'DaysDestructiveOnly',
  'HybridKeyTrustRisk',
  'WarningCodes',
  'TargetingResult',
  'ComplianceState',
  'JoinType',
  'OsVersion',
  'OsBuild',
  'LastSyncDateTime',
  'LastReportAt',
  'UserCount',
  'LeftIntune',
] as const;

const SEVERITY: Record<string, number> = {
  destructiveOnly: 0,
  unknown: 1,
  noHelloKey: 2,
  stale: 3,
  notReported: 4,
  nonDestructive: 5,
};

function isReasonCode(c: string | null): c is ReasonCode {
  return c !== null && (REASON_CODES as readonly string[]).includes(c);
}

/** Days counted to `now` for destructiveOnly devices (as in the mail), else what the record says. */
function days(d: DevicePosture, now: Date): number | null {
  if (d.posture !== 'destructiveOnly' || !d.destructiveOnlySince) return d.daysDestructiveOnly;
  const t = Date.parse(d.destructiveOnlySince);
  return Number.isFinite(t) ? Math.max(0, Math.floor((now.getTime() - t) / 86_400_000)) : null;
}

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
  let out = csvLine(DEVICE_CSV_COLUMNS);
  for (const d of sorted) {
    out += csvLine([
      d.deviceName,
      d.deviceId,
      d.managedDeviceId,
      d.userPrincipalName,
      d.posture,
      d.primaryReason,
      d.reasonCodes,
      isReasonCode(d.primaryReason) ? reasonGuidance(d.primaryReason).action : null,
      d.destructiveOnlySince,
      days(d, now),
      d.hybridKeyTrustRisk,
      d.warningCodes,
      d.targetingResult,
      d.complianceState,
      d.joinType,
      d.osVersion,
      d.osBuild,
      d.lastSyncDateTime,
      d.lastReportAt,
      d.userCount,
      d.removed,
    ]);
  }
  return out;
}

export { csvCell };
