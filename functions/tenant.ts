/**
 * GET /api/tenant — PIN reset app readiness of the tenant (both enterprise apps present and
 * enabled, as the last collection saw them) with the two admin-consent links. Keyed; the
 * console serves the same body to people signed in with Entra ID.
 */
import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import type { CollectionStore } from '../shared/collection/store.js';
import { json, jsonError } from '../shared/http/errors.js';
import { tenantReadinessBody } from '../shared/tenant/readiness.js';

export interface TenantDeps {
  collection: Pick<CollectionStore, 'tenantReadiness'>;
}

export async function handleTenant(
  request: HttpRequest,
  context: InvocationContext,
  deps: TenantDeps,
): Promise<HttpResponseInit> {
  for (const name of new URL(request.url).searchParams.keys()) {
    if (name !== 'code')
      return jsonError(400, 'unknown_parameter', `unknown query parameter "${name.slice(0, 40)}"`);
  }
  try {
    return json(200, tenantReadinessBody(await deps.collection.tenantReadiness()), {
      'cache-control': 'no-store',
    });
  } catch (err) {
    context.error('tenant_read_failed', { error: err instanceof Error ? err.name : 'error' });
    return jsonError(503, 'storage_unavailable', 'the tenant readiness could not be read; retry shortly');
  }
}

export function registerTenant(deps: TenantDeps): void {
  app.http('tenant', {
    route: 'tenant',
    methods: ['GET'],
    authLevel: 'function',
    handler: (request, context) => handleTenant(request, context, deps),
  });
}
