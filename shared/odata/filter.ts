/**
 * $filter: a small recursive-descent parser for the subset the feed supports, typed against
 * the entity set at parse time, so every mistake is a 400 that names what is wrong (never a
 * 500 later). Grammar, loosest binding first (OData precedence: not > comparison > and > or):
 *
 *   or      := and ('or' and)*
 *   and     := unary ('and' unary)*
 *   unary   := 'not' unary | primary
 *   primary := '(' or ')' | operand (cmp operand)?      -- bare operand only for a Boolean property
 *            | property 'in' '(' literal (',' literal)* ')'   -- OData 4.01; an or of eq
 *   cmp     := eq | ne | gt | ge | lt | le
 *   operand := property | 'string' | integer | decimal | true | false | null | date | dateTimeOffset
 *
 * A comparison is always property-vs-literal (what Table Storage can push down); a literal on
 * the left is flipped. `not X eq 1` reads as `not (X eq 1)`, which is what people mean.
 */
import { HttpProblem } from '../http/errors.js';
import type { EdmType, EdmValue, EntitySetDefinition, PropertyDefinition } from './edm.js';

export type ComparisonOperator = 'eq' | 'ne' | 'gt' | 'ge' | 'lt' | 'le';

export type FilterNode =
  | { kind: 'and' | 'or'; left: FilterNode; right: FilterNode }
  | { kind: 'not'; operand: FilterNode }
  | { kind: 'compare'; op: ComparisonOperator; property: PropertyDefinition; value: EdmValue };

/** Longer filters are refused before parsing: a URL that long is not a Power BI query. */
export const MAX_FILTER_LENGTH = 8192;
/** Nesting bound, so a hostile filter cannot exhaust the stack. */
export const MAX_FILTER_DEPTH = 64;

const COMPARISONS = new Set<string>(['eq', 'ne', 'gt', 'ge', 'lt', 'le']);
const KEYWORDS = new Set<string>(['and', 'or', 'not', 'in', 'true', 'false', 'null', ...COMPARISONS]);
/** Values in one `in (…)` list at most: each becomes a comparison. */
export const MAX_IN_VALUES = 100;
const FLIPPED: Record<ComparisonOperator, ComparisonOperator> = {
  eq: 'eq',
  ne: 'ne',
  gt: 'lt',
  ge: 'le',
  lt: 'gt',
  le: 'ge',
};

type Literal =
  | { kind: 'string'; value: string }
  | { kind: 'integer'; value: number }
  | { kind: 'decimal'; value: number }
  | { kind: 'boolean'; value: boolean }
  | { kind: 'null' }
  | { kind: 'date'; value: string }
  | { kind: 'dateTimeOffset'; value: Date };

type Operand = { kind: 'property'; property: PropertyDefinition; text: string } | Literal;

interface Token {
  kind: 'lparen' | 'rparen' | 'comma' | 'string' | 'word' | 'number' | 'eof';
  text: string;
  /** 1-based character position in the filter, for messages. */
  pos: number;
  /** Unescaped content of a string literal. */
  value?: string;
}

export function filterError(message: string, code = 'invalid_filter'): HttpProblem {
  return new HttpProblem(400, code, `$filter: ${message}`);
}

export function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const ch = text[i] as string;
    const pos = i + 1;
    if (/\s/.test(ch)) {
      i++;
    } else if (ch === '(' || ch === ')' || ch === ',') {
      tokens.push({ kind: ch === '(' ? 'lparen' : ch === ')' ? 'rparen' : 'comma', text: ch, pos });
      i++;
    } else if (ch === "'") {
      let value = '';
      let j = i + 1;
      for (;;) {
        if (j >= text.length) throw filterError(`the string starting at position ${pos} is not closed`);
        if (text[j] === "'") {
          // '' is an escaped quote inside the literal.
          if (text[j + 1] === "'") {
            value += "'";
            j += 2;
            continue;
          }
          break;
        }
        value += text[j];
        j++;
      }
      tokens.push({ kind: 'string', text: text.slice(i, j + 1), pos, value });
      i = j + 1;
    } else if (/[0-9]/.test(ch) || (ch === '-' && /[0-9]/.test(text[i + 1] ?? ''))) {
      const m = /^-?[0-9][0-9A-Za-z.:+-]*/.exec(text.slice(i)) as RegExpExecArray;
      tokens.push({ kind: 'number', text: m[0], pos });
      i += m[0].length;
    } else if (/[A-Za-z_]/.test(ch)) {
      const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(i)) as RegExpExecArray;
      tokens.push({ kind: 'word', text: m[0], pos });
      i += m[0].length;
    } else {
      throw filterError(`unexpected character "${ch}" at position ${pos}`);
    }
  }
  tokens.push({ kind: 'eof', text: '', pos: text.length + 1 });
  return tokens;
}

