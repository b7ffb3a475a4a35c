/**
 * GET /api/devices: its query as a schema, its continuation token, and the total a page can
 * state without counting. The trigger (functions/devices.ts) and the console read the same
 * definitions.
 *
 *   ?posture=destructiveOnly&reason=POLICY_NOT_TARGETED&compliance=compliant&search=lab-
 *   &includeRemoved=true&top=100&continuation=<token>&format=json|csv
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { HttpProblem } from '../http/errors.js';
import { readQuery } from '../http/query.js';
import { POSTURES, type PostureSummary, REASON_CODES } from '../posture/types.js';
import type { DeviceFilter } from '../posture-store/store.js';

export const MAX_TOP = 1000;
export const DEFAULT_TOP = 100;

/** Intune managedDevice complianceState (Graph v1.0 enum complianceState). */
export const COMPLIANCE_STATES = [
  'unknown',
  'compliant',
  'noncompliant',
  'conflict',
  'error',
  'inGracePeriod',
  'configManager',
] as const;

const TOKEN = /^[A-Za-z0-9_-]{1,4000}$/;

export const DEVICES_QUERY_SCHEMA = z.object({
  posture: z.enum(POSTURES).optional(),
  reason: z.enum(REASON_CODES).optional(),
  compliance: z.enum(COMPLIANCE_STATES).optional(),
  /** Part of the device name or the primary user's UPN, any case (matched in memory, like reason). */
  search: z.string().max(100, 'must be at most 100 characters').optional(),
  includeRemoved: z.enum(['true', 'false']).optional(),
  top: z
    .string()
    .regex(/^\d{1,4}$/, `must be a whole number from 1 to ${MAX_TOP}`)
    .transform(Number)
    .pipe(z.number().min(1, `must be from 1 to ${MAX_TOP}`).max(MAX_TOP, `must be from 1 to ${MAX_TOP}`))
    .optional(),
  /** Checked by decodeContinuation (its own error code). */
  continuation: z.string().optional(),
  format: z.enum(['json', 'csv']).optional(),
});

export interface DevicesQuery {
  filter: DeviceFilter;
  top: number;
  /** The store's continuation token, decoded from ours and checked against the filter. */
  continuation?: string;
  format: 'json' | 'csv';
}

export function parseDevicesQuery(params: URLSearchParams): DevicesQuery {
  const q = readQuery(params, DEVICES_QUERY_SCHEMA);
  const filter: DeviceFilter = {};
  if (q.posture) filter.posture = q.posture;
  if (q.reason) filter.reason = q.reason;
  if (q.compliance) filter.complianceState = q.compliance;
  const search = q.search?.trim();
  if (search) filter.search = search;
  if (q.includeRemoved) filter.includeRemoved = q.includeRemoved === 'true';
  const continuation = q.continuation ? decodeContinuation(q.continuation, filter) : undefined;
  return {
    filter,
    top: q.top ?? DEFAULT_TOP,
    format: q.format ?? 'json',
    ...(continuation ? { continuation } : {}),
  };
}

// --- continuation ---------------------------------------------------------------------------

/** Where the next page starts in the store, and which query it belongs to. */
const TOKEN_SCHEMA = z.strictObject({
  v: z.literal(1),
  pk: z.string().min(1).max(1024),
  rk: z.string().min(1).max(1024).optional(),
  q: z.string().length(16),
});

/** A short fingerprint of the filter: a token only continues the query that issued it. */
function filterId(f: DeviceFilter): string {
  const key = JSON.stringify([
    f.posture ?? '',
    f.reason ?? '',
    f.complianceState ?? '',
    !!f.includeRemoved,
    ...(f.search ? [f.search.toLowerCase()] : []),
  ]);
  return createHash('sha256').update(key).digest('base64url').slice(0, 16);
}

function invalidContinuation(why: string): HttpProblem {
  return new HttpProblem(400, 'invalid_continuation', `continuation ${why}: start again without it`);
}

/** Our token for the store's (the Table SDK's base64 JSON of nextPartitionKey/nextRowKey). */
export function encodeContinuation(storeToken: string, filter: DeviceFilter): string {
  const inner = JSON.parse(Buffer.from(storeToken, 'base64').toString('utf8')) as {
    nextPartitionKey: string;
    nextRowKey?: string;
  };
  const token = {
    v: 1,
    pk: inner.nextPartitionKey,
    ...(inner.nextRowKey ? { rk: inner.nextRowKey } : {}),
    q: filterId(filter),
  };
  return Buffer.from(JSON.stringify(token), 'utf8').toString('base64url');
}

/** The store's token, or a 400 when ours was not issued (or not for this filter). */
export function decodeContinuation(token: string, filter: DeviceFilter): string {
  let parsed: z.infer<typeof TOKEN_SCHEMA>;
  if (!TOKEN.test(token)) throw invalidContinuation('is not a token this endpoint issued');
  try {
    const result = TOKEN_SCHEMA.safeParse(JSON.parse(Buffer.from(token, 'base64url').toString('utf8')));
    if (!result.success) throw invalidContinuation('is not a token this endpoint issued');
    parsed = result.data;
  } catch (err) {
    if (err instanceof HttpProblem) throw err;
    throw invalidContinuation('is not a token this endpoint issued');
  }
  if (parsed.q !== filterId(filter)) {
    throw invalidContinuation(
      'was issued for other filters (posture, reason, compliance, search, includeRemoved)',
    );
  }
  const store = { nextPartitionKey: parsed.pk, ...(parsed.rk ? { nextRowKey: parsed.rk } : {}) };
  return Buffer.from(JSON.stringify(store), 'utf8').toString('base64');
}

// --- total ----------------------------------------------------------------------------------

/**
 * Devices matching the whole filter, when the stored summary already counts exactly that set
 * (no filter, or one of posture / reason / compliance alone); null otherwise, because counting
 * would mean reading every matching row. The summary leaves removed devices out, as the list
 * does unless includeRemoved=true.
 */
export function totalFromSummary(summary: PostureSummary, f: DeviceFilter): number | null {
  if (f.search) return null;
  const filters = [f.posture, f.reason, f.complianceState].filter((x) => x !== undefined).length;
  if (filters > 1) return null;
  if (f.includeRemoved) return filters === 0 ? summary.totals.devices + summary.totals.removed : null;
  if (f.posture) return summary.byPosture[f.posture as keyof PostureSummary['byPosture']] ?? 0;
  if (f.reason) return summary.byReason[f.reason as keyof PostureSummary['byReason']] ?? 0;
  // A device without a compliance state is summed under "unknown" but stored without a value.
  if (f.complianceState) {
    return f.complianceState === 'unknown' ? null : (summary.byComplianceState[f.complianceState] ?? 0);
  }
  return summary.totals.devices;
}
