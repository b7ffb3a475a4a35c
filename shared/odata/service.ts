/**
 * The read-only OData v4 service over a list of entity sets, free of any HTTP framework:
 * functions/odata.ts feeds it a method, URL and path and writes back what it returns.
 *
 *   GET <root>/                    service document
 *   GET <root>/$metadata           CSDL
 *   GET <root>/<Set>[?options]     collection page (+ @odata.nextLink, @odata.count)
 *   GET <root>/<Set>/$count        number of matching rows, text/plain
 *
 * Every failure it expects is an HttpProblem turned into an OData JSON error here; anything
 * else is a bug and is left to the adapter (500, logged without the request).
 */
import { HttpProblem } from '../http/errors.js';
import { type EntitySetDefinition, jsonValue, normalizeValue, type Row, validateEntitySets } from './edm.js';
import { metadataDocument } from './metadata.js';
import { countRows, initialState, readPage } from './paging.js';
import { checkCustomOptions, isJsonFormat, parseQueryOptions } from './query-options.js';
import { decodeSkiptoken, encodeSkiptoken, type PageState, queryBinding } from './skiptoken.js';
import { toTableFilter } from './table-filter.js';

export const ODATA_JSON = 'application/json;odata.metadata=minimal';
export const DEFAULT_PAGE_SIZE = 1000;

export interface ODataRequest {
  method: string;
  /** The absolute request URL as the client sent it (query string included). */
  url: string;
  /** The part of the path below the service root, e.g. "Devices", "$metadata" or "". */
  path: string;
  header(name: string): string | null;
}

export interface ODataResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
  /** For logs: the entity set served and how many rows, never the query. */
  entitySet?: string;
  rows?: number;
}

export interface ODataServiceOptions {
  /** Rows per page when the client states no odata.maxpagesize (default 1000). */
  pageSize?: number;
  /** CSDL schema namespace (default "ResetReady"). */
  namespace?: string;
  /** Store pages read per response at most (see paging.ts). */
  maxStorePages?: number;
}

export interface ODataService {
  handle(request: ODataRequest): Promise<ODataResponse>;
  readonly metadata: string;
}

const VERSION = { 'OData-Version': '4.0' };

function jsonResponse(status: number, body: unknown, extra: Record<string, string> = {}): ODataResponse {
  return {
    status,
    headers: { 'Content-Type': ODATA_JSON, ...VERSION, ...extra },
    body: JSON.stringify(body),
  };
}

export function odataError(problem: HttpProblem): ODataResponse {
  return jsonResponse(
    problem.status,
    { error: { code: problem.code, message: problem.message } },
    problem.headers,
  );
}

/** The service root URL ("…/api/odata/"): the request URL less the path below it. */
export function serviceRoot(url: URL, path: string): string {
  const below = path.split('/').filter((s) => s !== '').length;
  const segments = url.pathname.split('/').filter((s) => s !== '');
  const root = segments.slice(0, segments.length - below);
  return `${url.origin}/${root.map((s) => `${s}/`).join('')}`;
}

/** The request URL with $skiptoken replaced: every other option, `code` included, kept as sent. */
export function nextLinkFor(url: URL, skiptoken: string): string {
  const kept = url.search
    .slice(1)
    .split('&')
    .filter((part) => {
      if (part === '') return false;
      const name = part.split('=')[0] ?? '';
      let decoded = name;
      try {
        decoded = decodeURIComponent(name);
      } catch {}
      return decoded.toLowerCase() !== '$skiptoken';
    });
  kept.push(`$skiptoken=${skiptoken}`);
  return `${url.origin}${url.pathname}?${kept.join('&')}`;
}

/** odata.maxpagesize from a Prefer header, if any and valid. */
export function preferredPageSize(prefer: string | null): number | undefined {
  if (!prefer) return undefined;
  for (const part of prefer.split(',')) {
    const m = /^\s*odata\.maxpagesize\s*=\s*"?(\d{1,9})"?\s*$/i.exec(part);
    if (m && Number(m[1]) > 0) return Number(m[1]);
  }
  return undefined;
}

function project(row: Row, set: EntitySetDefinition, select: string[] | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const wanted = select ? new Set(select) : undefined;
  for (const p of set.properties) {
    if (wanted && !wanted.has(p.name)) continue;
    out[p.name] = jsonValue(normalizeValue(p.type, row[p.name]));
  }
  return out;
}