const INTEGER = /^-?\d+$/;
const DECIMAL = /^-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?$/;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATE_TIME_OFFSET =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,12}))?)?(Z|[+-]\d{2}:\d{2})$/i;

function validDate(y: string, m: string, d: string): boolean {
  const date = new Date(Date.UTC(Number(y), Number(m) - 1, Number(d)));
  // Date.UTC rolls 2026-02-30 over to March; a real date survives the round trip.
  return (
    date.getUTCFullYear() === Number(y) &&
    date.getUTCMonth() === Number(m) - 1 &&
    date.getUTCDate() === Number(d)
  );
}

function numberLiteral(token: Token): Literal {
  const t = token.text;
  if (INTEGER.test(t)) {
    const value = Number(t);
    if (!Number.isSafeInteger(value)) throw filterError(`integer ${t} is out of range`);
    return { kind: 'integer', value };
  }
  if (DECIMAL.test(t)) {
    const value = Number(t);
    if (!Number.isFinite(value)) throw filterError(`number ${t} is out of range`);
    return { kind: 'decimal', value };
  }
  const date = DATE.exec(t);
  if (date) {
    if (!validDate(date[1]!, date[2]!, date[3]!)) throw filterError(`${t} is not a valid date`);
    return { kind: 'date', value: t };
  }
  const dto = DATE_TIME_OFFSET.exec(t);
  if (dto) {
    const [, y, mo, d, h, mi, s = '00', frac = '', zone = 'Z'] = dto;
    const valid =
      validDate(y!, mo!, d!) &&
      Number(h) < 24 &&
      Number(mi) < 60 &&
      Number(s) < 60 &&
      (zone.toUpperCase() === 'Z' || (Number(zone.slice(1, 3)) < 24 && Number(zone.slice(4, 6)) < 60));
    // JavaScript dates hold milliseconds: finer fractions are cut, not rounded up past a boundary.
    const iso = `${y}-${mo}-${d}T${h}:${mi}:${s}.${(frac + '000').slice(0, 3)}${zone.toUpperCase()}`;
    const value = new Date(iso);
    if (!valid || Number.isNaN(value.getTime())) throw filterError(`${t} is not a valid date and time`);
    return { kind: 'dateTimeOffset', value };
  }
  throw filterError(`"${t}" at position ${token.pos} is not a valid literal`);
}

function describeLiteral(l: Literal): string {
  switch (l.kind) {
    case 'string':
      return 'a string';
    case 'integer':
      return 'an integer';
    case 'decimal':
      return 'a decimal number';
    case 'boolean':
      return 'a Boolean';
    case 'null':
      return 'null';
    case 'date':
      return 'a date';
    case 'dateTimeOffset':
      return 'a date and time';
  }
}

const EXPECTED: Record<EdmType, string> = {
  'Edm.String': "a 'quoted string'",
  'Edm.Int32': 'an integer',
  'Edm.Int64': 'an integer',
  'Edm.Double': 'a number',
  'Edm.Boolean': 'true or false',
  'Edm.DateTimeOffset': 'a date and time such as 2026-11-24T00:00:00Z',
  'Edm.Date': 'a date such as 2026-11-24',
};

const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;

