/**
 * Facts about the device itself that decide whether non-destructive reset is possible at all
 * (domain.md §1.2): join type, OS build, edition. Intune and the device's own report can both
 * speak; the device's report wins for join state (it is what dsregcmd saw), Intune for the OS
 * (it is refreshed at every sync, agents may be old).
 */
import type { JoinType } from '../dsregcmd/types.js';

/** 1703: the EnablePinRecovery policy exists. */
export const BUILD_POLICY_MIN = 15063;
/** 1709: non-destructive reset exists. */
export const BUILD_NON_DESTRUCTIVE_MIN = 16299;
/** 1903: Pro supported (Enterprise/Education only before). */
export const BUILD_PRO_MIN = 18362;

/** "10.0.19045.1234" → 19045; a bare build number is accepted; anything else → null. */
export function osBuildOf(osVersion: string | null | undefined): number | null {
  if (!osVersion) return null;
  const text = osVersion.trim();
  const dotted = /^(\d+)\.(\d+)\.(\d+)/.exec(text);
  const raw = dotted ? dotted[3] : /^\d{4,6}$/.test(text) ? text : undefined;
  if (raw === undefined) return null;
  const n = Number(raw);
  return Number.isSafeInteger(n) && n > 0 ? n : null;
}

const INTUNE_NOT_JOINED = new Set(['azureadregistered', 'unknown']);
const REPORTED_NOT_JOINED: ReadonlySet<JoinType> = new Set(['entraRegistered', 'domainJoined', 'notJoined']);

export interface JoinFacts {
  intune: string | null;
  reported: JoinType | null;
}

/** Null when joined (or nothing is known); otherwise which source says it is not Entra joined. */
export function notEntraJoinedEvidence(j: JoinFacts): Record<string, string> | null {
  if (j.reported) return REPORTED_NOT_JOINED.has(j.reported) ? { reportedJoinType: j.reported } : null;
  if (j.intune && INTUNE_NOT_JOINED.has(j.intune.toLowerCase())) return { intuneJoinType: j.intune };
  return null;
}

export function isHybrid(j: JoinFacts): boolean {
  if (j.reported) return j.reported === 'hybridJoined';
  return j.intune?.toLowerCase() === 'hybridazureadjoined';
}

/**
 * Why this edition cannot use non-destructive reset, or null (also when unknown). Home has no
 * PassportForWork CSP; Pro needed 1903 ([pinreset-2019]).
 */
export function editionProblem(edition: string | null | undefined, build: number | null): string | null {
  if (!edition) return null;
  const e = edition.toLowerCase();
  if (/\b(home|core)\b/.test(e)) return 'edition outside the PassportForWork CSP list';
  const pro = /\bpro(fessional)?\b/.test(e) && !/enterprise|education/.test(e);
  if (pro && build !== null && build >= BUILD_NON_DESTRUCTIVE_MIN && build < BUILD_PRO_MIN) {
    return 'Pro supports non-destructive reset from 1903 (build 18362)';
  }
  return null;
}
