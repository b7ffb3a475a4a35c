/**
 * Alerts: conditions someone must act on, kept as Table rows with a lifecycle (open →
 * re-notified → resolved) so a condition is announced once, not on every evaluation.
 */
import type { TargetingResult } from '../targeting/types.js';

export const ALERT_TYPES = [
  'DEVICE_DESTRUCTIVE_ONLY',
  'PINRESET_APPS_MISSING',
  'PINRESET_APP_DISABLED',
  'COLLECTION_FAILING',
  'NO_REPORTS',
] as const;
export type AlertType = (typeof ALERT_TYPES)[number];

/** critical: no device in the tenant can reset non-destructively; warning: someone should look. */
export type AlertSeverity = 'critical' | 'warning';

export type AlertStatus = 'open' | 'resolved';

/** A condition that holds now, as the pure rules see it. */
export interface DesiredAlert {
  /** Stable across evaluations: the same condition always has the same key. */
  key: string;
  type: AlertType;
  severity: AlertSeverity;
  deviceId: string | null;
  deviceName: string | null;
  /** When the condition started as far as we know (destructiveOnlySince, last report, …). */
  since: string | null;
  /** One sentence for an operator; names devices and policy ids, never tokens or report bodies. */
  details: string;
}

/** The facts of one posture row the device rule needs. */
export interface AlertPostureFacts {
  deviceId: string;
  deviceName: string | null;
  posture: string;
  destructiveOnlySince: string | null;
  targetingResult: TargetingResult | null;
  targetingPolicyIds: string;
  primaryReason: string | null;
  /** Left Intune: out of scope. */
  removed: boolean;
}

export interface AlertRuleSettings {
  destructiveDays: number;
  silenceHours: number;
  /** A collection older than this (hours) counts as failing even if the last one succeeded. */
  collectionMaxAgeHours?: number;
}

/** A stored alert row, read back. */
export interface StoredAlert {
  partitionKey: string;
  rowKey: string;
  key: string;
  type: AlertType;
  severity: AlertSeverity;
  status: AlertStatus;
  deviceId: string | null;
  deviceName: string | null;
  since: string | null;
  openedAt: string;
  lastNotifiedAt: string;
  notifyCount: number;
  resolvedAt: string | null;
  resolvedReason: string | null;
  days: number;
  details: string;
  etag?: string;
}
