/**
 * GET /api/devices/{deviceId} — one device: posture with the evidence and guidance of each
 * reason, its users' CanReset, which PIN recovery policies include or exclude it and through
 * which assignment, group and filter, and its report history with key re-provisioning.
 * Keyed (authLevel function) like /api/devices; the console serves the same body to people
 * signed in with Entra ID (functions/console.ts). Thin: shared/device-detail does the work.
 */
import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import { type DeviceDetailDeps, isDeviceKey, readDeviceDetail } from '../shared/device-detail/read.js';
import { json, jsonError } from '../shared/http/errors.js';

/** `code` is the function key (scripts may send it as a query parameter). */
const KNOWN = new Set(['code']);

export async function handleDeviceDetail(
  request: HttpRequest,
  context: InvocationContext,
  deps: DeviceDetailDeps,
): Promise<HttpResponseInit> {
  for (const name of new URL(request.url).searchParams.keys()) {
    if (!KNOWN.has(name)) {
      return jsonError(400, 'unknown_parameter', `unknown query parameter "${name.slice(0, 40)}"`);
    }
  }
  const id = (request.params.deviceId ?? '').toLowerCase();
  if (!isDeviceKey(id)) {
    return jsonError(400, 'invalid_parameter', 'deviceId must be an Entra device id (a GUID)');
  }
  try {
    const detail = await readDeviceDetail(deps, id);
    if (!detail) {
      return jsonError(404, 'device_not_found', `no device ${id} in the last collection or any report`);
    }
    return json(200, detail, { 'cache-control': 'no-store' });
  } catch (err) {
    context.error('device_detail_failed', { error: err instanceof Error ? err.name : 'error' });
    return jsonError(503, 'storage_unavailable', 'the device could not be read; retry shortly');
  }
}

export function registerDeviceDetail(deps: DeviceDetailDeps): void {
  app.http('deviceDetail', {
    route: 'devices/{deviceId}',
    methods: ['GET'],
    authLevel: 'function',
    handler: (request, context) => handleDeviceDetail(request, context, deps),
  });
}
