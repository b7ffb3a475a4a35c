/**
 * Reading and writing plain Table Storage rows: absent values are left out rather than
 * stored as nulls, and values read back are checked for their type instead of trusted.
 */
export type Row = Record<string, unknown>;

/** A string property holds 64 KiB (32K UTF-16 units). */
export const MAX_JSON_CHARS = 32_000;

export function put(
  row: Row,
  name: string,
  value: string | number | boolean | Date | null | undefined,
): void {
  if (value !== null && value !== undefined) row[name] = value;
}

export function text(row: Row, name: string): string | null {
  const v = row[name];
  return typeof v === 'string' ? v : null;
}

export function num(row: Row, name: string): number | null {
  const v = row[name];
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && v !== '' && Number.isFinite(Number(v))) return Number(v);
  return null;
}

/** Edm.DateTime comes back as a Date (or a string with type conversion off). */
export function isoOf(v: unknown): string | null {
  if (v instanceof Date) return Number.isFinite(v.getTime()) ? v.toISOString() : null;
  if (typeof v === 'string' && v) return v;
  return null;
}

/** A JSON column, or `fallback` when it is missing or unreadable. */
export function json<T>(row: Row, name: string, fallback: T): T {
  const v = row[name];
  if (typeof v !== 'string') return fallback;
  try {
    return JSON.parse(v) as T;
  } catch {
    return fallback;
  }
}
