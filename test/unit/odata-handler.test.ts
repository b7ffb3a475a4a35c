/**
 * functions/odata.ts through the supported test seams (HttpRequest / InvocationContext): the
 * route's path and URL reach the service, responses keep their OData headers, a failing store
 * is a 500 OData error, and logs carry the outcome but never the query string (it holds the key).
 */
import { HttpRequest, InvocationContext } from '@azure/functions';
import { describe, expect, it } from 'vitest';
import { handleOData } from '../../functions/odata.js';
import type { EntitySetDefinition } from '../../shared/odata/edm.js';
import { createODataService } from '../../shared/odata/service.js';

const KEY = 'handler-secret-key';

function things(fail = false): EntitySetDefinition {
  return {
    name: 'Things',
    entityType: 'Thing',
    key: ['Id'],
    properties: [
      { name: 'Id', type: 'Edm.String', nullable: false, filterable: true },
      { name: 'Size', type: 'Edm.Int32', nullable: true, filterable: true },
    ],
    source: {
      async query() {
        if (fail) throw new Error(`store unreachable for filter with ${KEY}`);
        return {
          rows: [
            { Id: 'a', Size: 1 },
            { Id: 'b', Size: 2 },
          ],
        };
      },
    },
  };
}

async function call(fail: boolean, path: string, query: string) {
  const logs: string[] = [];
  const request = new HttpRequest({
    method: 'GET',
    url: `https://rr.example/api/odata/${path}?${query}`,
    params: { path },
  });
  const context = new InvocationContext({
    functionName: 'odata',
    logHandler: (level, ...args) => logs.push(`${level} ${args.map((a) => JSON.stringify(a)).join(' ')}`),
  });
  const res = await handleOData(request, context, createODataService([things(fail)]));
  return { res, logs };
}

describe('handleOData', () => {
  it('serves the path below the route with OData headers and logs the outcome only', async () => {
    const { res, logs } = await call(false, 'Things', `code=${KEY}&$filter=Size%20eq%202`);
    expect(res.status).toBe(200);
    expect((res.headers as Record<string, string>)['OData-Version']).toBe('4.0');
    expect(JSON.parse(res.body as string)).toEqual({
      '@odata.context': 'https://rr.example/api/odata/$metadata#Things',
      value: [{ Id: 'b', Size: 2 }],
    });
    expect(logs.join('\n')).toContain('"entitySet":"Things"');
    expect(logs.join('\n')).not.toContain(KEY);
    expect(logs.join('\n')).not.toContain('Size');
  });

  it('answers the service document at the route root', async () => {
    const { res } = await call(false, '', `code=${KEY}`);
    expect(JSON.parse(res.body as string)['@odata.context']).toBe('https://rr.example/api/odata/$metadata');
  });

  it('turns a store failure into a 500 OData error without leaking the request or the cause', async () => {
    const { res, logs } = await call(true, 'Things', `code=${KEY}`);
    expect(res.status).toBe(500);
    expect(JSON.parse(res.body as string)).toEqual({
      error: { code: 'internal_error', message: 'the feed could not be read' },
    });
    expect(logs.join('\n')).toContain('odata_failed');
    expect(logs.join('\n')).not.toContain(KEY);
  });
});
