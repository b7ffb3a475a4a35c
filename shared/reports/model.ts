/**
 * What one accepted report is, once verified and parsed. The storage layer persists
 * it; posture (a later issue) reads it. Raw command output is kept verbatim in
 * `rawBody` so a parser fix can re-read history.
 */
import type { CanReset, JoinType } from '../dsregcmd/types.js';
import type { DeviceEvidence, UserEvidence } from '../posture/evidence.js';

export type ReportSource = 'agent' | 'remediation';
export type ReportTrust = 'verified' | 'unverified';

/** The per-user facts posture needs, parsed from the dsregcmd run in that user's session. */
export interface UserReport {
  /** Stable key of the user on this device: lower-case SID, else lower-case UPN. */
  userKey: string;
  upn: string | null;
  sid: string | null;
  canReset: CanReset | null;
  /** Raw CanReset text as printed (kept for unrecognised values). */
  canResetRaw: string | null;
  ngcSet: boolean | null;
  /** Normalised: lower-case, no braces. */
  ngcKeyId: string | null;
  /** The run was not in the user's context (SYSTEM / elevated), so User State is not valid. */
  notUserContext: boolean;
  /** Registry evidence and the trust model for this user (schema v2; v1: trust model from dsregcmd only). */
  evidence: UserEvidence;
  warnings: string[];
}

/** Device-level facts, from the SYSTEM run. */
export interface DeviceFacts {
  joinType: JoinType;
  deviceId: string | null;
  tenantId: string | null;
  tenantName: string | null;
  deviceName: string | null;
  osVersion: string | null;
  /** Device-wide registry evidence (schema v2; every group notReported for v1). */
  evidence: DeviceEvidence;
  warnings: string[];
}

export interface AcceptedReport {
  reportId: string;
  /** Entra device id (lower-case GUID), the partition of everything about this device. */
  deviceId: string;
  receivedAt: string;
  collectedAt: string;
  source: ReportSource;
  trust: ReportTrust;
  agentVersion: string | null;
  agentMode: string | null;
  intuneDeviceId: string | null;
  device: DeviceFacts;
  users: UserReport[];
  /** The exact body as received (UTF-8 JSON); stored split, never cut. */
  rawBody: string;
}

export interface NonceClaim {
  value: string;
  /** When the nonce may be forgotten: request timestamp + window. */
  expiresAt: Date;
}

export interface DailyLimit {
  /** UTC day the upload counts against, yyyymmdd. */
  day: string;
  max: number;
}

export type CommitOutcome =
  | { ok: true }
  | { ok: false; reason: 'replay' }
  | { ok: false; reason: 'rate_limited'; retryAfterSeconds: number };

/** Storage port of the ingest path (check 8 and 9 of the protocol, atomically with the report). */
export interface ReportCommitter {
  /**
   * Stores the report together with its nonce, unless the device is over its daily
   * limit (nothing stored) or the nonce was seen (nothing stored). Throws on storage
   * failure; the caller answers 503 and the agent retries with a new nonce.
   */
  commit(report: AcceptedReport, nonce: NonceClaim, limit: DailyLimit, now: Date): Promise<CommitOutcome>;
}
