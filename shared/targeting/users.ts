/**
 * Which users a device-scope setting assigned to a user group can come through: the primary
 * user, Intune's usersLoggedOn, and every user who actually reports from the device. Intune's
 * list call is reported to return usersLoggedOn empty (microsoft-graph-docs-contrib#19862), and
 * a GET per device is not an option, so the users seen in the device's own reports fill it.
 * Reports name a user by SID and UPN, never by object id:
 * - an Entra user's SID (S-1-12-1-a-b-c-d) is the object id's 16 bytes as four little-endian
 *   integers (COMMUNITY: the well-known conversion used by Intune admins' scripts);
 * - a synced AD user's SID is matched to group members' onPremisesSecurityIdentifier, and a UPN
 *   to their userPrincipalName (both selected on the member lists targeting already reads).
 * A reporting user we cannot name by object id is still a user of the device (so All users
 * reaches it), under a key no group contains.
 */
import type { ReportedUserRef } from '../posture/inputs.js';

/** Maps from the member lists of the assigned user groups. */
export interface UserDirectory {
  userIdBySid(sid: string): string | undefined;
  userIdByUpn(upn: string): string | undefined;
}

const ENTRA_SID = /^S-1-12-1-(\d+)-(\d+)-(\d+)-(\d+)$/i;

/** S-1-12-1-… → lower-case object id; null for any other SID. */
export function objectIdFromEntraSid(sid: string): string | null {
  const m = ENTRA_SID.exec(sid.trim());
  if (!m) return null;
  const bytes = Buffer.alloc(16);
  for (let i = 0; i < 4; i++) {
    const n = Number(m[i + 1]);
    if (!Number.isSafeInteger(n) || n < 0 || n > 0xffffffff) return null;
    bytes.writeUInt32LE(n, i * 4);
  }
  const hex = (b: Buffer) => b.toString('hex');
  // .NET Guid byte order: Data1, Data2, Data3 little-endian, the rest as is.
  const d1 = hex(Buffer.from(bytes.subarray(0, 4)).reverse());
  const d2 = hex(Buffer.from(bytes.subarray(4, 6)).reverse());
  const d3 = hex(Buffer.from(bytes.subarray(6, 8)).reverse());
  return `${d1}-${d2}-${d3}-${hex(bytes.subarray(8, 10))}-${hex(bytes.subarray(10, 16))}`;
}

/** The inverse, for tests and the simulator: object id → Entra SID. */
export function entraSidOf(objectId: string): string {
  const h = objectId.replaceAll('-', '');
  const b = Buffer.concat([
    Buffer.from(h.slice(0, 8), 'hex').reverse(),
    Buffer.from(h.slice(8, 12), 'hex').reverse(),
    Buffer.from(h.slice(12, 16), 'hex').reverse(),
    Buffer.from(h.slice(16), 'hex'),
  ]);
  return `S-1-12-1-${[0, 4, 8, 12].map((o) => b.readUInt32LE(o)).join('-')}`;
}

/** The reporting user's object id, when the report and the directory can say. */
export function reportedUserId(u: ReportedUserRef, dir: UserDirectory | null): string | null {
  if (u.sid) {
    const entra = objectIdFromEntraSid(u.sid);
    if (entra) return entra;
    const synced = dir?.userIdBySid(u.sid.toUpperCase());
    if (synced) return synced;
  }
  if (u.upn) return dir?.userIdByUpn(u.upn.toLowerCase()) ?? null;
  return null;
}

/**
 * Every user of a device for targeting, deduplicated: primary, logged on, reporting. Reporting
 * users without an object id appear as `report:<userKey>`.
 */
export function deviceTargetUsers(
  intuneUsers: readonly string[],
  reported: readonly ReportedUserRef[],
  dir: UserDirectory | null,
): string[] {
  const out = new Set(intuneUsers.map((u) => u.toLowerCase()));
  for (const u of reported) out.add(reportedUserId(u, dir) ?? `report:${u.userKey.toLowerCase()}`);
  return [...out];
}
