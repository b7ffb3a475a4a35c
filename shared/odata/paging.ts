/**
 * Server-driven paging over a RowSource. A response page is cut from store pages: rows are
 * filtered in memory (the safety net), $skip is consumed, and a page ends at the page size, at
 * $top, or when a bounded number of store pages has been read (so one request never scans a
 * whole table: a short or even empty page with a nextLink is valid OData). Where it stopped is
 * a PageState (see skiptoken.ts).
 */
import type { EntitySetDefinition, Row, RowSource, TableFilter } from './edm.js';
import { evaluateFilter } from './evaluate.js';
import type { FilterNode } from './filter.js';
import type { PageState } from './skiptoken.js';

/** Table Storage returns at most 1,000 entities per page. */
export const MAX_STORE_PAGE = 1000;
/** Store pages read for one response before it returns what it has with a nextLink. */
export const MAX_STORE_PAGES_PER_RESPONSE = 50;

export interface PageRequest {
  set: EntitySetDefinition;
  filter?: FilterNode;
  pushedFilter?: TableFilter;
  /** Most rows this response may hold (server page size or odata.maxpagesize). */
  pageSize: number;
  /** Where to start: a decoded $skiptoken, or the initial state from $skip/$top. */
  state: PageState;
  maxStorePages?: number;
}

export interface PageResult {
  rows: Row[];
  /** Where the next page starts; absent on the last page. */
  next?: PageState;
}

export function initialState(skip: number | undefined, top: number | undefined, pageSize: number): PageState {
  // A small $top needs small store pages; otherwise read what Table Storage gives at most.
  const wanted = Math.min(pageSize, top ?? Number.POSITIVE_INFINITY) + (skip ?? 0);
  return {
    offset: 0,
    skip: skip ?? 0,
    ...(top !== undefined ? { top } : {}),
    pageSize: Math.max(1, Math.min(MAX_STORE_PAGE, Math.max(100, wanted))),
  };
}

function matching(rows: Row[], filter: FilterNode | undefined): Row[] {
  return filter ? rows.filter((r) => evaluateFilter(filter, r)) : rows;
}

export async function readPage(req: PageRequest): Promise<PageResult> {
  const { state } = req;
  const limit = Math.min(req.pageSize, state.top ?? Number.POSITIVE_INFINITY);
  if (limit <= 0) return { rows: [] };
  const maxStorePages = req.maxStorePages ?? MAX_STORE_PAGES_PER_RESPONSE;

  const out: Row[] = [];
  let continuation = state.continuation;
  let offset = state.offset;
  let skip = state.skip;
  const remainingTop = () => (state.top === undefined ? undefined : state.top - out.length);

  for (let reads = 0; ; reads++) {
    if (reads >= maxStorePages) {
      // Bounded work per request: resume at the store page not read yet.
      return { rows: out, next: nextState(continuation, 0, skip, remainingTop(), state) };
    }
    const page = await req.set.source.query({
      ...(req.pushedFilter ? { filter: req.pushedFilter } : {}),
      pageSize: state.pageSize,
      ...(continuation !== undefined ? { continuationToken: continuation } : {}),
    });
    const hits = matching(page.rows, req.filter);
    let i = offset;
    const skipped = Math.min(skip, Math.max(0, hits.length - i));
    skip -= skipped;
    i += skipped;
    const take = Math.min(limit - out.length, hits.length - i);
    for (let k = 0; k < take; k++) out.push(hits[i + k] as Row);
    i += take;

    const exhausted = remainingTop() === 0;
    if (i < hits.length && !exhausted) {
      // The page is full and this store page still has rows: resume inside it.
      return { rows: out, next: nextState(continuation, i, 0, remainingTop(), state) };
    }
    if (exhausted || page.next === undefined) return { rows: out };
    continuation = page.next;
    offset = 0;
    if (out.length >= limit) {
      return { rows: out, next: nextState(continuation, 0, skip, remainingTop(), state) };
    }
  }
}

function nextState(
  continuation: string | undefined,
  offset: number,
  skip: number,
  top: number | undefined,
  from: PageState,
): PageState {
  return {
    ...(continuation !== undefined ? { continuation } : {}),
    offset,
    skip,
    ...(top !== undefined ? { top } : {}),
    ...(from.count !== undefined ? { count: from.count } : {}),
    pageSize: from.pageSize,
  };
}

/** Every row the filter matches, counted by reading the whole (pushed-down) result. */
export async function countRows(
  source: RowSource,
  filter: FilterNode | undefined,
  pushedFilter: TableFilter | undefined,
): Promise<number> {
  let n = 0;
  let continuation: string | undefined;
  do {
    const page = await source.query({
      ...(pushedFilter ? { filter: pushedFilter } : {}),
      pageSize: MAX_STORE_PAGE,
      ...(continuation !== undefined ? { continuationToken: continuation } : {}),
    });
    n += matching(page.rows, filter).length;
    continuation = page.next;
  } while (continuation !== undefined);
  return n;
}
