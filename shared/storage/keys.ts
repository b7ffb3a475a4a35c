/**
 * Table keys may not hold / \ # ? or control characters. User keys can (guest UPNs carry
 * `#EXT#`), so key parts are percent-encoded; the original value is kept as a property.
 */
export function keyPart(value: string): string {
  return value.replace(/[%/\\#?\u0000-\u001f\u007f-\u009f]/g, (c) => {
    return `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`;
  });
}

/** The first key after every key starting with `prefix` (prefix ends with `|`, and `}` follows `|`). */
export function prefixEnd(prefix: string): string {
  return prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1);
}

const MAX_EPOCH_MS = 9_999_999_999_999;

/** 13-digit inverted epoch milliseconds: ascending key order is newest first. */
export function invertedTime(at: Date | string): string {
  const ms = typeof at === 'string' ? Date.parse(at) : at.getTime();
  if (!Number.isFinite(ms) || ms < 0 || ms > MAX_EPOCH_MS)
    throw new Error(`time out of range: ${String(at)}`);
  return String(MAX_EPOCH_MS - ms).padStart(13, '0');
}
