/**
 * Text → ordered fields with their section (domain.md §2.2, §2.13). Pure and linear in the input: no
 * regular expression here can backtrack over a long line, because report bodies come from the network.
 */

import { hasShortValue, isKnownKey } from './known-keys.js';
import type { DsregField } from './types.js';

export interface TokenizedDsregcmd {
  fields: DsregField[];
  sections: string[];
  warnings: string[];
}

/**
 * A console wraps only a line that filled its width. With alignment collapsed by a web copy an 80-column
 * line can shrink to ~55 characters, so anything shorter than this cannot have been wrapped.
 */
const MIN_WRAPPED_LINE = 50;

// Unknown keys must look like dsregcmd keys (English words, spaces, hyphens), so prose is not a field.
const KEY_SHAPE = /^[A-Za-z][A-Za-z0-9 _.()/-]{0,63}$/;
const BANNER = /^\+?-{10,}\+?$/;
const FOOTER = /^For more information, please visit/i;
const SHELL_NOISE = [
  /^PS [^>]{0,400}>/, // PowerShell prompt
  /^[A-Za-z]:\\[^>]{0,400}>/, // cmd prompt
  /^(Windows PowerShell|Microsoft Windows \[Version)/i,
  /^Copyright \(C\) Microsoft Corporation/i,
  /aka\.ms\/(pscore6|PSWindows)/i,
];

export function tokenizeDsregcmd(text: string): TokenizedDsregcmd {
  const fields: DsregField[] = [];
  const sections: string[] = [];
  const seenSections = new Set<string>(); // a Set: a hostile body could hold 100k distinct titles
  const noiseLines: number[] = [];
  let section = '';
  let afterBanner = false;
  // The field a continuation line may extend; closed by banners, titles, the footer and noise.
  let open: DsregField | null = null;
  let lastLineLength = 0;

  const lines = text.split(/\r\n|\r|\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trimEnd();
    const trimmed = line.trimStart();
    if (trimmed === '') continue; // web copies put a blank after every line; blanks carry no meaning

    if (BANNER.test(trimmed)) {
      afterBanner = true;
      open = null;
      continue;
    }
    const title = titleOf(trimmed, afterBanner);
    afterBanner = false;
    if (title !== null) {
      section = title;
      if (!seenSections.has(title)) {
        seenSections.add(title);
        sections.push(title);
      }
      open = null;
      continue;
    }
    if (FOOTER.test(trimmed)) {
      open = null;
      continue;
    }
    if (SHELL_NOISE.some((re) => re.test(trimmed))) {
      noiseLines.push(i + 1);
      open = null;
      continue;
    }

    const field = splitField(line, section);
    if (field) {
      fields.push(field);
      open = field;
      lastLineLength = line.length;
      continue;
    }
    // §2.13.2: the rest of a console-wrapped value, at column 0, appended without a separator.
    if (open && !hasShortValue(open.key) && lastLineLength >= MIN_WRAPPED_LINE) {
      open.value += line;
      lastLineLength = line.length;
      continue;
    }
    noiseLines.push(i + 1);
    open = null;
  }

  const warnings: string[] = [];
  if (noiseLines.length > 0) {
    // Line numbers only: the lines themselves may hold anything a user pasted.
    const sample = noiseLines.slice(0, 5).join(', ');
    warnings.push(
      `ignored ${noiseLines.length} line(s) that are not dsregcmd output (line ${sample}${noiseLines.length > 5 ? ', …' : ''})`,
    );
  }
  return { fields, sections, warnings };
}

/** `| Device State |`; a title whose closing bar was lost still counts right after a banner. */
function titleOf(trimmed: string, afterBanner: boolean): string | null {
  if (!trimmed.startsWith('|')) return null;
  const closed = trimmed.length >= 2 && trimmed.endsWith('|');
  if (!closed && !afterBanner) return null;
  return trimmed.slice(1, closed ? -1 : undefined).trim();
}

/** Splits on the first colon (keys never contain one; values may). */
function splitField(line: string, section: string): DsregField | null {
  const colon = line.indexOf(':');
  if (colon < 0) return null;
  const before = line.slice(0, colon);
  const key = before.trim();
  if (key === '') return null;
  const keyShaped = before.length > key.length && /\s$/.test(before) && KEY_SHAPE.test(key);
  if (!isKnownKey(key) && !keyShaped) return null;
  let value = line.slice(colon + 1).trim();
  if (value.startsWith(':')) value = value.slice(1).trim(); // legacy stray extra colon
  return { key, value, section };
}
