/** Small readers for Graph JSON, tolerant of the doc samples' quirks (graph.md §6.2, §20). */

/** "#microsoft.graph.groupAssignmentTarget" / "microsoft.graph.GroupAssignmentTarget" → "groupassignmenttarget". */
export function odataType(o: unknown): string {
  const t = o && typeof o === 'object' ? (o as Record<string, unknown>)['@odata.type'] : undefined;
  if (typeof t !== 'string') return '';
  return t
    .replace(/^#/, '')
    .replace(/^microsoft\.graph\./i, '')
    .toLowerCase();
}

export function str(o: unknown, key: string): string | null {
  const v = o && typeof o === 'object' ? (o as Record<string, unknown>)[key] : undefined;
  return typeof v === 'string' ? v : null;
}

export function arr(o: unknown, key: string): unknown[] {
  const v = o && typeof o === 'object' ? (o as Record<string, unknown>)[key] : undefined;
  return Array.isArray(v) ? v : [];
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const ZERO_GUID = '00000000-0000-0000-0000-000000000000';

export function isGuid(s: string): boolean {
  return GUID.test(s);
}

/** Lower-case GUID, or null for empty / all-zero / non-GUID values (unregistered devices carry zeros). */
export function normalGuid(v: unknown): string | null {
  if (typeof v !== 'string') return null;
  const s = v.trim().toLowerCase();
  return GUID.test(s) && s !== ZERO_GUID ? s : null;
}

/** OData string literal: single quotes doubled, then URL-encoded for a query string. */
export function odataLiteral(value: string): string {
  return encodeURIComponent(`'${value.replaceAll("'", "''")}'`);
}
