/**
 * What every rule reads: the facts of one device, computed once per evaluation, and, for the
 * rules about one user's report, that user. Rules are pure functions of this context; the
 * registry (../registry.ts) says which rule decides which code.
 */
import type { Targeting, TargetingResult } from '../../targeting/types.js';
import type { JoinFacts } from '../device-facts.js';
import type { LatestUserState, ManagedDeviceRecord, TenantReadiness } from '../inputs.js';
import type { PolicyLookup } from '../policy-lookup.js';
import type { ReasonCode, ReasonEvidence } from '../types.js';
import type { KeyHistory } from '../user-state.js';

/** The join state posture believes, and which source said it. */
export type ResolvedJoin =
  | 'entraJoined'
  | 'hybridJoined'
  | 'entraRegistered'
  | 'domainJoined'
  | 'notJoined'
  | null;

export interface DeviceFacts {
  deviceId: string;
  intune: ManagedDeviceRecord | null;
  /** The device left Intune (the collector keeps its row). */
  removed: boolean;
  join: JoinFacts;
  joinType: ResolvedJoin;
  /** Which source decided joinType. */
  joinSource: 'report' | 'intune' | 'entra' | null;
  /** Entra device.accountEnabled when known. */
  deviceEnabled: boolean | null;
  osVersion: string | null;
  osBuild: number | null;
  /** Windows edition, from the device's own evidence or Intune's skuFamily. */
  edition: string | null;
  editionSource: 'report' | 'intune' | null;
  targeting: Targeting | null;
  targetingResult: TargetingResult | null;
  lookup: PolicyLookup;
  tenant: TenantReadiness | null;
  lastSync: string | null;
  now: Date;
}

export interface UserFacts {
  state: LatestUserState;
  history: KeyHistory;
}

export interface RuleContext {
  device: DeviceFacts;
  /** The user whose report is being explained; null for device-scope rules. */
  user: UserFacts | null;
  /** Codes already found for this device/user, in priority order (for fallbacks and alternatives). */
  found: readonly ReasonCode[];
}

/** What a rule returns when its code applies: one sentence for the operator and the facts behind it. */
export interface Finding {
  message: string;
  evidence: ReasonEvidence;
  /** An unverified hypothesis (PROTECTOR_NOT_CREATED). */
  hypothesis?: boolean;
}

export type Rule = (ctx: RuleContext) => Finding | null;
