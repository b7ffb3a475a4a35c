/**
 * CSV as admins open it in Excel: RFC 4180 (CRLF line ends; a field holding a comma, quote or
 * line break is quoted with its quotes doubled) and spreadsheet formula injection neutralised:
 * a text cell starting with = + - @ (or a tab / carriage return, which Excel strips before
 * looking) gets a leading apostrophe, so a device or user name never runs as a formula. Every
 * CSV the product writes (the device list, the weekly report) goes through here.
 *
 * Every file starts with a UTF-8 byte order mark. Excel on Windows opens a double-clicked CSV in
 * the ANSI code page unless the file starts with one, which garbles every non-ASCII device or
 * user name ("Müller" becomes "MÃ¼ller"); with it, Excel reads UTF-8. Scripts read it too:
 * PowerShell's Import-Csv and .NET's StreamReader drop it, Python reads it with
 * encoding="utf-8-sig". (Scripts are better served by the JSON pages anyway.)
 */

/** The UTF-8 byte order mark, first in every CSV file we write. */
export const CSV_BOM = '\uFEFF';
const FORMULA_START = /^[=+\-@\t\r]/;

export type CsvValue = string | number | boolean | null | undefined;

export function csvCell(value: CsvValue): string {
  if (value === null || value === undefined) return '';
  let s = String(value);
  // Numbers are data we produced (counts, builds), never a formula: leave "-1" alone.
  if (typeof value === 'string' && FORMULA_START.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

export function csvLine(cells: readonly CsvValue[]): string {
  return `${cells.map(csvCell).join(',')}\r\n`;
}
