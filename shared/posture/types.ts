/**
 * Device posture: can a forgotten WHfB PIN on this device be reset without losing keys, and if
 * not, why (domain.md §7). Plain data only: the record is flat enough to become one table row
 * and one OData `Devices` row; structured columns (reasons, users, warnings) are JSON there.
 */
import type { CanReset, JoinType } from '../dsregcmd/types.js';
import type { PinRecoveryPolicy, Targeting, TargetingResult } from '../targeting/types.js';
import type {
  LatestUserState,
  ManagedDeviceRecord,
  TenantReadiness,
  TenantReadinessState,
} from './inputs.js';

/**
 * Severity order, worst first (the worst fresh user decides a device):
 * destructiveOnly > unknown > noHelloKey > nonDestructive. `stale` and `notReported` are
 * device-only states about the age of our data, not about the device. `entraRegistered`
 * (BYOD, registered only) is a device that cannot use non-destructive reset at all and runs no
 * agent: outside the ready share, and never counted as "not reported".
 */
export type Posture =
  | 'nonDestructive'
  | 'destructiveOnly'
  | 'noHelloKey'
  | 'notReported'
  | 'stale'
  | 'unknown'
  | 'entraRegistered';

export const POSTURES: readonly Posture[] = [
  'nonDestructive',
  'destructiveOnly',
  'noHelloKey',
  'unknown',
  'stale',
  'notReported',
  'entraRegistered',
];

import type { ReasonCode } from './registry.js';
import type { ReadyShares } from './shares.js';

/** Reason codes, in priority order: the registry (./registry.ts) defines them. */
export { REASON_CODES, type ReasonCode } from './registry.js';

export interface ReasonEvidence {
  policyIds?: string[];
  /** Named ISO timestamps, e.g. { policyModified, lastSync }. */
  dates?: Record<string, string>;
  /** Named observed values, e.g. { osBuild: '15063' }. */
  values?: Record<string, string | number | boolean | null>;
}

export interface Reason {
  code: ReasonCode;
  /** One actionable sentence for an operator. */
  message: string;
  evidence: ReasonEvidence;
  /** True when the reason is an unverified hypothesis (PROTECTOR_NOT_CREATED). */
  hypothesis?: boolean;
}

/** One user on the device, as of their latest report. Also what `previous` carries forward. */
export interface UserPosture {
  userKey: string;
  upn: string | null;
  posture: Exclude<Posture, 'notReported' | 'stale'>;
  /** The report is older than staleDays: listed, but it does not decide the device posture. */
  stale: boolean;
  reportedAt: string;
  canReset: CanReset | null;
  canResetRaw: string | null;
  ngcSet: boolean | null;
  reasonCodes: ReasonCode[];
  /** Last NgcKeyId ever seen for this user here (kept through NgcSet NO reports), for reset detection. */
  lastKeyId: string | null;
  /** reportedAt / canReset of the latest report that carried lastKeyId. */
  lastKeyReportAt: string | null;
  lastKeyCanReset: CanReset | null;
  /** First report time at which lastKeyId was seen (bounds the key's age from above). */
  keyFirstSeenAt: string | null;
}

export type PreviousUser = Pick<
  UserPosture,
  'userKey' | 'lastKeyId' | 'lastKeyReportAt' | 'lastKeyCanReset' | 'keyFirstSeenAt'
>;

/** What the last evaluation stored; a DevicePosture is one. */
export interface PreviousPosture {
  posture: Posture;
  destructiveOnlySince: string | null;
  users: readonly PreviousUser[];
}

/** Device facts from its own latest report (LatestDeviceState fits). */
export interface ReportedDeviceFacts {
  joinType: JoinType;
  osVersion: string | null;
  deviceName: string | null;
}

