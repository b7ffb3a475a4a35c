/**
 * CSV as admins open it in Excel: RFC 4180 (CRLF line ends; a field holding a comma, quote or
 * line break is quoted with its quotes doubled) and spreadsheet formula injection neutralised:
 * a text cell starting with = + - @ (or a tab / carriage return, which Excel strips before
 * looking) gets a leading apostrophe, so a device or user name never runs as a formula. Every
 * CSV the product writes (the device list, the weekly report) goes through here.
 */
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
