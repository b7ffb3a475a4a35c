/**
 * The upload body, schemaVersion 1 and 2, validated against report-schema.json (the single
 * source: the service validates with it at run time, docs/agent-protocol.md documents it, tests
 * hold both to it). Validation names the first offending field, so an agent author can fix it
 * from the error alone. The TypeScript types below describe what the file accepts; a test holds
 * them to it (test/unit/report-schema.test.ts).
 */
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import schema from './report-schema.json' with { type: 'json' };

export const REPORT_SCHEMA = schema;
export const MAX_USERS = 16;
export const MAX_RAW_TEXT_BYTES = 64 * 1024;
export const SCHEMA_VERSIONS = [1, 2] as const;
export type SchemaVersion = (typeof SCHEMA_VERSIONS)[number];

// ---- the body, as the schema file describes it ----

export interface ReportUserV1 {
  upn?: string | null;
  sid?: string | null;
  dsregcmd: string;
  passportKeys?: string | null;
}

export interface ReportBodyBase<V extends SchemaVersion, U extends ReportUserV1> {
  schemaVersion: V;
  collectedAt: string;
  agent: { version: string; mode: string };
  device: { name: string; osVersion: string; intuneDeviceId?: string };
  system: { dsregcmd: string };
  users: U[];
}

export type ReportBodyV1 = ReportBodyBase<1, ReportUserV1>;

/** Registry data: DWORD/QWORD as numbers, SZ/EXPAND_SZ as strings, MULTI_SZ as lists. */
export type RawRegistryData = number | string | string[];

/** A registry key that exists. */
export interface RawPolicyKey {
  values: Record<string, RawRegistryData>;
  truncated?: boolean;
}

export interface RawPassportForWork {
  gpo: RawPolicyKey | null;
  /** By tenant id; only keys that exist. */
  mdm: Record<string, RawPolicyKey>;
}

export interface RawWindows {
  EditionID: string | null;
  ProductName: string | null;
  CurrentBuild: string | null;
  UBR: number | null;
  DisplayVersion: string | null;
  InstallationType: string | null;
}

export interface RawWebSignIn {
  ConfigureWebSignInAllowedUrls: string | null;
}

export interface RawCredentialProvider {
  clsid: string;
  name: string | null;
  dll: string | null;
}

export interface RawLockScreenDevice {
  NoLockScreen: number | null;
  DontDisplayLastUserName: number | null;
  HideFastUserSwitching: number | null;
  BlockNonAdminUserInstall: number | null;
  'ApplicationManagement/BlockNonAdminUserInstall': number | null;
  scforceoption: number | null;
  EnableLUA: number | null;
  DisableLockScreenAppNotifications: number | null;
  DisableCAD: number | null;
  Shell: string | null;
  thirdPartyCredentialProviders: RawCredentialProvider[];
}

export interface RawLockScreenUser {
  NoToastApplicationNotificationOnLockScreen: number | null;
  NOC_GLOBAL_SETTING_ALLOW_TOASTS_ABOVE_LOCK: number | null;
  Shell: string | null;
}

/** Device-wide evidence; a group left out = not reported. */
export interface RawDeviceEvidence {
  passportForWork?: RawPassportForWork;
  windows?: RawWindows;
  webSignIn?: RawWebSignIn;
  lockScreen?: RawLockScreenDevice;
}

export interface RawUserEvidence {
  passportForWork?: RawPassportForWork;
  lockScreen?: RawLockScreenUser;
}

export interface ReportUserV2 extends ReportUserV1 {
  evidence?: RawUserEvidence;
}

export interface ReportBodyV2 extends ReportBodyBase<2, ReportUserV2> {
  evidence?: RawDeviceEvidence;
}

export type ReportBody = ReportBodyV1 | ReportBodyV2;

// ---- validation ----

export type SchemaResult =
  | { ok: true; body: ReportBody }
  | { ok: false; code: 'invalid_json' | 'invalid_report' | 'too_many_users'; message: string };

const ajv = new Ajv2020({ allErrors: false, verbose: true, strict: true, allowUnionTypes: true });
ajv.addSchema(schema);

function compiled(version: SchemaVersion): ValidateFunction {
  const validate = ajv.getSchema(`${schema.$id}#/$defs/reportV${version}`);
  if (!validate) throw new Error(`report-schema.json has no $defs/reportV${version}`);
  return validate;
}

