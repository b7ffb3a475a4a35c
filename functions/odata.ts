/**
 * GET /api/odata/{*path} — the read-only OData v4 feed for Power BI. Keyed (authLevel
 * function): Power BI sends the key as the `code` query parameter (Web API credential, key
 * name "code"), and the service keeps it in every @odata.nextLink so paging keeps working.
 * Query strings hold that key, so they are never logged.
 */
import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import type { EntitySetDefinition } from '../shared/odata/edm.js';
import { createODataService, type ODataService, type ODataServiceOptions } from '../shared/odata/service.js';

export interface ODataDeps {
  sets: EntitySetDefinition[];
  options?: ODataServiceOptions;
}

export async function handleOData(
  request: HttpRequest,
  context: InvocationContext,
  service: ODataService,
): Promise<HttpResponseInit> {
  const started = Date.now();
  try {
    const res = await service.handle({
      method: request.method,
      url: request.url,
      path: request.params.path ?? '',
      header: (name) => request.headers.get(name),
    });
    context.log('odata_served', {
      status: res.status,
      entitySet: res.entitySet,
      rows: res.rows,
      ms: Date.now() - started,
    });
    return { status: res.status, headers: res.headers, body: res.body };
  } catch (err) {
    context.error('odata_failed', { error: err instanceof Error ? err.name : 'error' });
    return {
      status: 500,
      headers: { 'Content-Type': 'application/json;odata.metadata=minimal', 'OData-Version': '4.0' },
      body: JSON.stringify({ error: { code: 'internal_error', message: 'the feed could not be read' } }),
    };
  }
}

export function registerOData(deps: ODataDeps): void {
  // Built once at registration: a bad entity set definition fails the app start, not a request.
  const service = createODataService(deps.sets, deps.options);
  app.http('odata', {
    route: 'odata/{*path}',
    methods: ['GET'],
    authLevel: 'function',
    handler: (request, context) => handleOData(request, context, service),
  });
}
