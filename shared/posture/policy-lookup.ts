/** Policies by id, whichever shape the caller holds them in. */
import type { PinRecoveryPolicy } from '../targeting/types.js';

export type PolicyLookup = (id: string) => PinRecoveryPolicy | undefined;

export function policyLookup(
  policies: ReadonlyMap<string, PinRecoveryPolicy> | readonly PinRecoveryPolicy[],
): PolicyLookup {
  const map = Array.isArray(policies)
    ? new Map((policies as readonly PinRecoveryPolicy[]).map((p) => [p.id, p]))
    : (policies as ReadonlyMap<string, PinRecoveryPolicy>);
  return (id) => map.get(id);
}

/** Policy names for a message: "A", "B". */
export function policyNames(ids: readonly string[], lookup: PolicyLookup): string {
  return ids.map((id) => `"${lookup(id)?.name ?? id}"`).join(', ');
}

/** Latest lastModifiedDateTime among the given policies (ISO), or null when none is known. */
export function latestModified(ids: readonly string[], lookup: PolicyLookup): string | null {
  let best: string | null = null;
  let bestMs = Number.NEGATIVE_INFINITY;
  for (const id of ids) {
    const at = lookup(id)?.lastModifiedDateTime;
    const ms = at ? Date.parse(at) : Number.NaN;
    if (at && Number.isFinite(ms) && ms > bestMs) {
      best = at;
      bestMs = ms;
    }
  }
  return best;
}

export function unique<T>(xs: readonly T[]): T[] {
  return [...new Set(xs)];
}
