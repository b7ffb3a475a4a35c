/**
 * Long text in Table Storage: a string property holds at most 64 KiB (32K UTF-16 code
 * units), so text is split over numbered properties, never cut. Splits fall on code
 * point boundaries: a surrogate pair cut in two would come back as U+FFFD.
 */
import { createHash } from 'node:crypto';
import type { TableEntity } from '@azure/data-tables';

/** UTF-16 code units per property; 32,000 × 2 bytes stays under the 64 KiB limit. */
export const MAX_CHUNK_CHARS = 32_000;
/** Entity size limit of the service. */
export const MAX_ENTITY_BYTES = 1024 * 1024;

export function splitText(text: string, max = MAX_CHUNK_CHARS): string[] {
  const chunks: string[] = [];
  let start = 0;
  while (start < text.length) {
    let end = Math.min(start + max, text.length);
    const last = text.charCodeAt(end - 1);
    // Keep a high surrogate with its low half in the next chunk.
    if (end < text.length && last >= 0xd800 && last <= 0xdbff) end -= 1;
    chunks.push(text.slice(start, end));
    start = end;
  }
  return chunks;
}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** Writes `<name>0..n`, `<name>Chunks`, `<name>Length` (UTF-16 length) and optionally `<name>Sha256`. */
export function writeText(
  entity: Record<string, unknown>,
  name: string,
  text: string,
  opts: { hash?: boolean } = {},
): void {
  const chunks = splitText(text);
  chunks.forEach((c, i) => {
    entity[`${name}${i}`] = c;
  });
  entity[`${name}Chunks`] = chunks.length;
  entity[`${name}Length`] = text.length;
  if (opts.hash) entity[`${name}Sha256`] = sha256Hex(text);
}

/** Reassembles text written by writeText; throws when a chunk is missing or the length/hash differ. */
export function readText(entity: Record<string, unknown>, name: string): string {
  const count = Number(entity[`${name}Chunks`]);
  if (!Number.isInteger(count) || count < 0) throw new Error(`${name}: chunk count missing`);
  let text = '';
  for (let i = 0; i < count; i++) {
    const c = entity[`${name}${i}`];
    if (typeof c !== 'string') throw new Error(`${name}: chunk ${i} of ${count} missing`);
    text += c;
  }
  if (text.length !== Number(entity[`${name}Length`])) throw new Error(`${name}: length differs from stored`);
  const hash = entity[`${name}Sha256`];
  if (hash !== undefined && sha256Hex(text) !== hash) throw new Error(`${name}: SHA-256 differs from stored`);
  return text;
}

/**
 * Size of an entity as the service counts it (4 + keys + per property 8 + name + value;
 * strings and names as UTF-16).
 */
export function entitySize(entity: TableEntity): number {
  let size = 4 + entity.partitionKey.length * 2 + entity.rowKey.length * 2;
  for (const [name, value] of Object.entries(entity)) {
    if (name === 'partitionKey' || name === 'rowKey' || value === undefined || value === null) continue;
    size += 8 + name.length * 2;
    if (typeof value === 'string') size += 4 + value.length * 2;
    else if (typeof value === 'boolean') size += 1;
    else size += 8;
  }
  return size;
}

export function assertEntityFits(entity: TableEntity, what: string): void {
  const size = entitySize(entity);
  if (size > MAX_ENTITY_BYTES) {
    throw new Error(`${what} is ${size} bytes, over the ${MAX_ENTITY_BYTES}-byte Table Storage entity limit`);
  }
}
