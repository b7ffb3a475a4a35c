/**
 * $filter as a specification: what parses (every operator, literal and precedence rule), what
 * is refused with which 400, what is pushed down to Table Storage, and that evaluation in
 * memory gives the same answer as the pushed-down filter would, nulls included.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HttpProblem } from '../../shared/http/errors.js';
import type { EntitySetDefinition, Row } from '../../shared/odata/edm.js';
import { evaluateFilter } from '../../shared/odata/evaluate.js';
import { type FilterNode, MAX_FILTER_DEPTH, parseFilter } from '../../shared/odata/filter.js';
import { MAX_TABLE_COMPARISONS, toTableFilter } from '../../shared/odata/table-filter.js';

const set: EntitySetDefinition = {
  name: 'Gadgets',
  entityType: 'Gadget',
  key: ['Id'],
  properties: [
    { name: 'Id', type: 'Edm.String', nullable: false, filterable: true },
    { name: 'Name', type: 'Edm.String', nullable: true, filterable: true },
    { name: 'Count', type: 'Edm.Int32', nullable: false, filterable: true },
    { name: 'Big', type: 'Edm.Int64', nullable: false, filterable: true },
    { name: 'Score', type: 'Edm.Double', nullable: false, filterable: true },
    { name: 'Active', type: 'Edm.Boolean', nullable: false, filterable: true },
    { name: 'Seen', type: 'Edm.DateTimeOffset', nullable: true, filterable: true },
    { name: 'Day', type: 'Edm.Date', nullable: false, filterable: true },
    { name: 'Note', type: 'Edm.String', nullable: true },
  ],
  source: { query: async () => ({ rows: [] }) },
};

const parse = (f: string) => parseFilter(f, set);
const table = (f: string) => toTableFilter(parse(f));

function shape(n: FilterNode): string {
  switch (n.kind) {
    case 'and':
    case 'or':
      return `(${shape(n.left)} ${n.kind} ${shape(n.right)})`;
    case 'not':
      return `not ${shape(n.operand)}`;
    case 'compare':
      return `${n.property.name} ${n.op} ${n.value instanceof Date ? n.value.toISOString() : JSON.stringify(n.value)}`;
  }
}

function rejects(filter: string): HttpProblem {
  try {
    parse(filter);
  } catch (err) {
    expect(err).toBeInstanceOf(HttpProblem);
    const p = err as HttpProblem;
    expect(p.status).toBe(400);
    expect(p.message.startsWith('$filter: ')).toBe(true);
    return p;
  }
  throw new Error(`"${filter}" was accepted`);
}

describe('$filter parsing', () => {
  it.each([
    ["Name eq 'a'", 'Name eq "a"'],
    ["Name ne 'a'", 'Name ne "a"'],
    ['Count gt 5', 'Count gt 5'],
    ['Count ge 5', 'Count ge 5'],
    ['Count lt -5', 'Count lt -5'],
    ['Count le 0', 'Count le 0'],
    ['Score gt 1.5', 'Score gt 1.5'],
    ['Score gt 2', 'Score gt 2'],
    ['Score lt 1e3', 'Score lt 1000'],
    ['Big eq 9007199254740991', 'Big eq 9007199254740991'],
    ['Active eq true', 'Active eq true'],
    ['Active', 'Active eq true'],
    ['Name eq null', 'Name eq null'],
    ['null ne Name', 'Name ne null'],
    ['Seen ge 2026-11-24T00:00:00Z', 'Seen ge 2026-11-24T00:00:00.000Z'],
    ['Seen lt 2026-11-24T01:30+01:00', 'Seen lt 2026-11-24T00:30:00.000Z'],
    ['Seen eq 2026-11-24T00:00:00.1234567Z', 'Seen eq 2026-11-24T00:00:00.123Z'],
    ['Day eq 2026-02-28', 'Day eq "2026-02-28"'],
    ["Name eq 'O''Brien'", 'Name eq "O\'Brien"'],
    ["Name eq ''", 'Name eq ""'],
    ['5 lt Count', 'Count gt 5'],
    ['5 ge Count', 'Count le 5'],
    ["Name in ('a')", 'Name eq "a"'],
    ["Name in ('a', 'b',null)", '((Name eq "a" or Name eq "b") or Name eq null)'],
    ['Count in (1,2) and Active', '((Count eq 1 or Count eq 2) and Active eq true)'],
  ])('%s', (filter, expected) => {
    expect(shape(parse(filter))).toBe(expected);
  });

  it('binds not tighter than and, and tighter than or', () => {
    expect(shape(parse("Count eq 1 or Count eq 2 and Name eq 'x'"))).toBe(
      '(Count eq 1 or (Count eq 2 and Name eq "x"))',
    );
    expect(shape(parse('not Count eq 1 and Count eq 2'))).toBe('(not Count eq 1 and Count eq 2)');
    expect(shape(parse('not (Count eq 1 and Count eq 2)'))).toBe('not (Count eq 1 and Count eq 2)');
    expect(shape(parse('(Count eq 1 or Count eq 2) and Active'))).toBe(
      '((Count eq 1 or Count eq 2) and Active eq true)',
    );
    expect(shape(parse('Count eq 1 or Count eq 2 or Count eq 3'))).toBe(
      '((Count eq 1 or Count eq 2) or Count eq 3)',
    );
    expect(shape(parse('not not Active'))).toBe('not not Active eq true');
  });

  it('names an unknown property', () => {
    const p = rejects("Colour eq 'red'");
    expect(p.code).toBe('unknown_property');
    expect(p.message).toContain('"Colour"');
  });

  it('refuses a column that is not indexed, listing the ones that are', () => {
    const p = rejects("Note eq 'x'");
    expect(p.code).toBe('property_not_filterable');
    expect(p.message).toContain('Note cannot be filtered');
    expect(p.message).toContain('Count');
  });

  it.each([
    ["Count eq '5'", 'type_mismatch'],
    ['Count eq 1.5', 'type_mismatch'],
    ['Count eq 3000000000', 'type_mismatch'],
    ['Name eq 5', 'type_mismatch'],
    ['Active eq 1', 'type_mismatch'],
    ['Seen ge 2026-11-24', 'type_mismatch'],
    ['Day eq 2026-11-24T00:00:00Z', 'type_mismatch'],
    ['Count gt null', 'invalid_filter'],
    ['Day eq 2026-02-30', 'invalid_filter'],
    ['Seen eq 2026-11-24T25:00:00Z', 'invalid_filter'],
    ['Count eq 99999999999999999999', 'invalid_filter'],
    ["Name eq 'open", 'invalid_filter'],
    ['Count eq', 'invalid_filter'],
    ['Count', 'invalid_filter'],
    ['(Count eq 1', 'invalid_filter'],
    ['Count eq 1)', 'invalid_filter'],
    ['Count eq 1 and', 'invalid_filter'],
    ['and Count eq 1', 'invalid_filter'],
    ['Count EQ 1', 'invalid_filter'],
    ['Count eq 1 AND Count eq 2', 'invalid_filter'],
    ['Count eq Big', 'not_supported'],
    ['1 eq 1', 'not_supported'],
    ["contains(Name,'a')", 'not_supported'],
    ["Name eq guid'00000000-0000-0000-0000-000000000000'", 'invalid_filter'],
    ['Count eq 1 ; drop', 'invalid_filter'],
    ['Count/Value eq 1', 'invalid_filter'],
    ['Count eq 1.2.3', 'invalid_filter'],
    ['', 'invalid_filter'],
    ['   ', 'invalid_filter'],
    ['Count in ()', 'invalid_filter'],
    ['Count in (1,)', 'invalid_filter'],
    ['Count in 1', 'invalid_filter'],
    ['Count in (1 2)', 'invalid_filter'],
    ['Count in (Big)', 'invalid_filter'],
    ["Count in ('1')", 'type_mismatch'],
    ["Note in ('x')", 'property_not_filterable'],
    ['1 in (1)', 'not_supported'],
    [`Count in (${Array.from({ length: 101 }, (_, i) => i).join(',')})`, 'invalid_filter'],
  ])('refuses %j with %s', (filter, code) => {
    expect(rejects(filter).code).toBe(code);
  });

  it('says which case operators take', () => {
    expect(rejects('Count EQ 1').message).toContain('write "eq"');
  });

  it('bounds nesting and length', () => {
    const deep = `${'('.repeat(MAX_FILTER_DEPTH + 1)}Active${')'.repeat(MAX_FILTER_DEPTH + 1)}`;
    expect(rejects(deep).message).toContain('nested deeper');
    expect(shape(parse(`${'('.repeat(MAX_FILTER_DEPTH - 1)}Active${')'.repeat(MAX_FILTER_DEPTH - 1)}`))).toBe(
      'Active eq true',
    );
    expect(rejects(`Name eq '${'x'.repeat(9000)}'`).message).toContain('longer than');
  });
});

describe('$filter push-down to Table Storage', () => {
  it.each([
    ["Name eq 'O''Brien'", "Name eq 'O''Brien'"],
    ['Count ge 5', 'Count ge 5'],
    ['Big eq 12', 'Big eq 12L'],
    ['Score gt 2', 'Score gt 2.0'],
    ['Score le 2.25', 'Score le 2.25'],
    ['Active', 'Active eq true'],
    ['Active eq false', 'Active eq false'],
    ['Seen ge 2026-11-24T00:00:00Z', "Seen ge datetime'2026-11-24T00:00:00.000Z'"],
    ['Day lt 2026-11-24', "Day lt '2026-11-24'"],
    ['5 lt Count', 'Count gt 5'],
    ['Count eq 1 and Active', '(Count eq 1) and (Active eq true)'],
    ['Count eq 1 or Count eq 2', '(Count eq 1) or (Count eq 2)'],
    ["Id in ('a','b')", "(Id eq 'a') or (Id eq 'b')"],
    ['not (Count eq 1 or Active)', 'not ((Count eq 1) or (Active eq true))'],
    ["Id ne 'a'", "Id ne 'a'"],
  ])('%s → %s', (filter, expected) => {
    expect(table(filter)).toBe(expected);
  });

  it('pushes nothing it cannot say exactly as a wider filter', () => {
    // Table Storage has no null.
    expect(table('Name eq null')).toBeUndefined();
    expect(table('Name ne null')).toBeUndefined();
    // A null Name is "ne 'a'" in OData but absent (never matching) in Table Storage.
    expect(table("Name ne 'a'")).toBeUndefined();
    // not over a condition on a nullable column could drop rows whose value is null.
    expect(table("not (Name eq 'a')")).toBeUndefined();
    // Half of an or is not a wider filter; half of an and is.
    expect(table('Count eq 1 or Name eq null')).toBeUndefined();
    expect(table('Count eq 1 and Name eq null')).toBe('Count eq 1');
    expect(table('Name eq null and Count eq 1')).toBe('Count eq 1');
  });

  it('maps properties to their columns, and never compares a key column as a number', () => {
    const columns: Record<string, string> = { Id: 'RowKey', Count: 'PartitionKey' };
    expect(toTableFilter(parse("Id eq 'x' and Count eq 3"), (p) => columns[p] ?? p)).toBe("RowKey eq 'x'");
  });

  it(`keeps within Table Storage's ${MAX_TABLE_COMPARISONS} comparisons`, () => {
    const terms = Array.from({ length: 20 }, (_, i) => `Count ne ${i}`);
    const pushed = table(terms.join(' and ')) ?? '';
    expect(pushed.match(/ ne /g)).toHaveLength(MAX_TABLE_COMPARISONS);
    expect(table(Array.from({ length: 16 }, (_, i) => `Count eq ${i}`).join(' or '))).toBeUndefined();
  });
});

describe('$filter evaluation in memory', () => {
  const row = (r: Partial<Record<string, unknown>>): Row =>
    ({
      Id: 'x',
      Count: 5,
      Big: { value: '12', type: 'Int64' },
      Score: 2,
      Active: true,
      Day: '2026-11-24',
      ...r,
    }) as Row;
  const holds = (f: string, r: Row) => evaluateFilter(parse(f), r);

  it('treats null as OData does', () => {
    expect(holds('Name eq null', row({}))).toBe(true);
    expect(holds('Name ne null', row({}))).toBe(false);
    expect(holds("Name ne 'a'", row({}))).toBe(true);
    expect(holds("Name eq 'a'", row({}))).toBe(false);
    expect(holds("Name gt 'a'", row({}))).toBe(false);
    expect(holds("Name lt 'a'", row({ Name: null }))).toBe(false);
    expect(holds("not (Name eq 'a')", row({}))).toBe(true);
  });

  it('compares by type: numbers, Int64 objects and bigints, dates, strings ordinally', () => {
    expect(holds('Big eq 12', row({}))).toBe(true);
    expect(holds('Big gt 11', row({ Big: 12n }))).toBe(true);
    expect(holds('Count lt 10', row({ Count: 9 }))).toBe(true);
    expect(holds('Score eq 2', row({}))).toBe(true);
    expect(holds('Seen ge 2026-11-24T00:00:00Z', row({ Seen: new Date('2026-11-24T00:00:00.001Z') }))).toBe(
      true,
    );
    expect(holds('Seen lt 2026-11-24T00:00:00Z', row({ Seen: '2026-11-23T23:59:59Z' }))).toBe(true);
    expect(holds('Day ge 2026-11-24', row({}))).toBe(true);
    expect(holds("Name lt 'a'", row({ Name: 'Z' }))).toBe(true);
    expect(holds('Active', row({ Active: false }))).toBe(false);
    expect(holds('not Active', row({ Active: false }))).toBe(true);
  });

  it('never pushes down a filter that drops a row the OData filter keeps (property)', () => {
    // For each random filter and row: if the row matches in memory, the Table filter must not
    // exclude it. We evaluate the Table filter by re-parsing it as OData over the same row.
    const comparison = fc.oneof(
      fc
        .tuple(fc.constantFrom('eq', 'ne', 'gt', 'ge', 'lt', 'le'), fc.integer({ min: 0, max: 6 }))
        .map(([op, n]) => `Count ${op} ${n}`),
      fc
        .tuple(fc.constantFrom('eq', 'ne'), fc.constantFrom("'a'", "'b'", 'null'))
        .map(([op, v]) => `Name ${op} ${v}`),
      fc.constantFrom('Active', 'not Active'),
    );
    const expr: fc.Arbitrary<string> = fc.letrec((tie) => ({
      node: fc.oneof(
        { depthSize: 'small', withCrossShrink: true },
        comparison,
        fc
          .tuple(tie('node'), fc.constantFrom('and', 'or'), tie('node'))
          .map(([l, op, r]) => `(${l}) ${op} (${r})`),
        tie('node').map((e) => `not (${e})`),
      ),
    })).node as fc.Arbitrary<string>;
    const rowArb = fc.record({
      Count: fc.integer({ min: 0, max: 6 }),
      Name: fc.constantFrom('a', 'b', null),
      Active: fc.boolean(),
    });
    fc.assert(
      fc.property(expr, rowArb, (filter, r) => {
        const node = parse(filter);
        const pushed = toTableFilter(node);
        const full = row(r);
        if (!evaluateFilter(node, full) || pushed === undefined) return;
        // The pushed filter, read back as OData (its literals made OData again), under Table
        // Storage's reading: a comparison on an absent (null) property is false.
        const asOData = pushed.replace(/\b(\d+)\.0\b/g, '$1');
        expect(evaluateTableSemantics(parseFilter(asOData, set), full)).toBe(true);
      }),
      { numRuns: 500 },
    );
  });
});

/** Table Storage's reading of a filter: a comparison on an absent property is simply false. */
function evaluateTableSemantics(node: FilterNode, row: Row): boolean {
  switch (node.kind) {
    case 'and':
      return evaluateTableSemantics(node.left, row) && evaluateTableSemantics(node.right, row);
    case 'or':
      return evaluateTableSemantics(node.left, row) || evaluateTableSemantics(node.right, row);
    case 'not':
      return !evaluateTableSemantics(node.operand, row);
    case 'compare': {
      const v = row[node.property.name];
      if (v === null || v === undefined) return false;
      return evaluateFilter(node, row);
    }
  }
}
