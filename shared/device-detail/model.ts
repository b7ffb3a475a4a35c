/**
 * One device, everything an admin needs to answer "why is it destructive-only, and what do I
 * change?": its posture and the evidence behind each reason, each user's CanReset and report
 * times, which PIN recovery policies include or exclude it (through which assignment, group
 * and filter), and what its own reports said over time (key re-provisioning included).
 * Pure: shared/device-detail/read.ts gathers the sources. Served as GET /api/devices/{id}.
 */
import type { StoredDevice, StoredPolicy, StoredTargeting } from '../collection/entities.js';
import { reasonGuidance } from '../posture/guidance.js';
import type { DestructiveResetEvent, DevicePosture, Reason, UserPosture } from '../posture/types.js';
import type { ReportHistoryEntry } from '../storage/report-store.js';
import { explainTargeting, type PolicyOutcome } from '../targeting/explain.js';

export interface DeviceDetailSources {
  deviceKey: string;
  posture: DevicePosture;
  users: readonly UserPosture[];
  device: StoredDevice | null;
  targeting: StoredTargeting | null;
  policies: readonly StoredPolicy[];
  history: readonly ReportHistoryEntry[];
  events: readonly DestructiveResetEvent[];
  /** Group display names by lower-case id (null: the group no longer exists). */
  groupNames: ReadonlyMap<string, string | null>;
}

export interface ReasonView {
  code: string;
  title: string;
  message: string;
  action: string;
  docsUrl: string;
  hypothesis: boolean;
  evidence: Reason['evidence'];
}

export interface AssignmentView {
  target: 'group' | 'exclusionGroup' | 'allDevices' | 'allUsers';
  groupId: string | null;
  /** Null when unknown (Graph could not tell) or the group was deleted (see groupDeleted). */
  groupName: string | null;
  groupDeleted: boolean;
  filterId: string | null;
  filterType: 'include' | 'exclude' | null;
  /** What this assignment does to this device. */
  effect: 'includes' | 'excludes' | 'noMatch';
  /** The device object matched (group member, or All devices). */
  matchedDevice: boolean;
  /** Users of the device it matched: their UPN when known, else their Entra object id. */
  matchedUsers: string[];
}

export interface PolicyView {
  id: string;
  name: string;
  kind: string;
  scope: 'device' | 'user';
  /** The EnablePinRecovery value it sets (null: present without a readable value). */
  value: boolean | null;
  effective: boolean;
  issues: string[];
  lastModifiedDateTime: string | null;
  outcome: PolicyOutcome;
  /** One of the policies that decided the device's targeting result. */
  decides: boolean;
  via: ('device' | 'user')[];
  assignments: AssignmentView[];
}

export interface DeviceDetail {
  deviceKey: string;
  device: {
    deviceId: string;
    managedDeviceId: string | null;
    deviceName: string | null;
    userPrincipalName: string | null;
    posture: string;
    /** Configured ready, the tenant's PIN reset apps consented and enabled, nothing blocking. */
    resettableNow: boolean;
    primaryReason: string | null;
    complianceState: string | null;
    joinType: string | null;
    osVersion: string | null;
    osBuild: number | null;
    lastSyncDateTime: string | null;
    lastReportAt: string | null;
    destructiveOnlySince: string | null;
    daysDestructiveOnly: number | null;
    targetingResult: string | null;
    hybridKeyTrustRisk: boolean;
    removed: boolean;
    manufacturer: string | null;
    model: string | null;
    serialNumber: string | null;
    enrolledDateTime: string | null;
    ownerType: string | null;
    managementAgent: string | null;
  };
  reasons: ReasonView[];
  warnings: ReasonView[];
  users: {
    userKey: string;
    upn: string | null;
    posture: string;
    canReset: string | null;
    canResetRaw: string | null;
    ngcSet: boolean | null;
    reportedAt: string | null;
    stale: boolean;
    reasonCodes: string[];
    keyFirstSeenAt: string | null;
  }[];
  targeting: {
    /** False when the last collection has no targeting row for the device (not in Intune, or never collected). */
    collected: boolean;
    result: string | null;
    decidedBy: string[];
    policies: PolicyView[];
  };
  history: {
    reports: ReportHistoryEntry[];
    keyEvents: DestructiveResetEvent[];
  };
}

