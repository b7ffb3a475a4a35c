/** POST /api/reports — the signed device upload. Anonymous at the host: the device certificate is the credential. */
import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import { HttpProblem, json, jsonError, problemResponse } from '../shared/http/errors.js';
import { readLimited } from '../shared/http/read-body.js';
import { type IngestDeps, ingestReport } from '../shared/ingest/ingest-report.js';

export async function handleIngestReport(
  request: HttpRequest,
  context: InvocationContext,
  deps: IngestDeps,
): Promise<HttpResponseInit> {
  try {
    const accepted = await ingestReport(
      {
        method: request.method,
        path: new URL(request.url).pathname,
        header: (name) => request.headers.get(name),
        readBody: (limit) => readLimited(request.body, limit),
      },
      {
        ...deps,
        log: (level, event, fields) => context[level](event, fields),
      },
    );
    return json(202, accepted);
  } catch (err) {
    if (err instanceof HttpProblem) {
      // The reason is logged; the certificate, signature and body never are.
      context.warn('report_rejected', { status: err.status, code: err.code });
      return problemResponse(err);
    }
    context.error('report_failed', { error: err instanceof Error ? err.name : 'error' });
    return jsonError(500, 'internal_error', 'the report could not be processed');
  }
}

export function registerIngestReport(deps: IngestDeps): void {
  app.http('ingestReport', {
    route: 'reports',
    methods: ['POST'],
    authLevel: 'anonymous',
    handler: (request, context) => handleIngestReport(request, context, deps),
  });
}
