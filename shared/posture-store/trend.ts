/**
 * Daily snapshot rows (DailySummary, PartitionKey 'daily', RowKey yyyymmdd) as the trend the
 * API serves: oldest first, within the last `days` UTC days before `now`, each column under
 * its camelCase name (NonDestructiveShare → nonDestructiveShare), so columns added to the
 * snapshot later appear without a change here. Pure.
 */

const SKIP = new Set([
  'partitionKey',
  'rowKey',
  'timestamp',
  'etag',
  'odata.etag',
  'DateKey',
  'PartitionKey',
  'RowKey',
]);

export interface TrendDayBody {
  /** yyyy-mm-dd */
  date: string;
  [column: string]: unknown;
}

export function trendBody(
  rows: readonly Record<string, unknown>[],
  days: number,
  now: Date,
): { days: TrendDayBody[]; count: number } {
  const from = new Date(now.getTime() - (days - 1) * 86_400_000)
    .toISOString()
    .slice(0, 10)
    .replaceAll('-', '');
  const out: TrendDayBody[] = [];
  for (const row of rows) {
    const key = String(row.rowKey ?? row.RowKey ?? row.DateKey ?? '');
    if (!/^\d{8}$/.test(key) || key < from) continue;
    const day: TrendDayBody = { date: `${key.slice(0, 4)}-${key.slice(4, 6)}-${key.slice(6, 8)}` };
    for (const [k, v] of Object.entries(row)) {
      if (SKIP.has(k) || v === undefined) continue;
      day[k[0]!.toLowerCase() + k.slice(1)] = v instanceof Date ? v.toISOString() : v;
    }
    out.push(day);
  }
  out.sort((a, b) => a.date.localeCompare(b.date));
  return { days: out, count: out.length };
}
