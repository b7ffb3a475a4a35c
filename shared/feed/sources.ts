/**
 * Row sources the feed's entity sets need on top of the plain table sources: rows computed in
 * memory (Reasons) and table rows refined before the feed sees them (rows left out, columns
 * derived). Both keep the RowSource contract: the same continuation and page size give the
 * same page while the data is unchanged.
 */
import type { Row, RowPage, RowQuery, RowSource } from '../odata/edm.js';

/**
 * Pages over rows computed on each request (a handful: one per reason code). The continuation
 * is the index of the first row of the next page.
 */
export function memoryRowSource(load: () => Promise<readonly Row[]>): RowSource {
  return {
    async query(opts: RowQuery): Promise<RowPage> {
      const rows = await load();
      const start = opts.continuationToken ? Number(opts.continuationToken) : 0;
      // A token this source did not issue reads as the end, never as an error in the store.
      if (!Number.isSafeInteger(start) || start < 0) return { rows: [] };
      const end = start + opts.pageSize;
      return { rows: rows.slice(start, end), ...(end < rows.length ? { next: String(end) } : {}) };
    },
  };
}

export interface RefineOptions {
  /** Rows that are not part of the entity set (checked in memory, after the store filter). */
  keep?: (row: Row) => boolean;
  /** Adds or rewrites columns (e.g. a count out of a JSON column). */
  derive?: (row: Row) => Row;
  /**
   * False: never hand the pushed-down filter to the store; every condition is then checked in
   * memory. For small tables whose stored types cannot be compared the way OData compares
   * (dates stored as strings, a DateKey in a string RowKey, derived columns).
   */
  pushDown?: boolean;
}

export function refinedSource(source: RowSource, options: RefineOptions): RowSource {
  const { keep, derive, pushDown = true } = options;
  return {
    ...(source.columnOf ? { columnOf: source.columnOf.bind(source) } : {}),
    async query(opts: RowQuery): Promise<RowPage> {
      const { filter, ...rest } = opts;
      const page = await source.query(pushDown && filter ? { ...rest, filter } : rest);
      let rows = keep ? page.rows.filter(keep) : page.rows;
      if (derive) rows = rows.map(derive);
      return { rows, ...(page.next !== undefined ? { next: page.next } : {}) };
    },
  };
}
