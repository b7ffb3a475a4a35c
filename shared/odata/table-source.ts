/**
 * RowSource over a Table Storage table of precomputed rows, and the one entity mapping both
 * its writer and the feed agree on. Types matter for push-down: Table Storage compares typed
 * values, so a Double column must be stored as Edm.Double even when the value is whole (the
 * SDK would store 2 as Int32 and `X eq 2.0` would miss it), Int64 as Edm.Int64, Date as its
 * "yyyy-mm-dd" string (ordered like the date) and DateTimeOffset as Edm.DateTime.
 */
import type { TableClient, TableEntity, TableEntityResult } from '@azure/data-tables';
import {
  type EntitySetDefinition,
  normalizeValue,
  type PropertyDefinition,
  type Row,
  type RowPage,
  type RowQuery,
  type RowSource,
} from './edm.js';

export interface TableRowSourceOptions {
  /** The table, or how to get it (e.g. `() => tables.table('Posture')` from createTableProvider). */
  table: TableClient | (() => Promise<TableClient>);
  /** OData property → table column, where they differ (e.g. `{ DeviceId: 'RowKey' }`). */
  columns?: Record<string, string>;
}

export function tableRowSource(options: TableRowSourceOptions): RowSource {
  const columns = options.columns ?? {};
  const table =
    typeof options.table === 'function' ? options.table : () => Promise.resolve(options.table as TableClient);
  return {
    columnOf: (property) => columns[property] ?? property,
    async query(opts: RowQuery): Promise<RowPage> {
      const client = await table();
      const pages = client
        .listEntities<Record<string, unknown>>({
          ...(opts.filter ? { queryOptions: { filter: opts.filter } } : {}),
        })
        .byPage({
          maxPageSize: opts.pageSize,
          ...(opts.continuationToken ? { continuationToken: opts.continuationToken } : {}),
        });
      const first = await pages.next();
      if (first.done) return { rows: [] };
      const page = first.value as TableEntityResult<Record<string, unknown>>[] & {
        continuationToken?: string;
      };
      const rows = page.map((entity) => entityToRow(entity, columns));
      return { rows, ...(page.continuationToken ? { next: page.continuationToken } : {}) };
    },
  };
}

function entityToRow(entity: Record<string, unknown>, columns: Record<string, string>): Row {
  const row = { ...entity } as Row;
  for (const [property, column] of Object.entries(columns)) {
    row[property] =
      column === 'PartitionKey'
        ? (entity.partitionKey as string)
        : column === 'RowKey'
          ? (entity.rowKey as string)
          : (entity[column] as Row[string]);
  }
  return row;
}

function storedValue(p: PropertyDefinition, raw: Row[string]): unknown {
  const v = normalizeValue(p.type, raw);
  if (v === null) return undefined; // Table Storage has no null: the property is left out.
  switch (p.type) {
    case 'Edm.Double':
      return { value: String(v), type: 'Double' };
    case 'Edm.Int64':
      return { value: String(v), type: 'Int64' };
    default:
      return v;
  }
}

/**
 * The Table Storage entity for one feed row: key columns from `keys`, every property typed as
 * the feed reads it back. Columns mapped to PartitionKey/RowKey are taken from the row.
 */
export function tableEntityFor(
  set: Pick<EntitySetDefinition, 'properties'>,
  row: Row,
  keys: { partitionKey?: string; rowKey?: string } = {},
  columns: Record<string, string> = {},
): TableEntity {
  const entity: TableEntity = { partitionKey: keys.partitionKey ?? '', rowKey: keys.rowKey ?? '' };
  for (const p of set.properties) {
    const column = columns[p.name] ?? p.name;
    const value = storedValue(p, row[p.name]);
    if (column === 'PartitionKey') entity.partitionKey = String(value ?? '');
    else if (column === 'RowKey') entity.rowKey = String(value ?? '');
    else if (value !== undefined) entity[column] = value;
  }
  return entity;
}
