/**
 * The generic model of the read-only OData feed: an entity set is a flat row type plus a
 * RowSource that pages through precomputed rows (Table Storage in production). Nothing here
 * knows the posture columns; shared/posture supplies the concrete definitions.
 */

export type EdmType =
  | 'Edm.String'
  | 'Edm.Int32'
  | 'Edm.Int64'
  | 'Edm.Double'
  | 'Edm.Boolean'
  | 'Edm.DateTimeOffset'
  | 'Edm.Date';

export const EDM_TYPES: readonly EdmType[] = [
  'Edm.String',
  'Edm.Int32',
  'Edm.Int64',
  'Edm.Double',
  'Edm.Boolean',
  'Edm.DateTimeOffset',
  'Edm.Date',
];

export interface PropertyDefinition {
  name: string;
  type: EdmType;
  nullable: boolean;
  /** Indexed / pushed down to the store: only these may appear in $filter. */
  filterable?: boolean;
}

/** What a source may hand back for one column; normalizeValue() turns it into the EDM value. */
export type RawValue =
  | string
  | number
  | bigint
  | boolean
  | Date
  | null
  | undefined
  | { value: string; type: string };
export type Row = Record<string, RawValue>;

/** A Table Storage $filter string (e.g. `DateKey ge 20261124 and Removed eq false`). */
export type TableFilter = string;

export interface RowQuery {
  filter?: TableFilter;
  pageSize: number;
  continuationToken?: string;
}

export interface RowPage {
  rows: Row[];
  /** Where the next page starts; absent on the last page. */
  next?: string;
}

export interface RowSource {
  /**
   * One page of rows in a stable order. The same continuation token and page size must give
   * the same page again while the data is unchanged (the feed's $skiptoken relies on it).
   * The filter may be omitted or weaker than the OData $filter; rows are filtered again in memory.
   */
  query(opts: RowQuery): Promise<RowPage>;
  /** Store column holding an OData property (default: the same name), for filter push-down. */
  columnOf?(property: string): string;
}

export interface EntitySetDefinition {
  /** Entity set name as it appears in the URL, e.g. "Devices". */
  name: string;
  /** Entity type name (without namespace), e.g. "Device". */
  entityType: string;
  key: string[];
  properties: PropertyDefinition[];
  source: RowSource;
}

/** OData simple identifier: what CSDL and $select/$filter can name. */
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;

/** Fails fast (at registration, not on a request) on a definition CSDL could not describe. */
export function validateEntitySets(sets: readonly EntitySetDefinition[]): void {
  const setNames = new Set<string>();
  const typeNames = new Map<string, EntitySetDefinition>();
  for (const set of sets) {
    const where = `entity set "${set.name}"`;
    if (!IDENTIFIER.test(set.name)) throw new Error(`${where}: the name is not an OData identifier`);
    if (!IDENTIFIER.test(set.entityType)) throw new Error(`${where}: entity type name is not an identifier`);
    if (setNames.has(set.name)) throw new Error(`${where} is defined twice`);
    setNames.add(set.name);
    const sameType = typeNames.get(set.entityType);
    if (sameType && sameType.properties !== set.properties) {
      throw new Error(`${where}: entity type "${set.entityType}" is already used by "${sameType.name}"`);
    }
    typeNames.set(set.entityType, set);
    const props = new Map<string, PropertyDefinition>();
    for (const p of set.properties) {
      if (!IDENTIFIER.test(p.name)) throw new Error(`${where}: property "${p.name}" is not an identifier`);
      if (props.has(p.name)) throw new Error(`${where}: property "${p.name}" is defined twice`);
      if (!EDM_TYPES.includes(p.type)) throw new Error(`${where}: property "${p.name}" has type ${p.type}`);
      props.set(p.name, p);
    }
    if (set.key.length === 0) throw new Error(`${where}: needs at least one key property`);
    for (const k of set.key) {
      const p = props.get(k);
      if (!p) throw new Error(`${where}: key "${k}" is not a property`);
      // CSDL requires key properties to be non-nullable.
      if (p.nullable) throw new Error(`${where}: key "${k}" must not be nullable`);
    }
  }
}

export type EdmValue = string | number | boolean | Date | null;

const DATE_ONLY = /^(\d{4})-(\d{2})-(\d{2})$/;

/**
 * The value of a raw column as the property's EDM type: numbers as numbers (Int64 arrives
 * from Table Storage as a bigint or `{ value, type: 'Int64' }`), DateTimeOffset as Date, Date as
 * "yyyy-mm-dd". Anything that does not convert is null, so one bad cell never fails a page.
 */
export function normalizeValue(type: EdmType, raw: RawValue): EdmValue {
  if (raw === null || raw === undefined) return null;
  const v = typeof raw === 'object' && !(raw instanceof Date) ? raw.value : raw;
  switch (type) {
    case 'Edm.String':
      return v instanceof Date ? v.toISOString() : String(v);
    case 'Edm.Int32':
    case 'Edm.Int64': {
      const n =
        typeof v === 'number' || typeof v === 'bigint'
          ? Number(v)
          : typeof v === 'string' && /^-?\d+$/.test(v.trim())
            ? Number(v)
            : NaN;
      return Number.isFinite(n) ? Math.trunc(n) : null;
    }
    case 'Edm.Double': {
      if (typeof v === 'number' || typeof v === 'bigint') return Number(v);
      if (typeof v === 'string' && v.trim() !== '') {
        const n = Number(v);
        return Number.isNaN(n) && v !== 'NaN' ? null : n;
      }
      return null;
    }
    case 'Edm.Boolean':
      if (typeof v === 'boolean') return v;
      if (v === 'true') return true;
      if (v === 'false') return false;
      return null;
    case 'Edm.DateTimeOffset': {
      const d = v instanceof Date ? v : typeof v === 'string' ? new Date(v) : null;
      return d && !Number.isNaN(d.getTime()) ? d : null;
    }
    case 'Edm.Date': {
      if (v instanceof Date) return Number.isNaN(v.getTime()) ? null : v.toISOString().slice(0, 10);
      if (typeof v === 'string') {
        const head = v.slice(0, 10);
        return DATE_ONLY.test(head) ? head : null;
      }
      return null;
    }
  }
}

/** The OData JSON form of a normalized value (JSON has no Date, Infinity or NaN). */
export function jsonValue(value: EdmValue): string | number | boolean | null {
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'number' && !Number.isFinite(value)) {
    return Number.isNaN(value) ? 'NaN' : value > 0 ? 'INF' : '-INF';
  }
  return value;
}
