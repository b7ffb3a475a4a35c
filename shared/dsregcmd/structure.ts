/**
 * Whether parsed text was dsregcmd /status output at all. The parser never throws (odd input
 * gives warnings), so a PNG or a package.json parses to an empty status with joinType
 * notJoined; callers that take a file from a person ask this first.
 */
import { isKnownKey } from './known-keys.js';
import type { DsregcmdStatus } from './types.js';

/** At least one field dsregcmd is known to print (a User State fragment is enough). */
export function hasDsregcmdStructure(status: Pick<DsregcmdStatus, 'rawFields'>): boolean {
  return status.rawFields.some((f) => isKnownKey(f.key));
}