const VALIDATORS: Record<SchemaVersion, ValidateFunction> = { 1: compiled(1), 2: compiled(2) };

/** `/users/0/dsregcmd` → `users[0].dsregcmd`. */
function fieldPath(pointer: string): string {
  return pointer
    .split('/')
    .slice(1)
    .map((p) => p.replaceAll('~1', '/').replaceAll('~0', '~'))
    .map((p, i) => (/^\d+$/.test(p) ? `[${p}]` : `${i === 0 ? '' : '.'}${p}`))
    .join('');
}

/** One readable sentence for the first error, prefixed by the field it is about. */
export function describeSchemaError(e: ErrorObject): string {
  let where = fieldPath(e.instancePath);
  let message = e.message ?? 'is invalid';
  if (e.keyword === 'required') {
    const missing = String((e.params as { missingProperty?: string }).missingProperty);
    where = where ? `${where}.${missing}` : missing;
    message = 'is required';
  } else if (e.keyword === 'pattern') {
    const title = (e.parentSchema as { title?: string } | undefined)?.title;
    message = `must be ${title ?? 'well formed'}`;
  }
  // A failed propertyNames check is about a key of the object, not a value in it.
  if (e.propertyName !== undefined) message = `key "${e.propertyName.slice(0, 60)}" ${message}`;
  else if (e.keyword === 'anyOf') {
    const title = (e.parentSchema as { title?: string } | undefined)?.title;
    if (title) message = `must be ${title}`;
  }
  return `${where || 'body'}: ${message}`;
}

/** Parses and validates the exact body bytes. Never throws. */
export function parseReportBody(bytes: Uint8Array): SchemaResult {
  let data: unknown;
  try {
    data = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    return { ok: false, code: 'invalid_json', message: 'the body is not UTF-8 JSON' };
  }
  if (!data || typeof data !== 'object' || Array.isArray(data)) {
    return { ok: false, code: 'invalid_report', message: 'body: must be an object' };
  }
  const record = data as { users?: unknown; schemaVersion?: unknown };
  if (Array.isArray(record.users) && record.users.length > MAX_USERS) {
    return {
      ok: false,
      code: 'too_many_users',
      message: `users has ${record.users.length} entries; at most ${MAX_USERS} are accepted`,
    };
  }
  const version = record.schemaVersion;
  if (version !== 1 && version !== 2) {
    return {
      ok: false,
      code: 'invalid_report',
      message: `schemaVersion: must be one of ${SCHEMA_VERSIONS.join(', ')}`,
    };
  }
  const validate = VALIDATORS[version];
  if (!validate(data)) {
    // A failed anyOf (registry data) lists its branches' errors first; its own title reads better.
    const errors = validate.errors ?? [];
    const titled = errors.find(
      (e) => e.keyword === 'anyOf' && (e.parentSchema as { title?: string } | undefined)?.title,
    );
    const first = titled ?? errors[0];
    return {
      ok: false,
      code: 'invalid_report',
      message: first ? describeSchemaError(first) : 'body: is invalid',
    };
  }
  const body = data as ReportBody;
  const beyond = checkBeyondSchema(body);
  return beyond ? { ok: false, code: 'invalid_report', message: beyond } : { ok: true, body };
}

/** What JSON Schema cannot say: byte limits, a real date, user identity and uniqueness. */
function checkBeyondSchema(body: ReportBody): string | null {
  if (Number.isNaN(Date.parse(body.collectedAt))) return 'collectedAt: is not a valid date';
  const tooLong = (s: string | null | undefined) =>
    typeof s === 'string' && Buffer.byteLength(s, 'utf8') > MAX_RAW_TEXT_BYTES;
  if (tooLong(body.system.dsregcmd)) return `system.dsregcmd: is over ${MAX_RAW_TEXT_BYTES} bytes`;
  const seen = new Set<string>();
  for (const [i, u] of body.users.entries()) {
    if (tooLong(u.dsregcmd)) return `users[${i}].dsregcmd: is over ${MAX_RAW_TEXT_BYTES} bytes`;
    if (tooLong(u.passportKeys)) return `users[${i}].passportKeys: is over ${MAX_RAW_TEXT_BYTES} bytes`;
    const key = (u.sid ?? u.upn ?? '').toLowerCase();
    if (!key) return `users[${i}]: needs a sid or a upn`;
    if (seen.has(key)) return `users[${i}]: the same user appears twice`;
    seen.add(key);
  }
  return null;
}
