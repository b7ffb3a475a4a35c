/**
 * The device list as CSV, one way for both files: the /api/devices export (streamed while the
 * rows are read) and the weekly report's attachment (a string). BOM, header, then one line per
 * device with DEVICE_COLUMNS' cells (quoting and formula guard: shared/csv).
 */
import { CSV_BOM, csvLine } from '../csv/csv.js';
import {
  DEVICE_COLUMN_HEADERS,
  type DeviceListContext,
  type DeviceListRow,
  deviceCsvCells,
} from './columns.js';

export function deviceCsvHeader(): string {
  return `${CSV_BOM}${csvLine(DEVICE_COLUMN_HEADERS)}`;
}

export function deviceCsvLine(row: DeviceListRow, ctx: DeviceListContext): string {
  return csvLine(deviceCsvCells(row, ctx));
}

export function deviceListCsv(rows: Iterable<DeviceListRow>, ctx: DeviceListContext): string {
  let out = deviceCsvHeader();
  for (const row of rows) out += deviceCsvLine(row, ctx);
  return out;
}

/** Bytes to stream: the header at once, then rows in ~64 KiB writes (one per row costs more than the rows). */
export async function* deviceCsvStream(
  rows: AsyncIterable<DeviceListRow>,
  ctx: DeviceListContext,
  onRow?: () => void,
): AsyncIterable<Uint8Array> {
  const encoder = new TextEncoder();
  // The header goes out before the first row is read, so the client sees the download start.
  yield encoder.encode(deviceCsvHeader());
  let chunk = '';
  for await (const row of rows) {
    chunk += deviceCsvLine(row, ctx);
    onRow?.();
    if (chunk.length >= 65_536) {
      yield encoder.encode(chunk);
      chunk = '';
    }
  }
  if (chunk) yield encoder.encode(chunk);
}
