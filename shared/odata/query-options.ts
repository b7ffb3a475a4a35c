/**
 * System query options of a collection request, validated up front: anything the feed cannot
 * honour exactly is a 400 naming the option (a silently ignored $orderby or $expand would give
 * Power BI a wrong answer that looks right). Names without "$" are custom options: the function
 * key `code` is the only one the feed takes; any other is refused like on every read endpoint
 * (a `filter=` without its "$" would otherwise answer every row).
 */
import { HttpProblem } from '../http/errors.js';
import { KEY_PARAMETERS } from '../http/query.js';
import type { EntitySetDefinition } from './edm.js';
import { type FilterNode, parseFilter } from './filter.js';

export interface QueryOptions {
  filter?: FilterNode;
  /** The $filter text as sent; a $skiptoken is bound to it. */
  filterText?: string;
  /** Selected property names in definition order; absent means every property. */
  select?: string[];
  top?: number;
  skip?: number;
  count: boolean;
  skiptoken?: string;
}

const SUPPORTED = new Set(['$filter', '$select', '$top', '$skip', '$count', '$skiptoken', '$format']);
const NOT_SUPPORTED: Record<string, string> = {
  $orderby: 'rows come in key order and cannot be sorted by the service; sort in the client',
  $expand: 'the entity sets are flat and have no navigation properties',
  $search: 'use $filter',
  $apply: 'aggregate in the client',
  $compute: 'compute in the client',
  $levels: 'the entity sets are flat',
  $deltatoken: 'change tracking is not offered',
  $schemaversion: 'the service has one schema version',
  $index: 'the entity sets are read-only',
  $id: 'entity references are not offered',
};

/** Custom (non-$) query options the feed accepts: the function key. */
export const CUSTOM_OPTIONS: readonly string[] = KEY_PARAMETERS;

/** Refuses custom options other than the function key, on every feed URL. */
export function checkCustomOptions(params: URLSearchParams): void {
  for (const name of params.keys()) {
    if (name.startsWith('$') || CUSTOM_OPTIONS.includes(name)) continue;
    const shown = JSON.stringify(name.slice(0, 40));
    const system = `$${name.toLowerCase()}`;
    const hint =
      SUPPORTED.has(system) || system in NOT_SUPPORTED
        ? ` (system query options start with "$": ${system})`
        : '';
    throw queryError(
      'unknown_query_option',
      `unknown query parameter ${shown}${hint}; the feed takes OData system query options and code (the function key)`,
    );
  }
}

/** Largest $top/$skip accepted (Int32, as most OData servers). */
const MAX_INT = 2147483647;

export function queryError(code: string, message: string): HttpProblem {
  return new HttpProblem(400, code, message);
}

function nonNegativeInteger(name: string, value: string): number {
  if (!/^\d{1,10}$/.test(value) || Number(value) > MAX_INT) {
    throw queryError('invalid_query_option', `${name} must be a whole number from 0 to ${MAX_INT}`);
  }
  return Number(value);
}

/** $format values that mean "JSON": the only format the feed writes. */
export function isJsonFormat(value: string): boolean {
  const media = value.split(';')[0]?.trim().toLowerCase();
  return media === 'json' || media === 'application/json';
}

/**
 * The system options for one entity set. Names compare case-insensitively (OData 4.01 allows it,
 * and 4.0 clients only ever send lower case, so nothing is lost).
 */
export function parseQueryOptions(params: URLSearchParams, set: EntitySetDefinition): QueryOptions {
  const seen = new Map<string, string>();
  for (const [rawName, value] of params) {
    if (!rawName.startsWith('$')) continue;
    const name = rawName.toLowerCase();
    if (seen.has(name)) throw queryError('duplicate_query_option', `${name} is given more than once`);
    const why = NOT_SUPPORTED[name];
    if (why) throw queryError('unsupported_query_option', `${name} is not supported: ${why}`);
    if (!SUPPORTED.has(name)) {
      throw queryError(
        'unknown_query_option',
        `${rawName} is not an OData system query option this service knows`,
      );
    }
    seen.set(name, value);
  }

  const options: QueryOptions = { count: false };
  const filter = seen.get('$filter');
  if (filter !== undefined) {
    options.filter = parseFilter(filter, set);
    options.filterText = filter;
  }
  const select = seen.get('$select');
  if (select !== undefined) options.select = parseSelect(select, set);
  const top = seen.get('$top');
  if (top !== undefined) options.top = nonNegativeInteger('$top', top);
  const skip = seen.get('$skip');
  if (skip !== undefined) options.skip = nonNegativeInteger('$skip', skip);
  const count = seen.get('$count');
  if (count !== undefined) {
    if (count !== 'true' && count !== 'false') {
      throw queryError('invalid_query_option', '$count must be true or false');
    }
    options.count = count === 'true';
  }
  const format = seen.get('$format');
  if (format !== undefined && !isJsonFormat(format)) {
    throw new HttpProblem(
      406,
      'unsupported_format',
      '$format: this service answers JSON only ($format=json)',
    );
  }
  const skiptoken = seen.get('$skiptoken');
  if (skiptoken !== undefined) options.skiptoken = skiptoken;
  return options;
}

function parseSelect(text: string, set: EntitySetDefinition): string[] | undefined {
  const items = text.split(',').map((s) => s.trim());
  if (items.some((s) => s === '')) throw queryError('invalid_select', '$select has an empty item');
  if (items.includes('*')) return undefined;
  const known = new Set(set.properties.map((p) => p.name));
  for (const item of items) {
    if (!known.has(item)) {
      throw queryError('unknown_property', `$select: property "${item}" does not exist on ${set.entityType}`);
    }
  }
  const wanted = new Set(items);
  return set.properties.filter((p) => wanted.has(p.name)).map((p) => p.name);
}
