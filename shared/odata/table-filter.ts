/**
 * OData $filter → Table Storage filter string, for push-down. The translation is allowed to be
 * WEAKER than the OData filter (it may only drop conditions, never add them): rows are always
 * filtered again in memory (evaluate.ts). Conditions Table Storage cannot state the same way
 * are left out:
 *  - comparisons with null (Table Storage has no null: an absent property simply never matches);
 *  - `ne` on a nullable column (OData keeps rows where it is null, Table Storage drops them);
 *  - `not` over anything not exactly equivalent (negating a weaker filter would make it stronger);
 *  - beyond Table Storage's limit of 15 comparisons per filter.
 */
import type { EdmType, EdmValue } from './edm.js';
import type { FilterNode } from './filter.js';

/** Table Storage rejects filters with more discrete comparisons than this. */
export const MAX_TABLE_COMPARISONS = 15;

interface Translation {
  /** Absent: no condition can be pushed (the store returns every row). */
  filter?: string;
  /** True when the store filter selects exactly the rows the OData filter does. */
  exact: boolean;
  comparisons: number;
}

const KEY_COLUMNS = new Set(['PartitionKey', 'RowKey']);
const NONE: Translation = { exact: false, comparisons: 0 };

/** A Table Storage literal for a value stored the way tableEntityFor() stores it. */
export function tableLiteral(type: EdmType, value: Exclude<EdmValue, null>): string | undefined {
  switch (type) {
    case 'Edm.String':
    case 'Edm.Date':
      return `'${String(value).replace(/'/g, "''")}'`;
    case 'Edm.Int32':
      return String(value);
    case 'Edm.Int64':
      return `${value}L`;
    case 'Edm.Double': {
      const n = value as number;
      if (!Number.isFinite(n)) return undefined;
      const text = String(n);
      // Table Storage compares typed values: 5 is an Int32 and never equals a stored Double 5.0.
      if (/e/i.test(text)) return undefined;
      return Number.isInteger(n) ? `${text}.0` : text;
    }
    case 'Edm.Boolean':
      return value ? 'true' : 'false';
    case 'Edm.DateTimeOffset':
      return `datetime'${(value as Date).toISOString()}'`;
  }
}

function translate(node: FilterNode, columnOf: (property: string) => string): Translation {
  switch (node.kind) {
    case 'compare': {
      const { property, op, value } = node;
      if (value === null) return NONE;
      if (op === 'ne' && property.nullable) return NONE;
      const column = columnOf(property.name);
      // PartitionKey and RowKey are strings whatever the OData type says.
      if (KEY_COLUMNS.has(column) && property.type !== 'Edm.String') return NONE;
      const literal = tableLiteral(property.type, value);
      if (literal === undefined) return NONE;
      // On a nullable column a missing property makes `not` ambiguous, so it is not exact.
      return { filter: `${column} ${op} ${literal}`, exact: !property.nullable, comparisons: 1 };
    }
    case 'and': {
      const l = translate(node.left, columnOf);
      const r = translate(node.right, columnOf);
      if (l.filter && r.filter) {
        return {
          filter: `(${l.filter}) and (${r.filter})`,
          exact: l.exact && r.exact,
          comparisons: l.comparisons + r.comparisons,
        };
      }
      // Keeping one side of an `and` only widens the result: still safe.
      const one = l.filter ? l : r;
      return { ...one, exact: false };
    }
    case 'or': {
      const l = translate(node.left, columnOf);
      const r = translate(node.right, columnOf);
      if (!l.filter || !r.filter) return NONE;
      return {
        filter: `(${l.filter}) or (${r.filter})`,
        exact: l.exact && r.exact,
        comparisons: l.comparisons + r.comparisons,
      };
    }
    case 'not': {
      const inner = translate(node.operand, columnOf);
      if (!inner.filter || !inner.exact) return NONE;
      return { filter: `not (${inner.filter})`, exact: true, comparisons: inner.comparisons };
    }
  }
}

function conjuncts(node: FilterNode): FilterNode[] {
  return node.kind === 'and' ? [...conjuncts(node.left), ...conjuncts(node.right)] : [node];
}

/**
 * The Table Storage filter to push down for an OData filter, or undefined when nothing can be.
 * Over the comparison limit, the top-level `and` terms that fit are kept, in order.
 */
export function toTableFilter(
  node: FilterNode | undefined,
  columnOf: (property: string) => string = (p) => p,
): string | undefined {
  if (!node) return undefined;
  const whole = translate(node, columnOf);
  if (whole.filter && whole.comparisons <= MAX_TABLE_COMPARISONS) return whole.filter;
  const kept: string[] = [];
  let budget = MAX_TABLE_COMPARISONS;
  for (const term of conjuncts(node)) {
    const t = translate(term, columnOf);
    if (!t.filter || t.comparisons > budget) continue;
    kept.push(t.filter);
    budget -= t.comparisons;
  }
  if (kept.length === 0) return undefined;
  return kept.length === 1 ? kept[0] : kept.map((f) => `(${f})`).join(' and ');
}
