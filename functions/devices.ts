/**
 * GET /api/devices — stored device posture, filtered by posture, reason code and compliance
 * state. JSON pages carry an opaque continuation token; `?format=csv` streams every matching
 * row with a header (export for spreadsheets). Keyed (authLevel function).
 *
 *   ?posture=destructiveOnly&reason=POLICY_NOT_TARGETED&compliance=compliant
 *   &includeRemoved=true&top=100&continuation=<token>&format=json|csv
 */

import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import { csvLine } from '../shared/csv/csv.js';
import { HttpProblem, json, jsonError, problemResponse } from '../shared/http/errors.js';
import { POSTURES, REASON_CODES } from '../shared/posture/types.js';
import { isoOf } from '../shared/posture-store/entities.js';
import type { DeviceFilter, PostureStore } from '../shared/posture-store/store.js';

export interface DevicesDeps {
  posture: Pick<PostureStore, 'devicePage' | 'deviceRows'>;
}

const MAX_TOP = 1000;
const DEFAULT_TOP = 100;
/** `code` is the function key (Power BI and scripts send it as a query parameter). */
const KNOWN = new Set([
  'posture',
  'reason',
  'compliance',
  'includeRemoved',
  'top',
  'continuation',
  'format',
  'code',
]);

/** Columns in CSV order; JSON uses the camelCase of the same set. */
const COLUMNS = [
  'DeviceKey',
  'DeviceId',
  'ManagedDeviceId',
  'DeviceName',
  'UserPrincipalName',
  'Posture',
  'PrimaryReason',
  'ReasonCodes',
  'WarningCodes',
  'ComplianceState',
  'JoinType',
  'OsVersion',
  'OsBuild',
  'LastSyncDateTime',
  'LastReportAt',
  'DestructiveOnlySince',
  'DaysDestructiveOnly',
  'TargetingResult',
  'TargetingPolicyIds',
  'HybridKeyTrustRisk',
  'LeftIntune',
  'UserCount',
] as const;
const DATE_COLUMNS = new Set(['LastSyncDateTime', 'LastReportAt', 'DestructiveOnlySince']);
/** What the CSV reads: its columns (DeviceKey is the RowKey, which $select must name). */
const STORED = ['RowKey', ...COLUMNS.filter((c) => c !== 'DeviceKey')];

export interface DevicesQuery {
  filter: DeviceFilter;
  top: number;
  continuation?: string;
  format: 'json' | 'csv';
}

function bad(code: string, message: string): HttpProblem {
  return new HttpProblem(400, code, message);
}

export function parseDevicesQuery(params: URLSearchParams): DevicesQuery {
  for (const name of params.keys()) {
    if (!KNOWN.has(name)) throw bad('unknown_parameter', `unknown query parameter "${name.slice(0, 40)}"`);
  }
  const one = (name: string): string | undefined => {
    const all = params.getAll(name);
    if (all.length > 1) throw bad('invalid_parameter', `"${name}" may be given once`);
    return all[0] === '' ? undefined : all[0];
  };
  const filter: DeviceFilter = {};
  const posture = one('posture');
  if (posture !== undefined) {
    if (!(POSTURES as readonly string[]).includes(posture))
      throw bad('invalid_parameter', `posture must be one of ${POSTURES.join(', ')}`);
    filter.posture = posture;
  }
  const reason = one('reason');
  if (reason !== undefined) {
    if (!(REASON_CODES as readonly string[]).includes(reason))
      throw bad('invalid_parameter', `reason must be a reason code such as POLICY_NOT_TARGETED`);
    filter.reason = reason;
  }
  const compliance = one('compliance');
  if (compliance !== undefined) {
    // Intune complianceState values are short camelCase words.
    if (!/^[A-Za-z]{1,40}$/.test(compliance))
      throw bad('invalid_parameter', 'compliance must be an Intune complianceState such as compliant');
    filter.complianceState = compliance;
  }
  const removed = one('includeRemoved');
  if (removed !== undefined) {
    if (removed !== 'true' && removed !== 'false')
      throw bad('invalid_parameter', 'includeRemoved must be true or false');
    filter.includeRemoved = removed === 'true';
  }
  const topRaw = one('top');
  const top = topRaw === undefined ? DEFAULT_TOP : Number(topRaw);
  if (!Number.isInteger(top) || top < 1 || top > MAX_TOP)
    throw bad('invalid_parameter', `top must be a whole number from 1 to ${MAX_TOP}`);
  const format = one('format') ?? 'json';
  if (format !== 'json' && format !== 'csv') throw bad('invalid_parameter', 'format must be json or csv');
  const token = one('continuation');
  const continuation = token === undefined ? undefined : decodeContinuation(token);
  return { filter, top, format, ...(continuation ? { continuation } : {}) };
}

