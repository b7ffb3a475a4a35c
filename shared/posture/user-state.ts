/**
 * One user's reported state → their posture (domain.md §2.7), and the key history carried from
 * the previous evaluation to spot re-provisioned keys (domain.md §8).
 */
import type { CanReset } from '../dsregcmd/types.js';
import type { LatestUserState } from './inputs.js';
import type { DestructiveResetEvent, PreviousUser, UserPosture } from './types.js';

export type UserLevelPosture = UserPosture['posture'];

/** Worst first: the first of these among fresh users decides the device. */
export const USER_SEVERITY: readonly UserLevelPosture[] = [
  'destructiveOnly',
  'unknown',
  'noHelloKey',
  'nonDestructive',
];

/** One user's reported state → their posture. Why an unknown is unknown: rules/reported-value.ts. */
export function classifyUser(u: LatestUserState): UserLevelPosture {
  // A SYSTEM/elevated run's User State describes no real user: nothing else in it counts.
  if (u.notUserContext) return 'unknown';
  // NgcSet NO: no key, nothing to reset; dsregcmd then prints no CanReset line.
  if (u.ngcSet === false) return 'noHelloKey';
  switch (u.canReset) {
    case 'DestructiveAndNonDestructive':
    case 'NonDestructiveOnly':
      return 'nonDestructive';
    case 'DestructiveOnly':
      return 'destructiveOnly';
    default:
      // NO (undocumented legacy value, never DestructiveOnly), Unknown, unrecognised, absent.
      return 'unknown';
  }
}

export interface KeyHistory {
  lastKeyId: string | null;
  lastKeyReportAt: string | null;
  lastKeyCanReset: CanReset | null;
  keyFirstSeenAt: string | null;
}

const norm = (k: string | null | undefined) => (k ? k.toLowerCase() : null);

/** a is a readable time after b (an unreadable b is treated as long ago). */
function later(a: string, b: string | null): boolean {
  const x = Date.parse(a);
  if (!Number.isFinite(x)) return false;
  if (b === null) return true;
  const y = Date.parse(b);
  return !Number.isFinite(y) || x > y;
}

/**
 * Advances one user's key history; a different key in a newer report is a KEY_REPROVISIONED
 * event. The last key survives NgcSet NO reports so YES → NO → YES with a new key is caught.
 */
export function advanceKeyHistory(
  deviceId: string,
  u: LatestUserState,
  prev: PreviousUser | undefined,
): { history: KeyHistory; event: DestructiveResetEvent | null } {
  const current = norm(u.ngcKeyId);
  const before: KeyHistory = {
    lastKeyId: norm(prev?.lastKeyId),
    lastKeyReportAt: prev?.lastKeyReportAt ?? null,
    lastKeyCanReset: prev?.lastKeyCanReset ?? null,
    keyFirstSeenAt: prev?.keyFirstSeenAt ?? null,
  };
  if (current === null) return { history: before, event: null };
  if (current === before.lastKeyId) {
    return {
      history: {
        lastKeyId: current,
        lastKeyReportAt: later(u.reportedAt, before.lastKeyReportAt) ? u.reportedAt : before.lastKeyReportAt,
        lastKeyCanReset: later(u.reportedAt, before.lastKeyReportAt) ? u.canReset : before.lastKeyCanReset,
        keyFirstSeenAt: before.keyFirstSeenAt ?? before.lastKeyReportAt ?? u.reportedAt,
      },
      event: null,
    };
  }
  const history: KeyHistory = {
    lastKeyId: current,
    lastKeyReportAt: u.reportedAt,
    lastKeyCanReset: u.canReset,
    keyFirstSeenAt: u.reportedAt,
  };
  // No earlier key, or an out-of-order older report: nothing was re-provisioned that we saw.
  if (before.lastKeyId === null || !later(u.reportedAt, before.lastKeyReportAt)) {
    return { history: before.lastKeyId === null ? history : before, event: null };
  }
  return {
    history,
    event: {
      kind: 'KEY_REPROVISIONED',
      deviceId,
      userKey: u.userKey,
      upn: u.upn,
      oldKeyId: before.lastKeyId,
      newKeyId: current,
      previousReportAt: before.lastKeyReportAt,
      detectedReportAt: u.reportedAt,
      likelyDestructive: before.lastKeyCanReset === 'DestructiveOnly',
    },
  };
}
