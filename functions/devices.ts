/**
 * GET /api/devices — stored device posture, filtered by posture, reason code and compliance
 * state (query schema, columns and token: shared/device-list). JSON pages carry an opaque
 * continuation token; `?format=csv` streams every matching row (export for spreadsheets).
 * Keyed (authLevel function).
 */

import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import {
  DEVICE_LIST_SELECT,
  type DevicesQuery,
  deviceCsvStream,
  deviceJson,
  deviceListRowFromEntity,
  encodeContinuation,
  parseDevicesQuery,
  totalFromSummary,
} from '../shared/device-list/index.js';
import { HttpProblem, json, jsonError, problemResponse } from '../shared/http/errors.js';
import type { PostureStore } from '../shared/posture-store/store.js';

export interface DevicesDeps {
  posture: Pick<PostureStore, 'devicePage' | 'deviceRows' | 'readSummary'>;
  now?: () => Date;
}

export { parseDevicesQuery };

async function* listRows(rows: AsyncIterable<Record<string, unknown>>) {
  for await (const row of rows) yield deviceListRowFromEntity(row);
}

async function* logged(
  body: AsyncIterable<Uint8Array>,
  rows: () => number,
  context: InvocationContext,
): AsyncIterable<Uint8Array> {
  try {
    yield* body;
    context.log('devices_csv_served', { rows: rows() });
  } catch (err) {
    // The status is already sent: end the stream short and say so in the log.
    context.error('devices_csv_failed', { rows: rows(), error: err instanceof Error ? err.name : 'error' });
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
  const now = deps.now?.() ?? new Date();
  try {
    if (query.format === 'csv') {
      let n = 0;
      const rows = listRows(deps.posture.deviceRows(query.filter, [...DEVICE_LIST_SELECT]));
      return {
        status: 200,
        headers: {
          'content-type': 'text/csv; charset=utf-8',
          'content-disposition': 'attachment; filename="devices.csv"',
          'cache-control': 'no-store',
        },
        body: logged(
          deviceCsvStream(rows, { now }, () => n++),
          () => n,
          context,
        ),
      };
    }
    const [page, summary] = await Promise.all([
      deps.posture.devicePage(query.filter, query.top, query.continuation, [...DEVICE_LIST_SELECT]),
      deps.posture.readSummary(),
    ]);
    const continuation = page.next ? encodeContinuation(page.next, query.filter) : null;
    let nextLink: string | null = null;
    if (continuation) {
      const next = new URL(request.url);
      next.searchParams.set('continuation', continuation);
      nextLink = next.toString();
    }
    return json(
      200,
      {
        devices: page.rows.map((row) => deviceJson(deviceListRowFromEntity(row), { now })),
        // Rows on this page (may be fewer than top, even 0, with more to come).
        pageCount: page.rows.length,
        // Every matching device, when the stored summary counts exactly this filter; else null.
        total: summary ? totalFromSummary(summary.summary, query.filter) : null,
        continuation,
        nextLink,
      },
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
