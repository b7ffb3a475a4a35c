/**
 * A small OData $filter parser and evaluator: enough for the clauses Graph clients send
 * (eq/ne/lt/gt/le/ge, and/or/not, contains/startswith/endswith, property paths like
 * templateReference/templateFamily). Routes decide which clauses they support.
 */

export type Literal = string | number | boolean | null;
export type CompareOp = 'eq' | 'ne' | 'lt' | 'gt' | 'le' | 'ge';
export type FilterFunction = 'contains' | 'startswith' | 'endswith';

export type FilterExpr =
  | { kind: 'compare'; op: CompareOp; property: string; value: Literal }
  | { kind: 'function'; fn: FilterFunction; property: string; value: string }
  | { kind: 'and' | 'or'; left: FilterExpr; right: FilterExpr }
  | { kind: 'not'; expr: FilterExpr }
  | { kind: 'true' };

export class FilterSyntaxError extends Error {}

type Token = { t: 'str'; v: string } | { t: 'word'; v: string } | { t: '(' } | { t: ')' } | { t: ',' };

function tokenize(text: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i] as string;
    if (c === ' ' || c === '\t') {
      i++;
    } else if (c === '(' || c === ')' || c === ',') {
      out.push({ t: c });
      i++;
    } else if (c === "'") {
      let v = '';
      i++;
      for (;;) {
        if (i >= text.length) throw new FilterSyntaxError('unterminated string literal');
        if (text[i] === "'") {
          if (text[i + 1] === "'") {
            v += "'";
            i += 2;
            continue;
          }
          i++;
          break;
        }
        v += text[i];
        i++;
      }
      out.push({ t: 'str', v });
    } else {
      let v = '';
      while (i < text.length && !" \t(),'".includes(text[i] as string)) v += text[i++];
      out.push({ t: 'word', v });
    }
  }
  return out;
}

const COMPARE_OPS = new Set(['eq', 'ne', 'lt', 'gt', 'le', 'ge']);
const FUNCTIONS = new Set(['contains', 'startswith', 'endswith']);

export function parseFilter(text: string): FilterExpr {
  const tokens = tokenize(text);
  let pos = 0;
  const peek = () => tokens[pos];
  const word = (w: string) => {
    const tk = peek();
    return tk?.t === 'word' && tk.v.toLowerCase() === w;
  };
  const expect = (t: '(' | ')' | ',') => {
    if (peek()?.t !== t) throw new FilterSyntaxError(`expected "${t}"`);
    pos++;
  };
  const literal = (): Literal => {
    const tk = tokens[pos++];
    if (!tk) throw new FilterSyntaxError('expected a value');
    if (tk.t === 'str') return tk.v;
    if (tk.t !== 'word') throw new FilterSyntaxError('expected a value');
    const v = tk.v;
    if (v === 'true' || v === 'false') return v === 'true';
    if (v === 'null') return null;
    if (/^-?\d+(\.\d+)?$/.test(v)) return Number(v);
    // Unquoted GUIDs and DateTimeOffset literals are legal OData.
    if (/^[0-9a-f-]{36}$/i.test(v) || /^\d{4}-\d{2}-\d{2}/.test(v)) return v;
    throw new FilterSyntaxError(`unexpected "${v}"`);
  };
  const primary = (): FilterExpr => {
    const tk = peek();
    if (!tk) throw new FilterSyntaxError('unexpected end of filter');
    if (tk.t === '(') {
      pos++;
      const e = orExpr();
      expect(')');
      return e;
    }
    if (word('not')) {
      pos++;
      return { kind: 'not', expr: primary() };
    }
    if (tk.t !== 'word') throw new FilterSyntaxError('expected a property');
    pos++;
    const lower = tk.v.toLowerCase();
    if (FUNCTIONS.has(lower) && peek()?.t === '(') {
      pos++;
      const prop = tokens[pos++];
      if (prop?.t !== 'word') throw new FilterSyntaxError(`${lower}: expected a property`);
      expect(',');
      const value = literal();
      expect(')');
      if (typeof value !== 'string') throw new FilterSyntaxError(`${lower}: expected a string`);
      return { kind: 'function', fn: lower as FilterFunction, property: prop.v, value };
    }
    const op = peek();
    if (op?.t !== 'word' || !COMPARE_OPS.has(op.v.toLowerCase())) {
      throw new FilterSyntaxError(`expected an operator after "${tk.v}"`);
    }
    pos++;
    return { kind: 'compare', op: op.v.toLowerCase() as CompareOp, property: tk.v, value: literal() };
  };
  const andExpr = (): FilterExpr => {
    let left = primary();
    while (word('and')) {
      pos++;
      left = { kind: 'and', left, right: primary() };
    }
    return left;
  };
  const orExpr = (): FilterExpr => {
    let left = andExpr();
    while (word('or')) {
      pos++;
      left = { kind: 'or', left, right: andExpr() };
    }
    return left;
  };
  const expr = orExpr();
  if (pos !== tokens.length) throw new FilterSyntaxError('unexpected text after the filter');
  return expr;
}

