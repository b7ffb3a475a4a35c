/**
 * Query strings of the read endpoints, read one way: every parameter given at most once, no
 * parameter the endpoint does not know (a misspelt `postrue=` that is silently ignored answers
 * the whole fleet and looks right), and every value checked against the endpoint's schema. A
 * problem is a 400 whose message names the parameter, the value and what is allowed.
 *
 * `code` is the function key (Power BI and scripts send it in the query): every keyed
 * endpoint accepts it and never echoes it.
 */
import type { z } from 'zod';
import { HttpProblem } from './errors.js';

/** Names every keyed endpoint accepts besides its own: the function key. */
export const KEY_PARAMETERS = ['code'] as const;

const MAX_ECHO = 40;

function echo(value: string): string {
  return JSON.stringify(value.length > MAX_ECHO ? `${value.slice(0, MAX_ECHO)}…` : value);
}

function badParameter(code: string, message: string): HttpProblem {
  return new HttpProblem(400, code, message);
}

/** Checks names only: each at most once, each one of `known` (plus the key). */
export function checkQueryNames(params: URLSearchParams, known: readonly string[]): void {
  const allowed = new Set<string>([...known, ...KEY_PARAMETERS]);
  const unknown = [...new Set([...params.keys()].filter((n) => !allowed.has(n)))];
  if (unknown.length > 0) {
    const names = unknown.slice(0, 5).map(echo).join(', ');
    const takes = known.length > 0 ? `this endpoint takes ${known.join(', ')}` : 'this endpoint takes none';
    throw badParameter(
      'unknown_parameter',
      `unknown query parameter${unknown.length > 1 ? 's' : ''} ${names}: ${takes}`,
    );
  }
  for (const name of new Set(params.keys())) {
    if (params.getAll(name).length > 1)
      throw badParameter('invalid_parameter', `"${name}" may be given once`);
  }
}

/**
 * The query as the schema's output. The schema is a z.object over string inputs, one key per
 * parameter the endpoint takes; empty values count as absent.
 */
export function readQuery<S extends z.ZodObject>(params: URLSearchParams, schema: S): z.output<S> {
  const known = Object.keys(schema.shape);
  checkQueryNames(params, known);
  const input: Record<string, string> = {};
  for (const [name, value] of params) {
    if (value !== '' && known.includes(name)) input[name] = value;
  }
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const name = String(issue.path[0] ?? '');
  const value = input[name] ?? '';
  if (issue.code === 'invalid_value' && 'values' in issue) {
    throw badParameter(
      'invalid_parameter',
      `${name} ${echo(value)} is not allowed: use one of ${issue.values.map(String).join(', ')}`,
    );
  }
  throw badParameter('invalid_parameter', `${name} ${echo(value)} is not allowed: ${issue.message}`);
}