/** The literal as a value of the property's type, or a 400 saying what the column needs. */
function literalFor(property: PropertyDefinition, op: ComparisonOperator, literal: Literal): EdmValue {
  if (literal.kind === 'null') {
    if (op !== 'eq' && op !== 'ne') throw filterError(`null can only be compared with eq or ne`);
    return null;
  }
  const mismatch = () =>
    filterError(
      `${property.name} is ${property.type} and needs ${EXPECTED[property.type]}, not ${describeLiteral(literal)}`,
      'type_mismatch',
    );
  switch (property.type) {
    case 'Edm.String':
      if (literal.kind !== 'string') throw mismatch();
      return literal.value;
    case 'Edm.Int32':
      if (literal.kind !== 'integer') throw mismatch();
      if (literal.value < INT32_MIN || literal.value > INT32_MAX) {
        throw filterError(
          `${literal.value} is out of range for ${property.name} (Edm.Int32)`,
          'type_mismatch',
        );
      }
      return literal.value;
    case 'Edm.Int64':
      if (literal.kind !== 'integer') throw mismatch();
      return literal.value;
    case 'Edm.Double':
      if (literal.kind !== 'integer' && literal.kind !== 'decimal') throw mismatch();
      return literal.value;
    case 'Edm.Boolean':
      if (literal.kind !== 'boolean') throw mismatch();
      return literal.value;
    case 'Edm.DateTimeOffset':
      if (literal.kind !== 'dateTimeOffset') throw mismatch();
      return literal.value;
    case 'Edm.Date':
      if (literal.kind !== 'date') throw mismatch();
      return literal.value;
  }
}

class Parser {
  private i = 0;
  private depth = 0;
  private readonly props: Map<string, PropertyDefinition>;

  constructor(
    private readonly tokens: Token[],
    private readonly set: EntitySetDefinition,
  ) {
    this.props = new Map(set.properties.map((p) => [p.name, p]));
  }

  parse(): FilterNode {
    const node = this.or();
    const t = this.peek();
    if (t.kind !== 'eof') throw filterError(`unexpected "${t.text}" at position ${t.pos}`);
    return node;
  }

  private peek(): Token {
    return this.tokens[this.i] as Token;
  }

  private next(): Token {
    return this.tokens[this.i++] as Token;
  }

  private isWord(word: string): boolean {
    const t = this.peek();
    return t.kind === 'word' && t.text === word;
  }

  private nest<T>(fn: () => T): T {
    if (++this.depth > MAX_FILTER_DEPTH) throw filterError(`nested deeper than ${MAX_FILTER_DEPTH} levels`);
    try {
      return fn();
    } finally {
      this.depth--;
    }
  }

  private or(): FilterNode {
    let left = this.and();
    while (this.isWord('or')) {
      this.next();
      left = { kind: 'or', left, right: this.and() };
    }
    return left;
  }

  private and(): FilterNode {
    let left = this.unary();
    while (this.isWord('and')) {
      this.next();
      left = { kind: 'and', left, right: this.unary() };
    }
    return left;
  }

  private unary(): FilterNode {
    if (this.isWord('not')) {
      this.next();
      return this.nest(() => ({ kind: 'not', operand: this.unary() }));
    }
    return this.primary();
  }

  private primary(): FilterNode {
    const t = this.peek();
    if (t.kind === 'lparen') {
      this.next();
      const inner = this.nest(() => this.or());
      const close = this.next();
      if (close.kind !== 'rparen') {
        throw filterError(`expected ")" at position ${close.pos} to close "(" at position ${t.pos}`);
      }
      return inner;
    }
    const left = this.operand();
    const opToken = this.peek();
    if (opToken.kind === 'word' && COMPARISONS.has(opToken.text)) {
      this.next();
      const right = this.operand();
      return this.comparison(left, opToken.text as ComparisonOperator, right, opToken);
    }
    if (opToken.kind === 'word' && opToken.text === 'in') {
      this.next();
      return this.inList(left, opToken);
    }
    if (opToken.kind === 'word' && COMPARISONS.has(opToken.text.toLowerCase())) {
      throw filterError(`operators are lower case: write "${opToken.text.toLowerCase()}"`);
    }
    if (left.kind === 'property' && left.property.type === 'Edm.Boolean') {
      this.requireFilterable(left.property);
      return { kind: 'compare', op: 'eq', property: left.property, value: true };
    }
    if (opToken.kind === 'eof')
      throw filterError(`expected a comparison (eq, ne, gt, ge, lt, le) at the end`);
    throw filterError(
      `expected a comparison operator (eq, ne, gt, ge, lt, le) at position ${opToken.pos}, found "${opToken.text}"`,
    );
  }

