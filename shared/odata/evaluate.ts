/**
 * In-memory $filter evaluation: the safety net behind push-down. Rows coming back from the
 * store are filtered again with OData's semantics, so a weaker (or absent) store filter never
 * widens the answer. OData compares with null as two-valued logic: `null eq null` is true,
 * `null ne 5` is true, and every ordering comparison involving null is false.
 */
import { type EdmValue, normalizeValue, type Row } from './edm.js';
import type { ComparisonOperator, FilterNode } from './filter.js';

function order(a: EdmValue, b: EdmValue): number {
  const x = a instanceof Date ? a.getTime() : a;
  const y = b instanceof Date ? b.getTime() : b;
  // Strings compare ordinally (by UTF-16 code unit), as Table Storage does, not by locale.
  if (x === y) return 0;
  return (x as string | number | boolean) < (y as string | number | boolean) ? -1 : 1;
}

function holds(op: ComparisonOperator, c: number): boolean {
  switch (op) {
    case 'eq':
      return c === 0;
    case 'ne':
      return c !== 0;
    case 'gt':
      return c > 0;
    case 'ge':
      return c >= 0;
    case 'lt':
      return c < 0;
    case 'le':
      return c <= 0;
  }
}

export function evaluateFilter(node: FilterNode, row: Row): boolean {
  switch (node.kind) {
    case 'and':
      return evaluateFilter(node.left, row) && evaluateFilter(node.right, row);
    case 'or':
      return evaluateFilter(node.left, row) || evaluateFilter(node.right, row);
    case 'not':
      return !evaluateFilter(node.operand, row);
    case 'compare': {
      const actual = normalizeValue(node.property.type, row[node.property.name]);
      const wanted = node.value;
      if (actual === null || wanted === null) {
        const same = actual === null && wanted === null;
        if (node.op === 'eq') return same;
        if (node.op === 'ne') return !same;
        return false;
      }
      // NaN equals nothing, itself included (IEEE), and orders with nothing.
      if (Number.isNaN(actual) || Number.isNaN(wanted)) return node.op === 'ne';
      return holds(node.op, order(actual, wanted));
    }
  }
}
