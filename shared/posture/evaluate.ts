/**
 * evaluateDevicePosture: one device's inventory, targeting, tenant readiness and latest user
 * reports → its posture row and any re-provisioned keys. Pure; time is a parameter.
 *
 * Rules:
 * - no user reports → notReported; every report older than staleDays → stale;
 * - otherwise the worst fresh user decides (destructiveOnly > unknown > noHelloKey >
 *   nonDestructive); stale users stay listed but do not decide;
 * - reasons: destructiveOnly gets what the data shows against it (device, tenant, policy, sync
 *   timing, the protector hypothesis), UNEXPLAINED when nothing does; unknown gets why the value
 *   is unusable plus the configuration problems; noHelloKey/stale/notReported get the
 *   configuration problems (what the device will show once it reports a key); nonDestructive
 *   gets none, and tenant problems as warnings (the reset would still fail at the service).
 * - destructiveOnlySince is kept while the device stays destructiveOnly and cleared when it
 *   leaves (stale counts as leaving: we no longer know).
 */

import type { Targeting } from '../targeting/types.js';
import { isHybrid, type JoinFacts, osBuildOf } from './device-facts.js';
import type { LatestUserState } from './inputs.js';
import {
  deviceReasons,
  latestModified,
  orderReasons,
  type PolicyLookup,
  policyLookup,
  targetingReasons,
  tenantReasons,
} from './reasons.js';
import type {
  DestructiveResetEvent,
  DevicePosture,
  Posture,
  PostureEvaluation,
  PostureInput,
  Reason,
  UserPosture,
} from './types.js';
import { advanceKeyHistory, classifyUser, type KeyHistory, USER_SEVERITY } from './user-state.js';

const DAY_MS = 86_400_000;
export const DEFAULT_STALE_DAYS = 7;

function ms(iso: string | null | undefined): number {
  return iso ? Date.parse(iso) : Number.NaN;
}

/** Stale when strictly older than staleDays; an unreadable time counts as stale. */
export function isStale(reportedAt: string, now: Date, staleDays: number): boolean {
  const t = ms(reportedAt);
  return !Number.isFinite(t) || now.getTime() - t > staleDays * DAY_MS;
}

interface Context {
  targeting: Targeting | null;
  lookup: PolicyLookup;
  lastSync: string | null;
  hybrid: boolean;
  /** Device, tenant and policy reasons: the same for every user of the device. */
  configReasons: Reason[];
}

/** Reasons for one destructiveOnly user: config + sync timing or the protector hypothesis. */
function destructiveReasons(ctx: Context, u: LatestUserState, history: KeyHistory): Reason[] {
  const out = [...ctx.configReasons];
  const t = ctx.targeting;
  if (t?.result === 'enabled') {
    const policyModified = latestModified(t.decidedBy, ctx.lookup);
    if (policyModified) {
      const pm = ms(policyModified);
      const syncBefore = ctx.lastSync !== null && ms(ctx.lastSync) < pm;
      const reportBefore = ms(u.reportedAt) < pm;
      const dates: Record<string, string> = { policyModified, reportedAt: u.reportedAt };
      if (ctx.lastSync) dates.lastSync = ctx.lastSync;
      if (syncBefore || reportBefore) {
        out.push({
          code: 'POLICY_NOT_YET_APPLIED',
          message: syncBefore
            ? 'Sync the device with Intune: it has not checked in since the PIN recovery policy last changed.'
            : 'Wait for the next report: the latest one predates the PIN recovery policy change.',
          evidence: { policyIds: [...t.decidedBy], dates },
        });
      } else if (
        ctx.lastSync !== null &&
        history.keyFirstSeenAt !== null &&
        u.ngcKeyId !== null &&
        ms(history.keyFirstSeenAt) < pm
      ) {
        out.push({
          code: 'PROTECTOR_NOT_CREATED',
          message:
            'Possibly the key predates the policy and never got a PIN reset protector (unverified); re-provisioning the WHfB key on one test device would tell.',
          evidence: {
            policyIds: [...t.decidedBy],
            dates: { ...dates, keyFirstSeenAt: history.keyFirstSeenAt },
            values: { ngcKeyId: u.ngcKeyId },
          },
          hypothesis: true,
        });
      }
    }
  }
  if (out.length === 0) {
    out.push({
      code: 'UNEXPLAINED',
      message:
        'Nothing in the collected data explains DestructiveOnly; check the PassportForWork registry and GPOs on the device.',
      evidence: { values: { targetingResult: t?.result ?? null } },
    });
  }
  if (ctx.hybrid) {
    out.push({
      code: 'DESTRUCTIVE_ONLY_HYBRID',
      message:
        'Hybrid joined and DestructiveOnly: with key trust the user has no lock-screen PIN reset at all; fix this device first (trust model unknown).',
      evidence: { values: { canReset: 'DestructiveOnly', hybrid: true } },
    });
  }
  return out;
}

function newest(users: readonly LatestUserState[]): string | null {
  let best: string | null = null;
  for (const u of users) {
    if (Number.isFinite(ms(u.reportedAt)) && (best === null || ms(u.reportedAt) > ms(best)))
      best = u.reportedAt;
  }
  return best;
}

