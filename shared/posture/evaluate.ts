/**
 * evaluateDevicePosture: one device's inventory, targeting, tenant readiness and latest user
 * reports → its posture row and any re-provisioned keys. Pure; time is a parameter. Which code
 * is decided where, and what each means: ./registry.ts.
 *
 * Rules:
 * - an Entra registered device → entraRegistered (outside the ready share);
 * - no user reports → notReported; every report older than staleDays → stale;
 * - otherwise the worst fresh user decides (destructiveOnly > unknown > noHelloKey >
 *   nonDestructive); stale users stay listed but do not decide;
 * - reasons explain the posture and nothing else: a destructiveOnly user gets the causes that
 *   apply (device, policy, timing), UNEXPLAINED when none does; an unknown user gets why the
 *   value is unusable; entraRegistered gets NOT_ENTRA_JOINED;
 * - warnings: tenant-wide blockers on every device; on devices without a usable answer
 *   (unknown, noHelloKey, stale, notReported) the configuration problems they will meet; on
 *   nonDestructive devices only what blocks a reset started now;
 * - resettableNow: nonDestructive, tenant apps ready, no warning that blocks a reset now;
 * - destructiveOnlySince is kept while the device stays destructiveOnly and cleared when it
 *   leaves (stale counts as leaving: we no longer know).
 */

import { editionFamilyOf, type JoinFacts, osBuildOf, resolveJoin } from './device-facts.js';
import type { LatestUserState } from './inputs.js';
import { policyLookup } from './policy-lookup.js';
import { type ReasonCode, type ReasonDefinition, reasonDefinitions } from './registry.js';
import type { DeviceFacts, RuleContext, UserFacts } from './rules/context.js';
import type {
  DestructiveResetEvent,
  DevicePosture,
  Posture,
  PostureEvaluation,
  PostureInput,
  Reason,
  UserPosture,
} from './types.js';
import { advanceKeyHistory, classifyUser, USER_SEVERITY } from './user-state.js';

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

const DEFINITIONS = reasonDefinitions();
const RANK = new Map<ReasonCode, number>(DEFINITIONS.map((d) => [d.code, d.priority]));

/** One reason per code (the first wins), in priority order. */
export function orderReasons(reasons: readonly Reason[]): Reason[] {
  const byCode = new Map<ReasonCode, Reason>();
  for (const r of reasons) if (!byCode.has(r.code)) byCode.set(r.code, r);
  return [...byCode.values()].sort((a, b) => (RANK.get(a.code) ?? 0) - (RANK.get(b.code) ?? 0));
}

/** Runs the given definitions in priority order; each sees the codes found before it. */
function run(
  defs: readonly ReasonDefinition[],
  device: DeviceFacts,
  user: UserFacts | null,
  found: ReasonCode[] = [],
): Reason[] {
  const out: Reason[] = [];
  const codes = [...found];
  for (const d of defs) {
    const f = d.decide({ device, user, found: codes } satisfies RuleContext);
    if (!f) continue;
    codes.push(d.code);
    out.push({
      code: d.code,
      message: f.message,
      evidence: f.evidence,
      ...(f.hypothesis ? { hypothesis: true } : {}),
    });
  }
  return out;
}

const pick = (f: (d: ReasonDefinition) => boolean) => DEFINITIONS.filter(f);
const VALUE_RULES = pick((d) => d.scope === 'user' && d.attach === 'cause' && d.explains.includes('unknown'));
const DEVICE_CAUSES = pick((d) => d.scope === 'device' && d.attach === 'cause');
const USER_CAUSES = pick(
  (d) => d.scope === 'user' && d.attach === 'cause' && d.explains.includes('destructiveOnly'),
);
const USER_WARNINGS = pick((d) => d.scope === 'user' && d.attach === 'warning');
const DEVICE_WARNINGS = pick((d) => d.scope === 'device' && d.attach === 'warning');
const FLEET = pick((d) => d.attach === 'fleet');
const BLOCKS_NOW = new Set(pick((d) => d.blocksResetNow).map((d) => d.code));
const explains = (code: ReasonCode, p: Posture) =>
  DEFINITIONS.find((d) => d.code === code)?.explains.includes(p) ?? false;

function deviceFacts(input: PostureInput): DeviceFacts {
  const d = input.device;
  const reported = input.reportedDevice ?? null;
  const join: JoinFacts = {
    intune: d?.joinType ?? null,
    reported: reported?.joinType ?? null,
    entra: input.entraTrustType ?? null,
  };
  const { joinType, source } = resolveJoin(join);
  const osVersion = d?.osVersion ?? reported?.osVersion ?? null;
  const reportedEdition = input.edition ?? null;
  const intuneEdition = d?.skuFamily ?? null;
  const edition = editionFamilyOf(reportedEdition)
    ? reportedEdition
    : editionFamilyOf(intuneEdition)
      ? intuneEdition
      : null;
  return {
    deviceId: input.deviceId,
    intune: d,
    removed: input.removed === true,
    join,
    joinType,
    joinSource: source,
    deviceEnabled: input.deviceEnabled ?? null,
    osVersion,
    osBuild: osBuildOf(osVersion),
    edition,
    editionSource: edition === null ? null : edition === reportedEdition ? 'report' : 'intune',
    targeting: input.targeting,
    targetingResult: input.targeting?.result ?? null,
    lookup: policyLookup(input.policies),
    tenant: input.tenant,
    lastSync: d?.lastSyncDateTime ?? null,
    now: input.now,
  };
}