export function createODataService(
  sets: readonly EntitySetDefinition[],
  options: ODataServiceOptions = {},
): ODataService {
  validateEntitySets(sets);
  const namespace = options.namespace ?? 'ResetReady';
  const serverPageSize = options.pageSize ?? DEFAULT_PAGE_SIZE;
  const byName = new Map(sets.map((s) => [s.name, s]));
  const metadata = metadataDocument(sets, namespace);

  const collection = async (
    set: EntitySetDefinition,
    url: URL,
    root: string,
    request: ODataRequest,
  ): Promise<ODataResponse> => {
    const q = parseQueryOptions(url.searchParams, set);
    const pushedFilter = toTableFilter(q.filter, (p) => set.source.columnOf?.(p) ?? p);
    const preferred = preferredPageSize(request.header('prefer'));
    const pageSize = Math.min(serverPageSize, preferred ?? serverPageSize);
    const binding = queryBinding(set.name, q.filterText);

    let state: PageState = q.skiptoken
      ? decodeSkiptoken(q.skiptoken, binding)
      : initialState(q.skip, q.top, pageSize);
    if (q.count && state.count === undefined) {
      state = { ...state, count: await countRows(set.source, q.filter, pushedFilter) };
    }
    const page = await readPage({
      set,
      ...(q.filter ? { filter: q.filter } : {}),
      ...(pushedFilter ? { pushedFilter } : {}),
      pageSize,
      state,
      ...(options.maxStorePages ? { maxStorePages: options.maxStorePages } : {}),
    });

    const context = `${root}$metadata#${set.name}${q.select ? `(${q.select.join(',')})` : ''}`;
    const body: Record<string, unknown> = { '@odata.context': context };
    if (q.count) body['@odata.count'] = state.count;
    body.value = page.rows.map((r) => project(r, set, q.select));
    if (page.next) body['@odata.nextLink'] = nextLinkFor(url, encodeSkiptoken(page.next, binding));
    const extra: Record<string, string> =
      preferred !== undefined ? { 'Preference-Applied': `odata.maxpagesize=${pageSize}` } : {};
    return { ...jsonResponse(200, body, extra), entitySet: set.name, rows: page.rows.length };
  };

  const countOnly = async (set: EntitySetDefinition, url: URL): Promise<ODataResponse> => {
    const q = parseQueryOptions(url.searchParams, set);
    const pushedFilter = toTableFilter(q.filter, (p) => set.source.columnOf?.(p) ?? p);
    const n = await countRows(set.source, q.filter, pushedFilter);
    return {
      status: 200,
      headers: { 'Content-Type': 'text/plain;charset=utf-8', ...VERSION },
      body: String(n),
      entitySet: set.name,
    };
  };

  const route = async (request: ODataRequest): Promise<ODataResponse> => {
    if (request.method.toUpperCase() !== 'GET') {
      throw new HttpProblem(405, 'method_not_allowed', 'the OData feed is read-only: use GET', {
        Allow: 'GET',
      });
    }
    const url = new URL(request.url);
    checkCustomOptions(url.searchParams);
    const root = serviceRoot(url, request.path);
    const segments = request.path.split('/').filter((s) => s !== '');
    const format = url.searchParams.get('$format');

    if (segments.length === 0) {
      if (format !== null && !isJsonFormat(format)) {
        throw new HttpProblem(406, 'unsupported_format', 'the service document is JSON ($format=json)');
      }
      return jsonResponse(200, {
        '@odata.context': `${root}$metadata`,
        value: sets.map((s) => ({ name: s.name, kind: 'EntitySet', url: s.name })),
      });
    }
    if (segments.length === 1 && segments[0] === '$metadata') {
      if (
        format !== null &&
        format.toLowerCase() !== 'xml' &&
        !format.toLowerCase().startsWith('application/xml')
      ) {
        throw new HttpProblem(406, 'unsupported_format', '$metadata is served as XML only');
      }
      return { status: 200, headers: { 'Content-Type': 'application/xml', ...VERSION }, body: metadata };
    }
    const set = byName.get(segments[0] as string);
    if (!set) {
      const name = segments[0] as string;
      const hint = /^\w+\(/.test(name) ? ' (reading one entity by key is not supported; use $filter)' : '';
      throw new HttpProblem(
        404,
        'unknown_entity_set',
        `there is no entity set "${name.slice(0, 100)}"${hint}; entity sets: ${sets.map((s) => s.name).join(', ')}`,
      );
    }
    if (segments.length === 1) return collection(set, url, root, request);
    if (segments.length === 2 && segments[1] === '$count') return countOnly(set, url);
    throw new HttpProblem(
      404,
      'unknown_path',
      `${set.name} has no "${segments.slice(1).join('/').slice(0, 100)}"`,
    );
  };

  return {
    metadata,
    async handle(request) {
      try {
        return await route(request);
      } catch (err) {
        if (err instanceof HttpProblem) return odataError(err);
        throw err;
      }
    },
  };
}