export interface PostureInput {
  /** Intune record; null when the device reported but has no managedDevice. */
  device: ManagedDeviceRecord | null;
  /** Entra device id (lower case). */
  deviceId: string;
  /** The device left Intune (the collector keeps the row). */
  removed?: boolean;
  reportedDevice?: ReportedDeviceFacts | null;
  /** Entra device.accountEnabled when known; false → DEVICE_DISABLED. */
  deviceEnabled?: boolean | null;
  /** Entra device.trustType when known (AzureAd, ServerAd, Workplace). */
  entraTrustType?: string | null;
  /** Windows EditionID from the device's own evidence (e.g. 'Enterprise', 'Professional', 'Core'); Intune's skuFamily is the fallback. */
  edition?: string | null;
  targeting: Targeting | null;
  /** Policies by id (or a list), for scopes, dates and issues as evidence. */
  policies: ReadonlyMap<string, PinRecoveryPolicy> | readonly PinRecoveryPolicy[];
  tenant: TenantReadiness | null;
  /** Latest state per user on this device. */
  users: readonly LatestUserState[];
  previous?: PreviousPosture | null;
  now: Date;
  /** A report older than this many days is stale. Default 7 (Remediations report at least weekly). */
  staleDays?: number;
}

export interface DevicePosture {
  managedDeviceId: string | null;
  deviceId: string;
  deviceName: string | null;
  userPrincipalName: string | null;
  posture: Posture;
  /** Comma-joined, priority order (for filters in Power BI). */
  reasonCodes: string;
  reasons: Reason[];
  primaryReason: ReasonCode | null;
  complianceState: string | null;
  /** Intune joinType, else the reported one. */
  joinType: string | null;
  osVersion: string | null;
  osBuild: number | null;
  lastSyncDateTime: string | null;
  lastReportAt: string | null;
  destructiveOnlySince: string | null;
  daysDestructiveOnly: number | null;
  targetingResult: TargetingResult | null;
  /** Comma-joined ids of the policies that decided the targeting result. */
  targetingPolicyIds: string;
  /** Hybrid joined and DestructiveOnly: maybe no lock-screen reset at all (trust model unknown). */
  hybridKeyTrustRisk: boolean;
  /**
   * nonDestructive, the tenant's PIN reset apps present and enabled, and no known blocker of a
   * reset started now (lock screen, disabled device): a forgotten PIN can be reset now without
   * losing keys. See shares.ts for how the fleet shares count it.
   */
  resettableNow: boolean;
  removed: boolean;
  userCount: number;
  users: UserPosture[];
  /**
   * Conditions that do not explain the posture but matter: tenant blockers (every device),
   * lock-screen blockers, the hybrid severity flag, and on devices without a usable report the
   * configuration problems they will meet.
   */
  warnings: Reason[];
  warningCodes: string;
  evaluatedAt: string;
}

/** domain.md §8: a new NgcKeyId for the same user means the key was re-provisioned. */
export interface DestructiveResetEvent {
  kind: 'KEY_REPROVISIONED';
  deviceId: string;
  userKey: string;
  upn: string | null;
  oldKeyId: string;
  newKeyId: string;
  previousReportAt: string | null;
  detectedReportAt: string;
  /** The report with the old key said DestructiveOnly: probably a destructive PIN reset. */
  likelyDestructive: boolean;
}

export interface PostureEvaluation {
  record: DevicePosture;
  events: DestructiveResetEvent[];
}

export interface PostureSummary {
  evaluatedAt: string;
  totals: {
    /** Devices counted below (removed devices excluded). */
    devices: number;
    removed: number;
    /** Devices with at least one report (fresh or stale), Entra registered ones excluded: the share denominator. */
    reported: number;
    users: number;
  };
  byPosture: Record<Posture, number>;
  /** Devices carrying each code (a device counts once per code). */
  byReason: Record<ReasonCode, number>;
  byWarning: Partial<Record<ReasonCode, number>>;
  byComplianceState: Record<string, number>;
  byJoinType: Record<string, number>;
  /** Key: the build number, or 'unknown'. */
  byOsBuild: Record<string, number>;
  hybridKeyTrustRisk: number;
  tenantReadiness: TenantReadinessState | 'notCollected';
  destructiveResets: {
    last7Days: number;
    last30Days: number;
    likelyDestructiveLast7Days: number;
    likelyDestructiveLast30Days: number;
  };
  /** Devices that are resettable now (DevicePosture.resettableNow). */
  resettableNow: number;
  /** The ready shares, one definition everywhere (shares.ts). */
  shares: ReadyShares;
  /** = shares.configuredReadyShare (kept for existing clients). */
  nonDestructiveShare: number | null;
}

export interface ReasonGuidance {
  title: string;
  action: string;
  docsUrl: string;
}
