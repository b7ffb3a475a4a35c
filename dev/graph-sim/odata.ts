/**
 * Graph's wire conventions shared by every route: error bodies (graph.md §15), $select,
 * @odata.context, and paging with absolute nextLinks whose opaque $skiptoken keeps every
 * other original query option (graph.md §5).
 */

import { arraySeq, countMatches, type Seq } from './seq.js';

export type GraphVersion = 'v1.0' | 'beta';

export interface SimRequest {
  method: string;
  version: GraphVersion;
  /** Path below the version root, e.g. "/devices" (decoded segments joined by "/"). */
  path: string;
  segments: string[];
  query: URLSearchParams;
  /** The query string as sent, without "?" (kept verbatim in nextLinks). */
  rawQuery: string;
  /** Lower-case header names. */
  headers: Record<string, string>;
  body: unknown;
  /** https://localhost:<port> */
  origin: string;
  requestId: string;
  clientRequestId: string;
}

export interface SimResponse {
  status: number;
  headers?: Record<string, string>;
  /** undefined = empty body. */
  body?: unknown;
}

export class GraphHttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly extra: { details?: unknown[]; headers?: Record<string, string> } = {},
  ) {
    super(message);
  }
}

export function badRequest(message: string, code = 'BadRequest'): GraphHttpError {
  return new GraphHttpError(400, code, message);
}

export function notFound(message: string, code = 'ResourceNotFound'): GraphHttpError {
  return new GraphHttpError(404, code, message);
}

/** Graph's date in innerError: seconds precision, no zone designator. */
export function innerErrorDate(now: number): string {
  return new Date(now).toISOString().slice(0, 19);
}

export function errorBody(
  code: string,
  message: string,
  requestId: string,
  clientRequestId: string,
  now: number,
  details?: unknown[],
): unknown {
  return {
    error: {
      code,
      message,
      ...(details ? { details } : {}),
      innerError: {
        date: innerErrorDate(now),
        'request-id': requestId,
        'client-request-id': clientRequestId,
      },
    },
  };
}

export function contextUrl(req: SimRequest, set: string, select?: string[] | null): string {
  return `${req.origin}/${req.version}/$metadata#${set}${select && select.length > 0 ? `(${select.join(',')})` : ''}`;
}

/** Parsed $select, or null when absent. */
export function selectList(req: SimRequest): string[] | null {
  const raw = req.query.get('$select');
  if (raw === null || raw.trim() === '') return null;
  return raw
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

/**
 * Keeps the selected properties (matched case-insensitively) plus @odata annotations.
 * `known` = every property the type has; with `strict`, a name outside it is a 400 like
 * Intune's "Could not find a property named …" (directory endpoints ignore unknown names).
 */
export function applySelect(
  item: Record<string, unknown>,
  select: string[] | null,
  typeName: string,
  known: readonly string[],
  strict: boolean,
): Record<string, unknown> {
  if (!select) return item;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(item)) if (k.startsWith('@odata.')) out[k] = v;
  for (const name of select) {
    const key = known.find((k) => k.toLowerCase() === name.toLowerCase());
    if (key === undefined) {
      if (strict) throw badRequest(`Could not find a property named '${name}' on type '${typeName}'.`);
      continue;
    }
    out[key] = item[key] ?? null;
  }
  return out;
}

// --- paging -------------------------------------------------------------------------------

export type TokenStyle = 'plain' | 'cosmos';

/** An opaque token for "continue at offset". The cosmos style mimics Intune config v2's double-encoded token. */
export function encodeSkipToken(offset: number, style: TokenStyle): string {
  const inner = Buffer.from(JSON.stringify({ o: offset, v: 1 })).toString('base64url');
  if (style === 'plain') return inner;
  const text = `[cosmosdb][{"compositeToken":{"token":"${inner}","range":{"min":"","max":"FF"}}}]`;
  // Sent double-encoded on the wire (%255B...), as seen in IntuneAssignmentChecker#28.
  return encodeURIComponent(encodeURIComponent(text));
}

/** `value` is the $skiptoken after one URL decoding (URLSearchParams). */
export function decodeSkipToken(value: string): number {
  let text = value;
  for (let i = 0; i < 2 && text.includes('%'); i++) text = decodeURIComponent(text);
  const m = /"token":"([^"]+)"/.exec(text);
  const inner = m ? (m[1] as string) : text;
  try {
    const parsed = JSON.parse(Buffer.from(inner, 'base64url').toString('utf8')) as { o?: unknown };
    if (typeof parsed.o === 'number' && Number.isInteger(parsed.o) && parsed.o >= 0) return parsed.o;
  } catch {
    // fall through
  }
  throw badRequest('The $skiptoken is invalid.', 'BadRequest');
}

