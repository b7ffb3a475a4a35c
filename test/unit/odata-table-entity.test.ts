/**
 * The entity a feed row is stored as. Table Storage compares typed values and JSON cannot say
 * "this whole number is a Double", so the types must be explicit where the pushed-down
 * literals rely on them (Azurite compares loosely and would not notice a mistake).
 */
import { describe, expect, it } from 'vitest';
import type { EntitySetDefinition } from '../../shared/odata/edm.js';
import { tableLiteral } from '../../shared/odata/table-filter.js';
import { tableEntityFor } from '../../shared/odata/table-source.js';

const properties: EntitySetDefinition['properties'] = [
  { name: 'Id', type: 'Edm.String', nullable: false },
  { name: 'Score', type: 'Edm.Double', nullable: false },
  { name: 'Big', type: 'Edm.Int64', nullable: false },
  { name: 'DateKey', type: 'Edm.Int32', nullable: false },
  { name: 'Day', type: 'Edm.Date', nullable: false },
  { name: 'Seen', type: 'Edm.DateTimeOffset', nullable: true },
  { name: 'Active', type: 'Edm.Boolean', nullable: false },
  { name: 'Note', type: 'Edm.String', nullable: true },
];

describe('tableEntityFor', () => {
  it('types every column as its pushed-down literal expects, and leaves nulls out', () => {
    const seen = new Date('2026-11-24T10:00:00Z');
    const entity = tableEntityFor(
      { properties },
      {
        Id: 'd1',
        Score: 3,
        Big: 5_000_000_000,
        DateKey: 20261124,
        Day: '2026-11-24',
        Seen: seen,
        Active: true,
        Note: null,
      },
      { partitionKey: 'p' },
      { Id: 'RowKey' },
    );
    expect(entity).toEqual({
      partitionKey: 'p',
      rowKey: 'd1',
      Score: { value: '3', type: 'Double' },
      Big: { value: '5000000000', type: 'Int64' },
      DateKey: 20261124,
      Day: '2026-11-24',
      Seen: seen,
      Active: true,
    });
    // …and the literals the filter translation writes for those columns:
    expect(tableLiteral('Edm.Double', 3)).toBe('3.0');
    expect(tableLiteral('Edm.Int64', 5_000_000_000)).toBe('5000000000L');
    expect(tableLiteral('Edm.Int32', 20261124)).toBe('20261124');
    expect(tableLiteral('Edm.Date', '2026-11-24')).toBe("'2026-11-24'");
    expect(tableLiteral('Edm.DateTimeOffset', seen)).toBe("datetime'2026-11-24T10:00:00.000Z'");
  });

  it('normalizes loose input (numeric strings, Date for a Date column) before storing', () => {
    const entity = tableEntityFor(
      { properties },
      {
        Id: 'x',
        Score: '2.5',
        Big: '7',
        DateKey: '20261124',
        Day: new Date('2026-11-24T23:00:00Z'),
        Active: 'false',
      },
      { partitionKey: 'p', rowKey: 'x' },
    );
    expect(entity).toMatchObject({
      Id: 'x',
      Score: { value: '2.5', type: 'Double' },
      Big: { value: '7', type: 'Int64' },
      DateKey: 20261124,
      Day: '2026-11-24',
      Active: false,
    });
  });
});