export function evaluateDevicePosture(input: PostureInput): PostureEvaluation {
  const now = input.now;
  const staleDays = input.staleDays ?? DEFAULT_STALE_DAYS;
  const d = input.device;
  const removed = input.removed === true;
  const reported = input.reportedDevice ?? null;
  const lookup = policyLookup(input.policies);
  const join: JoinFacts = { intune: d?.joinType ?? null, reported: reported?.joinType ?? null };
  const osVersion = d?.osVersion ?? reported?.osVersion ?? null;
  const osBuild = osBuildOf(osVersion);
  const tenant = tenantReasons(input.tenant);

  const configReasons = orderReasons([
    ...deviceReasons({
      intuneManaged: d !== null,
      removed,
      deviceId: input.deviceId,
      join,
      deviceEnabled: input.deviceEnabled ?? null,
      osVersion,
      osBuild,
      edition: input.edition ?? null,
    }),
    ...tenant,
    ...targetingReasons(input.targeting, lookup),
  ]);
  const ctx: Context = {
    targeting: input.targeting,
    lookup,
    lastSync: d?.lastSyncDateTime ?? null,
    hybrid: isHybrid(join),
    configReasons,
  };

  // Newest report first: merged reasons keep the newest user's evidence. One entry per user
  // (the newest), so a caller passing history rows cannot make a user flip keys with itself.
  const byUser = new Map<string, LatestUserState>();
  for (const u of [...input.users].sort((a, b) => (ms(b.reportedAt) || 0) - (ms(a.reportedAt) || 0))) {
    if (!byUser.has(u.userKey)) byUser.set(u.userKey, u);
  }
  const sorted = [...byUser.values()];
  const prevUsers = new Map((input.previous?.users ?? []).map((p) => [p.userKey, p]));
  const events: DestructiveResetEvent[] = [];
  const users: { posture: UserPosture; reasons: Reason[]; state: LatestUserState }[] = [];
  for (const u of sorted) {
    const { history, event } = advanceKeyHistory(input.deviceId, u, prevUsers.get(u.userKey));
    if (event) events.push(event);
    const c = classifyUser(u);
    const reasons =
      c.posture === 'destructiveOnly'
        ? orderReasons(destructiveReasons(ctx, u, history))
        : c.valueReason
          ? [c.valueReason]
          : [];
    users.push({
      state: u,
      reasons,
      posture: {
        userKey: u.userKey,
        upn: u.upn,
        posture: c.posture,
        stale: isStale(u.reportedAt, now, staleDays),
        reportedAt: u.reportedAt,
        canReset: u.canReset,
        canResetRaw: u.canResetRaw,
        ngcSet: u.ngcSet,
        reasonCodes: reasons.map((r) => r.code),
        ...history,
      },
    });
  }

  const fresh = users.filter((u) => !u.posture.stale);
  let posture: Posture;
  if (users.length === 0) posture = 'notReported';
  else if (fresh.length === 0) posture = 'stale';
  else posture = USER_SEVERITY.find((p) => fresh.some((u) => u.posture.posture === p)) ?? 'unknown';

  const deciding = fresh.filter((u) => u.posture.posture === posture);
  let reasons: Reason[];
  let warnings: Reason[] = [];
  switch (posture) {
    case 'destructiveOnly':
      reasons = orderReasons(deciding.flatMap((u) => u.reasons));
      break;
    case 'unknown':
      reasons = orderReasons([...deciding.flatMap((u) => u.reasons), ...configReasons]);
      break;
    case 'nonDestructive':
      reasons = [];
      warnings = tenant;
      break;
    default:
      reasons = configReasons;
  }

  const since =
    posture !== 'destructiveOnly'
      ? null
      : input.previous?.posture === 'destructiveOnly' && input.previous.destructiveOnlySince
        ? input.previous.destructiveOnlySince
        : // Entering: the earliest report that shows it (not the evaluation time, which may lag).
          deciding.map((u) => u.state.reportedAt).reduce((a, b) => (ms(a) <= ms(b) ? a : b));
  const sinceMs = ms(since);
  const record: DevicePosture = {
    managedDeviceId: d?.id ?? null,
    deviceId: input.deviceId,
    deviceName: d?.deviceName ?? reported?.deviceName ?? null,
    userPrincipalName: d?.userPrincipalName ?? sorted.find((u) => u.upn)?.upn ?? null,
    posture,
    reasonCodes: reasons.map((r) => r.code).join(','),
    reasons,
    primaryReason: reasons[0]?.code ?? null,
    complianceState: d?.complianceState ?? null,
    joinType: d?.joinType ?? reported?.joinType ?? null,
    osVersion,
    osBuild,
    lastSyncDateTime: d?.lastSyncDateTime ?? null,
    lastReportAt: newest(sorted),
    destructiveOnlySince: since,
    daysDestructiveOnly: Number.isFinite(sinceMs)
      ? Math.max(0, Math.floor((now.getTime() - sinceMs) / DAY_MS))
      : null,
    targetingResult: input.targeting?.result ?? null,
    targetingPolicyIds: (input.targeting?.decidedBy ?? []).join(','),
    hybridKeyTrustRisk: posture === 'destructiveOnly' && ctx.hybrid,
    removed,
    userCount: users.length,
    users: users.map((u) => u.posture),
    warnings,
    warningCodes: warnings.map((w) => w.code).join(','),
    evaluatedAt: now.toISOString(),
  };
  return { record, events };
}
