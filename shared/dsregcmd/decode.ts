/**
 * Bytes → text for `dsregcmd /status` captures. The same output reaches us as UTF-8 (agent, `Out-File
 * -Encoding utf8`), UTF-16LE with a BOM (Windows PowerShell 5.1 `>`), UTF-16 without a BOM (some copy
 * tools), or in a legacy code page. Decoding never throws: odd input gives a warning, not an error.
 */

export interface DecodedText {
  text: string;
  warnings: string[];
}

type Utf16Order = 'le' | 'be';

export function decodeDsregcmdText(input: Uint8Array | string): DecodedText {
  try {
    return typeof input === 'string' ? cleanString(input, []) : decodeBytes(input);
  } catch (err) {
    // Last resort: a TextDecoder should not throw here, but a report must never fail on decoding.
    return { text: '', warnings: [`could not decode input (${err instanceof Error ? err.name : 'error'})`] };
  }
}

function decodeBytes(bytes: Uint8Array): DecodedText {
  const warnings: string[] = [];
  if (startsWith(bytes, [0xef, 0xbb, 0xbf])) return decodeUtf8(bytes.subarray(3), warnings);
  if (startsWith(bytes, [0xff, 0xfe]))
    return cleanString(decodeUtf16(bytes.subarray(2), 'le', warnings), warnings);
  if (startsWith(bytes, [0xfe, 0xff]))
    return cleanString(decodeUtf16(bytes.subarray(2), 'be', warnings), warnings);
  const order = sniffUtf16(bytes);
  if (order) return cleanString(decodeUtf16(bytes, order, warnings), warnings);
  return decodeUtf8(bytes, warnings);
}

function startsWith(bytes: Uint8Array, prefix: number[]): boolean {
  return bytes.length >= prefix.length && prefix.every((b, i) => bytes[i] === b);
}

/**
 * UTF-16 without a BOM: English dsregcmd text is almost all ASCII, so one byte of every pair is NUL.
 * NULs mostly at odd offsets → little-endian, mostly at even offsets → big-endian.
 */
function sniffUtf16(bytes: Uint8Array): Utf16Order | null {
  const pairs = Math.floor(Math.min(bytes.length, 64 * 1024) / 2);
  if (pairs < 2) return null;
  let evenZeros = 0;
  let oddZeros = 0;
  for (let i = 0; i < pairs * 2; i += 2) {
    if (bytes[i] === 0) evenZeros++;
    if (bytes[i + 1] === 0) oddZeros++;
  }
  if (oddZeros >= pairs * 0.3 && oddZeros > evenZeros * 4) return 'le';
  if (evenZeros >= pairs * 0.3 && evenZeros > oddZeros * 4) return 'be';
  return null;
}

function decodeUtf16(bytes: Uint8Array, order: Utf16Order, warnings: string[]): string {
  let body = bytes;
  if (body.length % 2 === 1) {
    warnings.push('UTF-16 input has an odd number of bytes; the last byte was dropped');
    body = body.subarray(0, body.length - 1);
  }
  if (order === 'be') {
    // Swap to little-endian ourselves: 'utf-16be' support depends on the ICU build.
    const swapped = new Uint8Array(body.length);
    for (let i = 0; i < body.length; i += 2) {
      swapped[i] = body[i + 1]!;
      swapped[i + 1] = body[i]!;
    }
    body = swapped;
  }
  const text = new TextDecoder('utf-16le', { ignoreBOM: true }).decode(body);
  if (text.includes('\uFFFD'))
    warnings.push('UTF-16 input contains invalid sequences (replaced with U+FFFD)');
  return text;
}

function decodeUtf8(bytes: Uint8Array, warnings: string[]): DecodedText {
  try {
    return cleanString(new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes), warnings);
  } catch {
    // Not valid UTF-8: a redirect in the system ANSI code page. windows-1252 is the common case; the
    // exact code page is unknown (domain.md §2.13.4), so free-text values may stay garbled.
    warnings.push('input is not valid UTF-8; decoded as windows-1252');
    return cleanString(decodeWindows1252(bytes), warnings);
  }
}

// 0x80–0x9F of windows-1252 (WHATWG table; unassigned bytes map to the C1 control of the same value).
// Node's TextDecoder('windows-1252') decodes these as Latin-1 C1 controls, so the table is ours.
const CP1252_HIGH = [
  0x20ac, 0x81, 0x201a, 0x192, 0x201e, 0x2026, 0x2020, 0x2021, 0x2c6, 0x2030, 0x160, 0x2039, 0x152, 0x8d,
  0x17d, 0x8f, 0x90, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014, 0x2dc, 0x2122, 0x161, 0x203a,
  0x153, 0x9d, 0x17e, 0x178,
];

function decodeWindows1252(bytes: Uint8Array): string {
  const parts: string[] = [];
  // Chunked so a large body never builds one huge argument list.
  for (let start = 0; start < bytes.length; start += 8192) {
    const codes = Array.from(bytes.subarray(start, start + 8192), (b) =>
      b >= 0x80 && b <= 0x9f ? CP1252_HIGH[b - 0x80]! : b,
    );
    parts.push(String.fromCharCode(...codes));
  }
  return parts.join('');
}

/** Drops a leading BOM and NULs (UTF-16 text that someone decoded as 8-bit keeps a NUL per character). */
function cleanString(text: string, warnings: string[]): DecodedText {
  let out = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  if (out.includes('\u0000')) {
    out = out.replaceAll('\u0000', '');
    warnings.push('input contained NUL characters (UTF-16 read as 8-bit?); they were removed');
  }
  return { text: out, warnings };
}
