/**
 * GUIDs print in three shapes (domain.md §2.13.7): bare lower-case, `{UPPER}` and `{ UPPER } (tag)`.
 * Everything is compared as lower-case without braces.
 */
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The normalised GUID, or null when the value is not one (redacted `####`/`xxxx` samples included). */
export function normaliseGuid(raw: string): string | null {
  let s = raw.trim();
  if (s.startsWith('{')) {
    const close = s.indexOf('}');
    if (close < 0) return null;
    s = s.slice(1, close).trim(); // drops a trailing provider tag such as `(AzureAd)`
  }
  s = s.toLowerCase();
  return GUID.test(s) ? s : null;
}