/** Our token is base64url of the store's; anything that does not decode to one is refused. */
function decodeContinuation(token: string): string {
  const fail = () => bad('invalid_continuation', 'continuation is not a token this endpoint issued');
  if (!/^[A-Za-z0-9_-]{1,4000}$/.test(token)) throw fail();
  const inner = Buffer.from(token, 'base64url').toString('utf8');
  try {
    const parsed = JSON.parse(Buffer.from(inner, 'base64').toString('utf8')) as {
      nextPartitionKey?: unknown;
    };
    if (typeof parsed?.nextPartitionKey !== 'string') throw fail();
  } catch {
    throw fail();
  }
  return inner;
}

function encodeContinuation(storeToken: string): string {
  return Buffer.from(storeToken, 'utf8').toString('base64url');
}

function camel(column: string): string {
  return column[0]!.toLowerCase() + column.slice(1);
}

function cell(row: Record<string, unknown>, column: string): string | number | boolean | null {
  if (column === 'DeviceKey') return String(row.rowKey ?? '');
  const v = row[column];
  if (DATE_COLUMNS.has(column)) return isoOf(v);
  if (v === undefined || v === null) return null;
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return v;
  return String(v);
}

function deviceJson(row: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const c of COLUMNS) out[camel(c)] = cell(row, c);
  const list = (v: unknown) => (typeof v === 'string' && v ? v.split(',') : []);
  out.reasonCodes = list(row.ReasonCodes);
  out.warningCodes = list(row.WarningCodes);
  out.targetingPolicyIds = list(row.TargetingPolicyIds);
  out.removed = out.leftIntune === true;
  delete out.leftIntune;
  return out;
}

async function* csvBody(
  rows: AsyncIterable<Record<string, unknown>>,
  context: InvocationContext,
): AsyncIterable<Uint8Array> {
  const encoder = new TextEncoder();
  let chunk = `${COLUMNS.join(',')}\r\n`;
  let n = 0;
  try {
    for await (const row of rows) {
      chunk += csvLine(COLUMNS.map((c) => cell(row, c)));
      n++;
      // ~64 KiB writes: one per row would cost more than the rows.
      if (chunk.length >= 65_536) {
        yield encoder.encode(chunk);
        chunk = '';
      }
    }
    if (chunk) yield encoder.encode(chunk);
    context.log('devices_csv_served', { rows: n });
  } catch (err) {
    // The status is already sent: end the stream short and say so in the log.
    context.error('devices_csv_failed', { rows: n, error: err instanceof Error ? err.name : 'error' });
    throw err;
  }
}

export async function handleDevices(
  request: HttpRequest,
  context: InvocationContext,
  deps: DevicesDeps,
): Promise<HttpResponseInit> {
  let query: DevicesQuery;
  try {
    query = parseDevicesQuery(new URL(request.url).searchParams);
  } catch (err) {
    if (err instanceof HttpProblem) return problemResponse(err);
    throw err;
  }
  try {
    if (query.format === 'csv') {
      return {
        status: 200,
        headers: {
          'content-type': 'text/csv; charset=utf-8',
          'content-disposition': 'attachment; filename="devices.csv"',
          'cache-control': 'no-store',
        },
        body: csvBody(deps.posture.deviceRows(query.filter, STORED), context),
      };
    }
    const page = await deps.posture.devicePage(query.filter, query.top, query.continuation);
    const continuation = page.next ? encodeContinuation(page.next) : null;
    let nextLink: string | null = null;
    if (continuation) {
      const next = new URL(request.url);
      next.searchParams.set('continuation', continuation);
      nextLink = next.toString();
    }
    return json(
      200,
      { devices: page.rows.map(deviceJson), count: page.rows.length, continuation, nextLink },
      { 'cache-control': 'no-store' },
    );
  } catch (err) {
    context.error('devices_failed', { error: err instanceof Error ? err.name : 'error' });
    return jsonError(503, 'storage_unavailable', 'the devices could not be read; retry shortly');
  }
}

export function registerDevices(deps: DevicesDeps): void {
  app.http('devices', {
    route: 'devices',
    methods: ['GET'],
    authLevel: 'function',
    handler: (request, context) => handleDevices(request, context, deps),
  });
}