/** Every comparison and function call in the expression (for support checks). */
export function clauses(expr: FilterExpr): Extract<FilterExpr, { property: string }>[] {
  switch (expr.kind) {
    case 'and':
    case 'or':
      return [...clauses(expr.left), ...clauses(expr.right)];
    case 'not':
      return clauses(expr.expr);
    case 'true':
      return [];
    default:
      return [expr];
  }
}

/** Replaces clauses `keep` rejects with "true" (how Intune ignores filters it does not support). */
export function dropClauses(
  expr: FilterExpr,
  keep: (c: Extract<FilterExpr, { property: string }>) => boolean,
): FilterExpr {
  switch (expr.kind) {
    case 'and':
    case 'or':
      return { kind: expr.kind, left: dropClauses(expr.left, keep), right: dropClauses(expr.right, keep) };
    case 'not':
      return { kind: 'not', expr: dropClauses(expr.expr, keep) };
    case 'true':
      return expr;
    default:
      return keep(expr) ? expr : { kind: 'true' };
  }
}

function read(item: Record<string, unknown>, path: string): unknown {
  let cur: unknown = item;
  for (const part of path.split('/')) {
    if (cur === null || typeof cur !== 'object') return undefined;
    const obj = cur as Record<string, unknown>;
    const key = part in obj ? part : Object.keys(obj).find((k) => k.toLowerCase() === part.toLowerCase());
    cur = key === undefined ? undefined : obj[key];
  }
  return cur;
}

function compare(a: unknown, b: Literal): number {
  if (typeof a === 'string' && typeof b === 'string') {
    const da = Date.parse(a);
    const db = Date.parse(b);
    if (/^\d{4}-\d{2}-\d{2}/.test(a) && !Number.isNaN(da) && !Number.isNaN(db)) return da - db;
    return a.toLowerCase() < b.toLowerCase() ? -1 : a.toLowerCase() > b.toLowerCase() ? 1 : 0;
  }
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return Number.NaN;
}

export function matches(item: Record<string, unknown>, expr: FilterExpr): boolean {
  switch (expr.kind) {
    case 'true':
      return true;
    case 'and':
      return matches(item, expr.left) && matches(item, expr.right);
    case 'or':
      return matches(item, expr.left) || matches(item, expr.right);
    case 'not':
      return !matches(item, expr.expr);
    case 'function': {
      const v = read(item, expr.property);
      if (typeof v !== 'string') return false;
      const a = v.toLowerCase();
      const b = expr.value.toLowerCase();
      return expr.fn === 'contains'
        ? a.includes(b)
        : expr.fn === 'startswith'
          ? a.startsWith(b)
          : a.endsWith(b);
    }
    case 'compare': {
      const v = read(item, expr.property);
      if (expr.op === 'eq' || expr.op === 'ne') {
        // Graph string equality is case-insensitive (GUIDs arrive in any case).
        const equal =
          typeof v === 'string' && typeof expr.value === 'string'
            ? v.toLowerCase() === expr.value.toLowerCase()
            : (v ?? null) === expr.value;
        return expr.op === 'eq' ? equal : !equal;
      }
      const c = compare(v, expr.value);
      if (Number.isNaN(c)) return false;
      return expr.op === 'lt' ? c < 0 : expr.op === 'gt' ? c > 0 : expr.op === 'le' ? c <= 0 : c >= 0;
    }
  }
}
