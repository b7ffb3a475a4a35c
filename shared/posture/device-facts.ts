/**
 * Facts about the device itself that decide whether non-destructive reset is possible at all
 * (domain.md §1.2): join type, OS build, edition, each resolved from the sources that can
 * speak about it.
 *
 * Join type: the device's own report wins when it says something positive (it is what
 * dsregcmd saw); then Intune's joinType, then Entra's trustType. A report without join flags
 * parses as notJoined, so a reported notJoined never overrides what Intune or Entra know: it
 * only counts when neither knows the device (an upload signed with the device's Entra
 * certificate is itself proof the device is registered).
 */
import type { JoinType } from '../dsregcmd/types.js';
import { type EditionFamily, editionFamily } from './evidence.js';
import type { ResolvedJoin } from './rules/context.js';

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

export interface JoinFacts {
  /** Intune managedDevice.joinType (beta). */
  intune: string | null;
  /** From the device's latest report (SYSTEM dsregcmd). */
  reported: JoinType | null;
  /** Entra device.trustType: AzureAd, ServerAd, Workplace. */
  entra?: string | null;
}

const FROM_INTUNE: Record<string, ResolvedJoin> = {
  azureadjoined: 'entraJoined',
  hybridazureadjoined: 'hybridJoined',
  azureadregistered: 'entraRegistered',
};

const FROM_ENTRA: Record<string, ResolvedJoin> = {
  azuread: 'entraJoined',
  serverad: 'hybridJoined',
  workplace: 'entraRegistered',
};

export function resolveJoin(j: JoinFacts): {
  joinType: ResolvedJoin;
  source: 'report' | 'intune' | 'entra' | null;
} {
  if (j.reported && j.reported !== 'notJoined') return { joinType: j.reported, source: 'report' };
  const intune = j.intune ? FROM_INTUNE[j.intune.toLowerCase()] : undefined;
  if (intune) return { joinType: intune, source: 'intune' };
  const entra = j.entra ? FROM_ENTRA[j.entra.toLowerCase()] : undefined;
  if (entra) return { joinType: entra, source: 'entra' };
  if (j.reported === 'notJoined') return { joinType: 'notJoined', source: 'report' };
  return { joinType: null, source: null };
}

/**
 * An EditionID (the device's registry) or Intune's skuFamily → family. skuFamily spells some
 * editions differently (Pro, Home); those are mapped to their EditionID first.
 */
export function editionFamilyOf(edition: string | null | undefined): EditionFamily | null {
  if (!edition) return null;
  const e = edition.trim();
  if (e === '') return null;
  const id =
    /^pro\b/i.test(e) && !/^professional/i.test(e)
      ? `Professional${e.slice(3)}`
      : /^home\b/i.test(e)
        ? 'Core'
        : e;
  return editionFamily(id.replace(/\s+/g, ''));
}

/**
 * Why this edition cannot use non-destructive reset, or null (also when unknown). The CSP lists
 * Pro, Enterprise, Education, Windows SE and IoT Enterprise [csp]; Pro needed 1903 before that
 * ([pinreset-2019]: 1709–1809 were Enterprise only).
 */
export function editionProblem(edition: string | null | undefined, build: number | null): string | null {
  const family = editionFamilyOf(edition);
  if (family === 'home')
    return 'Windows Home has no PassportForWork policy (the CSP lists Pro, Enterprise, Education, SE and IoT Enterprise)';
  if (family === 'server') return 'Windows Server is not in the PassportForWork CSP edition list';
  if (family === 'pro' && build !== null && build >= BUILD_NON_DESTRUCTIVE_MIN && build < BUILD_PRO_MIN) {
    return 'Pro supports non-destructive reset from 1903 (build 18362); 1709–1809 needed Enterprise or Education';
  }
  return null;
}