function reasonView(r: Reason): ReasonView {
  const g = reasonGuidance(r.code);
  return {
    code: r.code,
    title: g?.title ?? r.code,
    message: r.message,
    action: g?.action ?? '',
    docsUrl: g?.docsUrl ?? '',
    hypothesis: r.hypothesis === true,
    evidence: r.evidence,
  };
}

export function deviceDetail(s: DeviceDetailSources): DeviceDetail {
  const p = s.posture;
  const d = s.device;
  // Users by Entra object id: the primary user's UPN is known from Intune.
  const upnOf = (userId: string) =>
    d?.userId && d.userId.toLowerCase() === userId.toLowerCase() && d.userPrincipalName
      ? d.userPrincipalName
      : userId;
  const policies: PolicyView[] = [];
  if (s.targeting && !s.targeting.removed) {
    const t = s.targeting;
    for (const e of explainTargeting(
      {
        entraObjectId: t.entraObjectId,
        userIds: t.userIds,
        deviceGroups: t.deviceGroups ?? [],
        userGroups: t.userGroups ?? {},
      },
      s.policies,
      t,
    )) {
      policies.push({
        id: e.policy.id,
        name: e.policy.name,
        kind: e.policy.kind,
        scope: e.policy.scope,
        value: e.policy.value,
        effective: e.policy.effective,
        issues: e.policy.issues,
        lastModifiedDateTime: e.policy.lastModifiedDateTime,
        outcome: e.outcome,
        decides: e.decides,
        via: e.via,
        assignments: e.assignments.map((m) => {
          const gid = m.assignment.groupId?.toLowerCase() ?? null;
          const name = gid ? s.groupNames.get(gid) : undefined;
          return {
            target: m.assignment.target,
            groupId: gid,
            groupName: name ?? null,
            groupDeleted: name === null,
            filterId: m.assignment.filterId ?? null,
            filterType: m.assignment.filterType ?? null,
            effect: m.effect,
            matchedDevice: m.device,
            matchedUsers: m.users.map(upnOf),
          };
        }),
      });
    }
  }
  return {
    deviceKey: s.deviceKey,
    device: {
      deviceId: p.deviceId,
      managedDeviceId: p.managedDeviceId,
      deviceName: p.deviceName,
      userPrincipalName: p.userPrincipalName,
      posture: p.posture,
      resettableNow: p.resettableNow === true,
      primaryReason: p.primaryReason,
      complianceState: p.complianceState,
      joinType: p.joinType,
      osVersion: p.osVersion,
      osBuild: p.osBuild,
      lastSyncDateTime: p.lastSyncDateTime,
      lastReportAt: p.lastReportAt,
      destructiveOnlySince: p.destructiveOnlySince,
      daysDestructiveOnly: p.daysDestructiveOnly,
      targetingResult: p.targetingResult,
      hybridKeyTrustRisk: p.hybridKeyTrustRisk,
      removed: p.removed,
      manufacturer: d?.manufacturer ?? null,
      model: d?.model ?? null,
      serialNumber: d?.serialNumber ?? null,
      enrolledDateTime: d?.enrolledDateTime ?? null,
      ownerType: d?.ownerType ?? null,
      managementAgent: d?.managementAgent ?? null,
    },
    reasons: p.reasons.map(reasonView),
    warnings: p.warnings.map(reasonView),
    users: s.users.map((u) => ({
      userKey: u.userKey,
      upn: u.upn,
      posture: u.posture,
      canReset: u.canReset,
      canResetRaw: u.canResetRaw,
      ngcSet: u.ngcSet,
      reportedAt: u.reportedAt || null,
      stale: u.stale,
      reasonCodes: u.reasonCodes,
      keyFirstSeenAt: u.keyFirstSeenAt,
    })),
    targeting: {
      collected: !!s.targeting && !s.targeting.removed,
      result: s.targeting && !s.targeting.removed ? s.targeting.result : null,
      decidedBy: s.targeting?.decidedBy ?? [],
      policies,
    },
    history: { reports: [...s.history], keyEvents: [...s.events] },
  };
}

/** Group ids the explanation will name, so the reader can look their names up in one go. */
export function groupIdsOf(policies: readonly StoredPolicy[]): string[] {
  return [...new Set(policies.flatMap((p) => p.assignments.flatMap((a) => (a.groupId ? [a.groupId] : []))))];
}