  private operand(): Operand {
    const t = this.next();
    switch (t.kind) {
      case 'string':
        return { kind: 'string', value: t.value ?? '' };
      case 'number':
        return numberLiteral(t);
      case 'word': {
        if (t.text === 'true' || t.text === 'false') return { kind: 'boolean', value: t.text === 'true' };
        if (t.text === 'null') return { kind: 'null' };
        if (KEYWORDS.has(t.text)) throw filterError(`unexpected "${t.text}" at position ${t.pos}`);
        const after = this.peek();
        if (after.kind === 'lparen')
          throw filterError(`function ${t.text}() is not supported`, 'not_supported');
        if (after.kind === 'string') {
          throw filterError(`typed literals such as ${t.text}'…' are OData v3; write the value bare`);
        }
        const property = this.props.get(t.text);
        if (!property) {
          throw filterError(
            `property "${t.text}" does not exist on ${this.set.entityType}`,
            'unknown_property',
          );
        }
        return { kind: 'property', property, text: t.text };
      }
      case 'eof':
        throw filterError('the filter ends where a value or property was expected');
      default:
        throw filterError(`unexpected "${t.text}" at position ${t.pos}`);
    }
  }

  private inList(left: Operand, at: Token): FilterNode {
    if (left.kind !== 'property') {
      throw filterError(`"in" at position ${at.pos} needs a property on its left`, 'not_supported');
    }
    this.requireFilterable(left.property);
    const open = this.next();
    if (open.kind !== 'lparen') throw filterError(`expected "(" after "in" at position ${open.pos}`);
    const values: FilterNode[] = [];
    for (;;) {
      const item = this.operand();
      if (item.kind === 'property') throw filterError(`"in" lists values, not properties (${item.text})`);
      if (values.length >= MAX_IN_VALUES) throw filterError(`"in" takes at most ${MAX_IN_VALUES} values`);
      values.push({
        kind: 'compare',
        op: 'eq',
        property: left.property,
        value: literalFor(left.property, 'eq', item),
      });
      const sep = this.next();
      if (sep.kind === 'rparen') break;
      if (sep.kind !== 'comma') throw filterError(`expected "," or ")" at position ${sep.pos}`);
    }
    return values.reduce((acc, v) => ({ kind: 'or', left: acc, right: v }));
  }

  private requireFilterable(property: PropertyDefinition): void {
    if (property.filterable) return;
    const filterable = this.set.properties.filter((p) => p.filterable).map((p) => p.name);
    throw filterError(
      `${property.name} cannot be filtered (it is not indexed); filterable properties of ${this.set.name}: ${
        filterable.join(', ') || 'none'
      }`,
      'property_not_filterable',
    );
  }

  private comparison(left: Operand, op: ComparisonOperator, right: Operand, at: Token): FilterNode {
    let property: PropertyDefinition;
    let literal: Literal;
    if (left.kind === 'property' && right.kind !== 'property') {
      property = left.property;
      literal = right;
    } else if (right.kind === 'property' && left.kind !== 'property') {
      property = right.property;
      literal = left;
      op = FLIPPED[op];
    } else {
      throw filterError(
        `the comparison at position ${at.pos} must compare one property with one value`,
        'not_supported',
      );
    }
    this.requireFilterable(property);
    return { kind: 'compare', op, property, value: literalFor(property, op, literal) };
  }
}

/** Parses and type-checks a $filter against an entity set; throws HttpProblem(400) on any error. */
export function parseFilter(text: string, set: EntitySetDefinition): FilterNode {
  if (text.length > MAX_FILTER_LENGTH) throw filterError(`longer than ${MAX_FILTER_LENGTH} characters`);
  if (text.trim() === '') throw filterError('is empty');
  return new Parser(tokenize(text), set).parse();
}
