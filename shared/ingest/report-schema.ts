/**
 * The upload body, schemaVersion 1 (handbook agent-protocol.md "Report body"). Validation
 * names the first offending field, so an agent author can fix it from the error alone.
 */
import { z } from 'zod';

export const MAX_USERS = 16;
export const MAX_RAW_TEXT_BYTES = 64 * 1024;

const GUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;

const rawText = z.string().refine((s) => Buffer.byteLength(s, 'utf8') <= MAX_RAW_TEXT_BYTES, {
  message: `is over ${MAX_RAW_TEXT_BYTES} bytes`,
});

const shortText = (max: number) => z.string().max(max);

export const reportBodySchema = z.object({
  schemaVersion: z.literal(1),
  collectedAt: z
    .string()
    .regex(RFC3339, 'must be an RFC 3339 date-time')
    .refine((s) => !Number.isNaN(Date.parse(s)), {
      message: 'is not a valid date',
    }),
  agent: z.object({
    version: shortText(64).min(1),
    mode: shortText(64).min(1),
  }),
  device: z.object({
    name: shortText(256).min(1),
    osVersion: shortText(64).min(1),
    intuneDeviceId: z.string().regex(GUID, 'must be a GUID').optional(),
  }),
  system: z.object({ dsregcmd: rawText }),
  users: z.array(
    z.object({
      upn: shortText(320).nullable().optional(),
      sid: shortText(256).nullable().optional(),
      dsregcmd: rawText,
      passportKeys: rawText.nullable().optional(),
    }),
  ),
});

export type ReportBody = z.infer<typeof reportBodySchema>;

export type SchemaResult =
  | { ok: true; body: ReportBody }
  | { ok: false; code: 'invalid_json' | 'invalid_report' | 'too_many_users'; message: string };

function fieldPath(path: readonly PropertyKey[]): string {
  return path
    .map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i === 0 ? '' : '.'}${String(p)}`))
    .join('');
}

/** Parses and validates the exact body bytes. Never throws. */
export function parseReportBody(bytes: Uint8Array): SchemaResult {
  let data: unknown;
  try {
    data = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    return { ok: false, code: 'invalid_json', message: 'the body is not UTF-8 JSON' };
  }
  if (data && typeof data === 'object' && Array.isArray((data as { users?: unknown }).users)) {
    const n = (data as { users: unknown[] }).users.length;
    if (n > MAX_USERS) {
      return {
        ok: false,
        code: 'too_many_users',
        message: `users has ${n} entries; at most ${MAX_USERS} are accepted`,
      };
    }
  }
  const parsed = reportBodySchema.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue && issue.path.length > 0 ? fieldPath(issue.path) : 'body';
    return { ok: false, code: 'invalid_report', message: `${where}: ${issue?.message ?? 'is invalid'}` };
  }
  const seen = new Set<string>();
  for (const [i, u] of parsed.data.users.entries()) {
    const key = (u.sid ?? u.upn ?? '').toLowerCase();
    if (!key) return { ok: false, code: 'invalid_report', message: `users[${i}]: needs a sid or a upn` };
    if (seen.has(key))
      return { ok: false, code: 'invalid_report', message: `users[${i}]: the same user appears twice` };
    seen.add(key);
  }
  return { ok: true, body: parsed.data };
}
