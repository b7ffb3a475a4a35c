/**
 * The weekly report from its input: JSON (every section), the every-device CSV, two PNG
 * charts, and HTML that references the charts through the caller's imageSrc. Pure: no clock,
 * no I/O, so mail, blob history, the CLI and tests render the same bytes from the same input.
 */
import { breakdownChart, trendChart } from '../charts/charts.js';
import { devicesCsv } from './csv.js';
import { weeklyReportHtml } from './html.js';
import type { ChartImage, WeeklyReport, WeeklyReportInput } from './model.js';
import { weeklyReportJson } from './sections.js';

export function buildWeeklyReport(input: WeeklyReportInput): WeeklyReport {
  const json = weeklyReportJson(input);
  const charts = [trendChart(json.trend), breakdownChart(json.postures)];
  return {
    json,
    csv: devicesCsv(input.devices, input.now),
    charts,
    html: (imageSrc: (chart: ChartImage) => string) => weeklyReportHtml(json, charts, imageSrc),
  };
}

/** data: URI of a chart, for the web and CLI version (mail uses cid: instead). */
export function dataUri(chart: ChartImage): string {
  return `data:image/png;base64,${chart.png.toString('base64')}`;
}

export { csvCell, DEVICE_CSV_COLUMNS, devicesCsv } from './csv.js';
export { escapeHtml, POSTURE_LABELS, safeHref } from './html.js';
export type * from './model.js';
export { DEFAULT_TOP_DEVICES, dayKey, TREND_WEEKS } from './sections.js';