function newest(users: readonly LatestUserState[]): string | null {
  let best: string | null = null;
  for (const u of users) {
    if (Number.isFinite(ms(u.reportedAt)) && (best === null || ms(u.reportedAt) > ms(best)))
      best = u.reportedAt;
  }
  return best;
}

interface EvaluatedUser {
  posture: UserPosture;
  reasons: Reason[];
  warnings: Reason[];
  state: LatestUserState;
}

export function evaluateDevicePosture(input: PostureInput): PostureEvaluation {
  const now = input.now;
  const staleDays = input.staleDays ?? DEFAULT_STALE_DAYS;
  const facts = deviceFacts(input);
  const d = input.device;
  const reported = input.reportedDevice ?? null;

  const deviceCauses = run(DEVICE_CAUSES, facts, null);
  const fleet = run(FLEET, facts, null);
  const deviceWarnings = run(DEVICE_WARNINGS, facts, null);
  const destructiveCauses = deviceCauses.filter((r) => explains(r.code, 'destructiveOnly'));

  // Newest report first: merged reasons keep the newest user's evidence. One entry per user
  // (the newest), so a caller passing history rows cannot make a user flip keys with itself.
  const byUser = new Map<string, LatestUserState>();
  for (const u of [...input.users].sort((a, b) => (ms(b.reportedAt) || 0) - (ms(a.reportedAt) || 0))) {
    if (!byUser.has(u.userKey)) byUser.set(u.userKey, u);
  }
  const sorted = [...byUser.values()];
  const prevUsers = new Map((input.previous?.users ?? []).map((p) => [p.userKey, p]));
  const events: DestructiveResetEvent[] = [];
  const users: EvaluatedUser[] = [];
  for (const u of sorted) {
    const { history, event } = advanceKeyHistory(input.deviceId, u, prevUsers.get(u.userKey));
    if (event) events.push(event);
    const posture = classifyUser(u);
    const userFacts: UserFacts = { state: u, history };
    let reasons: Reason[] = [];
    let warnings: Reason[] = [];
    if (posture === 'destructiveOnly') {
      const own = run(
        USER_CAUSES,
        facts,
        userFacts,
        destructiveCauses.map((r) => r.code),
      );
      reasons = orderReasons([...destructiveCauses, ...own]);
      warnings = run(USER_WARNINGS, facts, userFacts);
    } else if (posture === 'unknown') {
      reasons = run(VALUE_RULES, facts, userFacts);
    }
    users.push({
      state: u,
      reasons,
      warnings,
      posture: {
        userKey: u.userKey,
        upn: u.upn,
        posture,
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
  if (facts.joinType === 'entraRegistered') posture = 'entraRegistered';
  else if (users.length === 0) posture = 'notReported';
  else if (fresh.length === 0) posture = 'stale';
  else posture = USER_SEVERITY.find((p) => fresh.some((u) => u.posture.posture === p)) ?? 'unknown';

  const deciding = fresh.filter((u) => u.posture.posture === posture);
  let reasons: Reason[];
  let warnings: Reason[];
  switch (posture) {
    case 'entraRegistered':
      reasons = deviceCauses.filter((r) => explains(r.code, 'entraRegistered'));
      warnings = fleet;
      break;
    case 'destructiveOnly':
      reasons = orderReasons(deciding.flatMap((u) => u.reasons));
      warnings = orderReasons([...deciding.flatMap((u) => u.warnings), ...deviceWarnings, ...fleet]);
      break;
    case 'nonDestructive':
      reasons = [];
      warnings = orderReasons([
        ...deviceCauses.filter((r) => BLOCKS_NOW.has(r.code)),
        ...deviceWarnings,
        ...fleet,
      ]);
      break;
    case 'unknown':
      reasons = orderReasons(deciding.flatMap((u) => u.reasons));
      warnings = orderReasons([...deviceCauses, ...deviceWarnings, ...fleet]);
      break;
    default:
      // noHelloKey, stale, notReported: no report explains anything yet; list what it will meet.
      reasons = [];
      warnings = orderReasons([...deviceCauses, ...deviceWarnings, ...fleet]);
  }
  const resettableNow =
    posture === 'nonDestructive' &&
    input.tenant?.state === 'ready' &&
    !warnings.some((w) => BLOCKS_NOW.has(w.code));

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
    osVersion: facts.osVersion,
    osBuild: facts.osBuild,
    lastSyncDateTime: d?.lastSyncDateTime ?? null,
    lastReportAt: newest(sorted),
    destructiveOnlySince: since,
    daysDestructiveOnly: Number.isFinite(sinceMs)
      ? Math.max(0, Math.floor((now.getTime() - sinceMs) / DAY_MS))
      : null,
    targetingResult: input.targeting?.result ?? null,
    targetingPolicyIds: (input.targeting?.decidedBy ?? []).join(','),
    hybridKeyTrustRisk: posture === 'destructiveOnly' && facts.joinType === 'hybridJoined',
    resettableNow,
    removed: facts.removed,
    userCount: users.length,
    users: users.map((u) => u.posture),
    warnings,
    warningCodes: warnings.map((w) => w.code).join(','),
    evaluatedAt: now.toISOString(),
  };
  return { record, events };
}
