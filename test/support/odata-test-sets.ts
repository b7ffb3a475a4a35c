/**
 * Entity sets for the OData feed's tests, shaped like the posture feed will be (flat rows,
 * DateKey yyyymmdd, a Posture column) but owned by the tests: Gadgets (thousands of rows over
 * 16 partitions, one column of every EDM type, nulls, a whole-number Double), DailyCounts
 * (one row per DateKey) and Empties (no rows). Rows are generated, so tests know the answer.
 */
import type { EntitySetDefinition, Row } from '../../shared/odata/edm.js';
import { tableEntityFor, tableRowSource } from '../../shared/odata/table-source.js';
import { syncEntities } from '../../shared/storage/entity-sync.js';
import type { TableProvider } from '../../shared/storage/tables.js';

export const GADGET_COUNT = 3000;
export const DAY_COUNT = 60;
export const POSTURES = ['Ready', 'DestructiveOnly', 'Unknown'] as const;

const GADGET_COLUMNS = { GadgetId: 'RowKey' };
const DAY_COLUMNS = { DateKey: 'DateKey' };

export const GADGET_PROPERTIES: EntitySetDefinition['properties'] = [
  { name: 'GadgetId', type: 'Edm.String', nullable: false, filterable: true },
  { name: 'Posture', type: 'Edm.String', nullable: false, filterable: true },
  { name: 'Score', type: 'Edm.Double', nullable: false, filterable: true },
  { name: 'Big', type: 'Edm.Int64', nullable: false, filterable: true },
  { name: 'Active', type: 'Edm.Boolean', nullable: false, filterable: true },
  { name: 'LastSeen', type: 'Edm.DateTimeOffset', nullable: true, filterable: true },
  { name: 'DateKey', type: 'Edm.Int32', nullable: false, filterable: true },
  { name: 'Day', type: 'Edm.Date', nullable: false, filterable: true },
  { name: 'Note', type: 'Edm.String', nullable: true },
];

export const DAY_PROPERTIES: EntitySetDefinition['properties'] = [
  { name: 'DateKey', type: 'Edm.Int32', nullable: false, filterable: true },
  { name: 'Ready', type: 'Edm.Int64', nullable: false, filterable: true },
  { name: 'Total', type: 'Edm.Int32', nullable: false },
];

function dateKey(d: Date): number {
  return d.getUTCFullYear() * 10000 + (d.getUTCMonth() + 1) * 100 + d.getUTCDate();
}

const START = Date.UTC(2026, 9, 1);
const DAY = 86_400_000;

export function gadgetRow(i: number): Row {
  const day = new Date(START + (i % DAY_COUNT) * DAY);
  return {
    GadgetId: `gadget-${String(i).padStart(5, '0')}`,
    Posture: POSTURES[i % 3] as string,
    // Whole numbers for every fourth row: they must still compare as Double in the store.
    Score: i % 4 === 0 ? i % 7 : (i % 7) + 0.25,
    Big: 5_000_000_000 + i,
    Active: i % 5 !== 0,
    LastSeen: i % 11 === 0 ? null : new Date(START + i * 3_600_000),
    DateKey: dateKey(day),
    Day: day.toISOString().slice(0, 10),
    Note: i % 2 === 0 ? `note ${i} with 'quotes'` : null,
  };
}

export function dayRow(i: number): Row {
  const day = new Date(START + i * DAY);
  return { DateKey: dateKey(day), Ready: 1000 + i, Total: 2000 + i };
}

/** Gadgets spread over 16 partitions, as real feeds spread over partitions for throughput. */
function gadgetPartition(i: number): string {
  return (i % 16).toString(16);
}

export function testEntitySets(tables: TableProvider): EntitySetDefinition[] {
  return [
    {
      name: 'Gadgets',
      entityType: 'Gadget',
      key: ['GadgetId'],
      properties: GADGET_PROPERTIES,
      source: tableRowSource({ table: () => tables.table('OdGadgets'), columns: GADGET_COLUMNS }),
    },
    {
      name: 'DailyCounts',
      entityType: 'DailyCount',
      key: ['DateKey'],
      properties: DAY_PROPERTIES,
      source: tableRowSource({ table: () => tables.table('OdDays'), columns: DAY_COLUMNS }),
    },
    {
      name: 'Empties',
      entityType: 'Empty',
      key: ['Id'],
      properties: [{ name: 'Id', type: 'Edm.String', nullable: false, filterable: true }],
      source: tableRowSource({ table: () => tables.table('OdEmpties') }),
    },
  ];
}

/** Writes every test row; the store's order (PartitionKey, RowKey) is the feed's order. */
export async function seedTestEntitySets(tables: TableProvider): Promise<void> {
  const gadgets = Array.from({ length: GADGET_COUNT }, (_, i) =>
    tableEntityFor(
      { properties: GADGET_PROPERTIES },
      gadgetRow(i),
      { partitionKey: gadgetPartition(i) },
      GADGET_COLUMNS,
    ),
  );
  const days = Array.from({ length: DAY_COUNT }, (_, i) =>
    tableEntityFor({ properties: DAY_PROPERTIES }, dayRow(i), {
      partitionKey: 'all',
      rowKey: String(dayRow(i).DateKey),
    }),
  );
  await syncEntities(await tables.table('OdGadgets'), gadgets, { existing: new Map() });
  await syncEntities(await tables.table('OdDays'), days, { existing: new Map() });
  await tables.table('OdEmpties');
}

/** Gadget rows in the order the store returns them. */
export function gadgetsInStoreOrder(): Row[] {
  return Array.from({ length: GADGET_COUNT }, (_, i) => i)
    .sort((a, b) => gadgetPartition(a).localeCompare(gadgetPartition(b)) || a - b)
    .map(gadgetRow);
}