/** The original query string minus paging options, kept verbatim (encoding included). */
export function queryWithoutPaging(rawQuery: string): string[] {
  return rawQuery
    .split('&')
    .filter((p) => p.length > 0)
    .filter((p) => {
      const name = decodeURIComponent(p.split('=')[0] as string).toLowerCase();
      return name !== '$skiptoken' && name !== '$skip' && name !== '$deltatoken';
    });
}

export interface PageOptions {
  /** Page size when no $top. */
  pageSize: number;
  /** Largest $top: above it → 400 (strictTop) or clamp. */
  maxTop: number;
  strictTop?: boolean;
  /** @odata.count on every page (Intune) or 'first' (directory with $count=true). */
  count?: 'every' | 'first' | 'none';
  tips?: boolean;
  tokenStyle?: TokenStyle;
  /** Matching items skipped before the first page (from $skip, when the route allows it). */
  skip?: number;
}

export interface Page<T> {
  items: T[];
  /** The request started the listing (no $skiptoken). */
  first: boolean;
  nextLink: string | null;
  /** Matching items in the whole collection, when a count is asked for; else null. */
  total: number | null;
}

export function parseTop(req: SimRequest, opts: PageOptions): number {
  const raw = req.query.get('$top');
  if (raw === null) return opts.pageSize;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || (opts.strictTop && n > opts.maxTop)) {
    throw badRequest(
      `Invalid page size specified: '${raw}'. Must be between 1 and ${opts.maxTop} inclusive.`,
      'Request_BadRequest',
    );
  }
  return Math.min(n, opts.maxTop);
}

/**
 * One page of a collection, scanning from the position the $skiptoken names and keeping the
 * items `match` accepts (a $filter, a cast). The token is a raw position, so a page costs its
 * own size whether the collection is an array or rendered on demand; `countKey` names the
 * filter for a memoized @odata.count.
 */
export function page<T>(
  req: SimRequest,
  all: readonly T[] | Seq<T>,
  opts: PageOptions,
  match: ((item: T) => boolean) | null = null,
  countKey = '',
): Page<T> {
  const seq: Seq<T> = Array.isArray(all) ? arraySeq(all as readonly T[]) : (all as Seq<T>);
  const token = req.query.get('$skiptoken');
  const first = token === null;
  let position = first ? 0 : decodeSkipToken(token);
  let toSkip = first ? (opts.skip ?? 0) : 0;
  const size = parseTop(req, opts);
  const accepts = (v: T | undefined): v is T => v !== undefined && (!match || match(v));
  const items: T[] = [];
  // Skipping past everything (managedDevices' $skip quirk): an empty page without a scan.
  if (toSkip === Number.POSITIVE_INFINITY) position = seq.length;
  while (position < seq.length && items.length < size) {
    const v = seq.at(position++);
    if (!accepts(v)) continue;
    if (toSkip > 0) toSkip--;
    else items.push(v);
  }
  // Where the next page would start: the next matching position, if any.
  while (position < seq.length && !accepts(seq.at(position))) position++;
  let nextLink: string | null = null;
  if (position < seq.length && items.length > 0) {
    const params = queryWithoutPaging(req.rawQuery);
    params.push(`$skiptoken=${encodeSkipToken(position, opts.tokenStyle ?? 'plain')}`);
    nextLink = `${req.origin}/${req.version}${req.path}?${params.join('&')}`;
  }
  const wantsCount = opts.count === 'every' || (opts.count === 'first' && first);
  const total = wantsCount ? countMatches(seq, match, countKey) : null;
  return { items, first, nextLink, total };
}

/** A collection body: @odata.context, optional count/tips, value, nextLink only when more remain. */
export function collectionBody(
  req: SimRequest,
  set: string,
  p: Page<unknown>,
  opts: PageOptions,
  select?: string[] | null,
): Record<string, unknown> {
  const body: Record<string, unknown> = { '@odata.context': contextUrl(req, set, select) };
  if (p.total !== null) body['@odata.count'] = p.total;
  if (opts.tips) {
    body['@microsoft.graph.tips'] =
      "This request only returns a subset of the resource's properties. Your app will need to use $select to return non-default properties. To find out what other properties are available for this resource see https://learn.microsoft.com/graph/api/resources/intune-deviceconfigv2-devicemanagementconfigurationpolicy";
  }
  if (p.nextLink) body['@odata.nextLink'] = p.nextLink;
  body.value = p.items;
  return body;
}
