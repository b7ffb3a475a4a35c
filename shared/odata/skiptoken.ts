/**
 * $skiptoken: where the next page of a collection starts, opaque to clients. It is base64url
 * JSON holding the store's continuation token, how many matching rows of that store page were
 * already served, what is left of $skip/$top, the $count (so later pages repeat it without a
 * rescan) and a hash binding it to the query it was issued for. A token replayed on another
 * query is a 400, not a silently wrong page.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { HttpProblem } from '../http/errors.js';

export interface PageState {
  /** Store continuation of the store page to resume in; absent = the first store page. */
  continuation?: string;
  /** Matching rows of that store page already served (or skipped). */
  offset: number;
  /** What is left of $skip. */
  skip: number;
  /** What is left of $top; absent = no $top. */
  top?: number;
  /** @odata.count computed on the first page. */
  count?: number;
  /** Store page size the offset refers to (a resumed page must be the same page). */
  pageSize: number;
}

const TokenSchema = z.object({
  v: z.literal(1),
  h: z.string(),
  c: z.string().max(4096).optional(),
  o: z.number().int().min(0),
  s: z.number().int().min(0),
  t: z.number().int().min(0).optional(),
  n: z.number().int().min(0).optional(),
  p: z.number().int().min(1).max(1000),
});

/** Binds a token to the entity set and the options that shape the sequence of rows. */
export function queryBinding(setName: string, filterText: string | undefined): string {
  return createHash('sha256')
    .update(JSON.stringify([setName, filterText ?? null]))
    .digest('base64url')
    .slice(0, 16);
}

export function encodeSkiptoken(state: PageState, binding: string): string {
  const token = {
    v: 1,
    h: binding,
    c: state.continuation,
    o: state.offset,
    s: state.skip,
    t: state.top,
    n: state.count,
    p: state.pageSize,
  };
  return Buffer.from(JSON.stringify(token)).toString('base64url');
}

function invalid(message: string): HttpProblem {
  return new HttpProblem(400, 'invalid_skiptoken', `$skiptoken: ${message}; start again from the first page`);
}

export function decodeSkiptoken(token: string, binding: string): PageState {
  if (token.length > 8192 || !/^[A-Za-z0-9_-]+$/.test(token))
    throw invalid('not a token this service issued');
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    throw invalid('not a token this service issued');
  }
  const result = TokenSchema.safeParse(parsed);
  if (!result.success) throw invalid('not a token this service issued');
  const t = result.data;
  if (t.h !== binding) throw invalid('issued for another query');
  return {
    ...(t.c !== undefined ? { continuation: t.c } : {}),
    offset: t.o,
    skip: t.s,
    ...(t.t !== undefined ? { top: t.t } : {}),
    ...(t.n !== undefined ? { count: t.n } : {}),
    pageSize: t.p,
  };
}
