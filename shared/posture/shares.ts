/**
 * The one definition of the fleet's ready shares, used by the summary, the OData DailySummary,
 * the weekly report (headline, trend and posture table) and anything else that prints a share.
 *
 * - Denominator: devices in the fleet (not removed from Intune) that have a report, fresh or
 *   stale, and can take part at all: every posture except notReported and entraRegistered.
 * - Configured ready: devices whose posture is nonDestructive (every fresh user reports
 *   DestructiveAndNonDestructive or NonDestructiveOnly).
 * - Resettable now: configured ready, the tenant's two PIN reset apps present and enabled, and
 *   no known blocker of a reset started now (DevicePosture.resettableNow).
 */
import type { Posture } from './types.js';

const OUTSIDE: ReadonlySet<Posture> = new Set<Posture>(['notReported', 'entraRegistered']);

/** Whether a device with this posture counts in the share denominator. */
export function inShareDenominator(posture: Posture): boolean {
  return !OUTSIDE.has(posture);
}

export interface ReadyShares {
  /** Devices in the denominator. */
  denominator: number;
  configuredReady: number;
  /** configuredReady / denominator; null when the denominator is 0. */
  configuredReadyShare: number | null;
  resettableNow: number;
  resettableNowShare: number | null;
}

export function readyShares(
  byPosture: Readonly<Record<Posture, number>>,
  resettableNow: number,
): ReadyShares {
  let denominator = 0;
  for (const [p, n] of Object.entries(byPosture) as [Posture, number][])
    if (inShareDenominator(p)) denominator += n;
  const share = (n: number) => (denominator > 0 ? n / denominator : null);
  return {
    denominator,
    configuredReady: byPosture.nonDestructive,
    configuredReadyShare: share(byPosture.nonDestructive),
    resettableNow,
    resettableNowShare: share(resettableNow),
  };
}

/** A share as people read it: one decimal, "–" when there is no denominator. */
export function formatShare(share: number | null): string {
  return share === null ? '–' : `${(Math.round(share * 1000) / 10).toFixed(1)} %`;
}

/** Share of one posture among the denominator, or null for postures outside it. */
export function postureShare(posture: Posture, count: number, denominator: number): number | null {
  if (!inShareDenominator(posture) || denominator === 0) return null;
  return count / denominator;
}
