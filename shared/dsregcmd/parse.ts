/**
 * `dsregcmd /status` output → DsregcmdStatus (domain.md §2). Keyed by field name, not section, so the old
 * Windows 10 layout and partial pastes parse the same way. It never throws: an agent's report must still be
 * stored when its capture is odd, so every oddity becomes a warning.
 */
import { decodeDsregcmdText } from './decode.js';
import { normaliseGuid } from './guid.js';
import { deriveJoinType } from './join-type.js';
import { tokenizeDsregcmd } from './lines.js';
import type { CanReset, DsregcmdStatus, DsregField } from './types.js';

/** Real output is ~10 KB; anything far larger is not one dsregcmd run and would only cost CPU. */
export const MAX_INPUT_CHARS = 1024 * 1024;

const CAN_RESET_VALUES: ReadonlySet<string> = new Set<CanReset>([
  'DestructiveOnly',
  'NonDestructiveOnly',
  'DestructiveAndNonDestructive',
  'Unknown',
  'NO',
]);

/** Keys whose disagreement between two non-duplicate sections matters for posture. */
const POSTURE_KEYS = [
  'AzureAdJoined',
  'EnterpriseJoined',
  'DomainJoined',
  'DeviceId',
  'TenantId',
  'NgcSet',
  'CanReset',
];

export function parseDsregcmd(input: Uint8Array | string): DsregcmdStatus {
  try {
    return parseUnsafe(input);
  } catch (err) {
    const status = emptyDsregcmdStatus();
    status.warnings.push(`parser failed (${err instanceof Error ? err.name : 'error'}); nothing was read`);
    return status;
  }
}

export function emptyDsregcmdStatus(): DsregcmdStatus {
  return {
    joinType: 'notJoined',
    deviceId: null,
    tenantId: null,
    tenantName: null,
    deviceName: null,
    ngcSet: null,
    ngcKeyId: null,
    canReset: null,
    canResetRaw: null,
    userContext: null,
    fields: {},
    rawFields: [],
    sections: [],
    warnings: [],
  };
}

/**
 * Work Account N repeats NgcSet, KeyProvider, … of another identity and the proxy sections repeat their
 * keys; neither may stand in for the device's or user's own value (§2.13.1).
 */
export function isDuplicateSection(section: string): boolean {
  return /^work account\b/i.test(section) || /proxy/i.test(section);
}

function parseUnsafe(input: Uint8Array | string): DsregcmdStatus {
  const decoded = decodeDsregcmdText(input);
  const warnings = [...decoded.warnings];
  let text = decoded.text;
  if (text.length > MAX_INPUT_CHARS) {
    warnings.push(`input is ${text.length} characters; only the first ${MAX_INPUT_CHARS} were read`);
    text = text.slice(0, MAX_INPUT_CHARS);
  }
  const tokens = tokenizeDsregcmd(text);
  warnings.push(...tokens.warnings);

  const fields = canonicalFields(tokens.fields, warnings);
  if (tokens.fields.length === 0) warnings.push('no dsregcmd fields found');

  const join = deriveJoinType({
    azureAdJoined: fields.AzureAdJoined,
    enterpriseJoined: fields.EnterpriseJoined,
    domainJoined: fields.DomainJoined,
    workplaceJoined: fields.WorkplaceJoined,
  });
  warnings.push(...join.warnings);

  const canReset = readCanReset(fields.CanReset, warnings);
  // No warning for SYSTEM: every agent sends a SYSTEM run for device facts; posture reads userContext.
  const userContext = readUserContext(fields);
  return {
    joinType: join.joinType,
    deviceId: readGuid(fields, 'DeviceId', warnings),
    tenantId: readGuid(fields, 'TenantId', warnings),
    tenantName: nonEmpty(fields.TenantName),
    deviceName: nonEmpty(fields['Device Name']),
    ngcSet: readYesNo(fields, 'NgcSet', warnings),
    ngcKeyId: readGuid(fields, 'NgcKeyId', warnings),
    canReset: canReset.value,
    canResetRaw: canReset.raw,
    userContext,
    fields,
    rawFields: tokens.fields,
    sections: tokens.sections,
    warnings,
  };
}

/** First occurrence of each key outside the duplicate sections; later conflicts on posture keys warn. */
function canonicalFields(all: DsregField[], warnings: string[]): Record<string, string> {
  const fields: Record<string, string> = {};
  const conflicted = new Set<string>();
  for (const f of all) {
    if (isDuplicateSection(f.section)) continue;
    if (!Object.hasOwn(fields, f.key)) {
      fields[f.key] = f.value;
    } else if (POSTURE_KEYS.includes(f.key) && fields[f.key] !== f.value && !conflicted.has(f.key)) {
      conflicted.add(f.key);
      warnings.push(`${f.key} appears more than once with different values; the first one is used`);
    }
  }
  return fields;
}

function nonEmpty(value: string | undefined): string | null {
  return value === undefined || value === '' ? null : value;
}

function readGuid(fields: Record<string, string>, key: string, warnings: string[]): string | null {
  const raw = nonEmpty(fields[key]);
  if (raw === null) return null;
  const guid = normaliseGuid(raw);
  if (guid === null)
    warnings.push(`${key} is not a valid GUID (redacted?); left null, raw value kept in fields`);
  return guid;
}

function readYesNo(fields: Record<string, string>, key: string, warnings: string[]): boolean | null {
  const raw = fields[key];
  if (raw === undefined) return null; // missing means "not reported", never NO (§2.13.9)
  const upper = raw.toUpperCase();
  if (upper === 'YES') return true;
  if (upper === 'NO') return false;
  warnings.push(`${key} is neither YES nor NO; left null`);
  return null;
}

/** Case-sensitive, as documented; a missing line stays null and is never read as DestructiveOnly (§2.7). */
function readCanReset(
  raw: string | undefined,
  warnings: string[],
): { value: CanReset | null; raw: string | null } {
  if (raw === undefined) return { value: null, raw: null };
  if (CAN_RESET_VALUES.has(raw)) return { value: raw as CanReset, raw };
  warnings.push(`CanReset value ${JSON.stringify(raw.slice(0, 40))} is not recognised; canReset left null`);
  return { value: null, raw };
}

/** §2.1: User State (NgcSet, CanReset) is only valid in the user's own, non-elevated session. */
function readUserContext(fields: Record<string, string>): DsregcmdStatus['userContext'] {
  const context = fields['User Context']?.toUpperCase();
  let result: DsregcmdStatus['userContext'] = null;
  if (context?.startsWith('UN-ELEVATED')) result = 'user';
  else if (context?.startsWith('ELEVATED')) result = 'elevated';
  else if (context?.startsWith('SYSTEM')) result = 'system';
  if (result === null) {
    // `DOMAIN\PC01$, …`: a computer account runs only as SYSTEM.
    const account = fields['Executing Account Name']?.split(',')[0]?.trim().toUpperCase();
    if (account?.endsWith('$') || account === 'NT AUTHORITY\\SYSTEM') result = 'system';
  }
  return result;
}
