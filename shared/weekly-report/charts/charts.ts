/**
 * The report's two charts as PNG (Outlook desktop does not render SVG). The image carries the
 * colour-coded data, gridlines, axis labels (shares, device counts, weeks) and an explicit
 * "NO DATA YET" state instead of a blank picture; the legends are HTML next to it.
 */
import type { Posture } from '../../posture/types.js';
import type { ChartImage, TrendWeek } from '../render/model.js';
import { CHART_AXIS, CHART_BACKGROUND, CHART_GRID, POSTURE_COLOURS, TREND_COLOURS } from './palette.js';
import { hexRgb, Raster } from './raster.js';

export const TREND_SIZE = { width: 600, height: 250 } as const;
export const BREAKDOWN_ROW = 26;
export const BREAKDOWN_WIDTH = 600;
/** Axis labels: the 5×7 block font at twice its size (14 px high). */
const LABEL_SCALE = 2;
const LABEL_H = 7 * LABEL_SCALE;

const BG = hexRgb(CHART_BACKGROUND);
const GRID = hexRgb(CHART_GRID);
const AXIS = hexRgb(CHART_AXIS);

/** Hatched panel with the words, so an empty history is visibly "nothing yet", not a broken image. */
function drawNoData(r: Raster): void {
  const hatch = hexRgb('#eaeef2');
  for (let y = 0; y < r.height; y++)
    for (let x = 0; x < r.width; x++) if ((x + y) % 12 < 2) r.blend(x, y, hatch);
  const scale = 4;
  const words = 'NO DATA YET';
  const w = Raster.textWidth(words, scale);
  const x = Math.round((r.width - w) / 2);
  const y = Math.round((r.height - 7 * scale) / 2);
  r.fillRect(x - 12, y - 10, w + 24, 7 * scale + 20, BG);
  r.text(x, y, words, AXIS, scale);
  r.strokeRect(0, 0, r.width, r.height, GRID);
}

/**
 * A device-count axis whose four quarter gridlines fall on whole, round numbers: the smallest
 * step from 1, 2, (2.5,) 3, 4, 5, 6, 8 × 10^k with four steps reaching the largest count.
 */
export function countAxisMax(largest: number): number {
  const quarter = Math.max(1, largest) / 4;
  // Whole devices: a step is never below 1.
  const magnitude = Math.max(1, 10 ** Math.floor(Math.log10(quarter)));
  // 2.5 only where it stays whole (25, 250, …).
  for (const m of magnitude >= 10 ? [1, 2, 2.5, 3, 4, 5, 6, 8, 10] : [1, 2, 3, 4, 5, 6, 8, 10]) {
    if (m * magnitude >= quarter) return 4 * m * magnitude;
  }
  return 4 * 10 * magnitude;
}

/** "2025-06-02" → "06-02": short enough for a label under every other week. */
function monthDay(isoDay: string): string {
  return isoDay.slice(5, 10);
}

/**
 * Stacked bars per week (ready devices, then the other reporting devices; height = devices
 * reporting, on the device axis at the right) and the ready share as a line over the 0–100 %
 * axis at the left (dashed gridlines at 25 % steps, which are also the device axis' quarters).
 * Weeks are labelled under the bars (month-day of the week's last day, every other week). A
 * week without a snapshot is a gap in both.
 */
export function trendChart(weeks: readonly TrendWeek[]): ChartImage {
  const { width, height } = TREND_SIZE;
  const r = new Raster(width, height, BG);
  const known = weeks.filter((w) => w.reported !== null);
  const alt = trendAlt(weeks);
  if (known.length === 0) {
    drawNoData(r);
    return { id: 'trend', png: r.toBuffer(), width, height, alt };
  }
  const maxDevices = countAxisMax(Math.max(1, ...known.map((w) => w.reported ?? 0)));
  const deviceLabels = [0, 1, 2, 3, 4].map((q) => String((maxDevices * q) / 4));
  const shareLabels = ['0%', '25%', '50%', '75%', '100%'];
  const left = 8 + Raster.textWidth('100%', LABEL_SCALE) + 6;
  const right = width - 8 - Math.max(...deviceLabels.map((l) => Raster.textWidth(l, LABEL_SCALE))) - 6;
  const top = Math.ceil(LABEL_H / 2) + 4;
  const bottom = height - LABEL_H - 12;
  const plotH = bottom - top;
  const shareColour = hexRgb(TREND_COLOURS.share);
  for (let q = 0; q <= 4; q++) {
    const y = Math.round(bottom - (plotH * q) / 4);
    if (q > 0) r.dashedHLine(left, right, y, GRID);
    const labelY = y - Math.floor(LABEL_H / 2);
    r.text(
      left - 6 - Raster.textWidth(shareLabels[q]!, LABEL_SCALE),
      labelY,
      shareLabels[q]!,
      shareColour,
      LABEL_SCALE,
    );
    r.text(right + 6, labelY, deviceLabels[q]!, AXIS, LABEL_SCALE);
  }
  const slot = (right - left) / weeks.length;
  const barW = Math.max(4, Math.round(slot * 0.56));
  const centre = (i: number) => left + slot * i + slot / 2;
  weeks.forEach((w, i) => {
    if (w.reported === null) return;
    const total = Math.round((plotH * w.reported) / maxDevices);
    const ready = Math.round((plotH * (w.nonDestructive ?? 0)) / maxDevices);
    const x = Math.round(centre(i) - barW / 2);
    r.fillRect(x, bottom - total, barW, total - ready, hexRgb(TREND_COLOURS.otherReported));
    r.fillRect(x, bottom - ready, barW, ready, hexRgb(TREND_COLOURS.nonDestructive));
  });
  r.fillRect(left, bottom, right - left, 2, AXIS);
  weeks.forEach((w, i) => {
    // Every other week, counted from the newest, so the current week is always labelled.
    if ((weeks.length - 1 - i) % 2 !== 0) return;
    const label = monthDay(w.weekEnding);
    r.text(
      Math.round(centre(i) - Raster.textWidth(label, LABEL_SCALE) / 2),
      bottom + 8,
      label,
      AXIS,
      LABEL_SCALE,
    );
  });
  const yOf = (share: number) => bottom - plotH * Math.max(0, Math.min(1, share));
  let prev: { x: number; y: number } | null = null;
  weeks.forEach((w, i) => {
    if (w.share === null) {
      prev = null;
      return;
    }
    const p = { x: centre(i), y: yOf(w.share) };
    if (prev) r.line(prev.x, prev.y, p.x, p.y, shareColour, 3);
    prev = p;
  });
  weeks.forEach((w, i) => {
    if (w.share !== null) {
      r.dot(centre(i), yOf(w.share), 5, BG);
      r.dot(centre(i), yOf(w.share), 3.5, shareColour);
    }
  });
  return { id: 'trend', png: r.toBuffer(), width, height, alt };
}

function pct(share: number | null): string {
  return share === null ? 'no data' : `${Math.round(share * 100)} %`;
}

function trendAlt(weeks: readonly TrendWeek[]): string {
  const known = weeks.filter((w) => w.share !== null);
  if (known.length === 0) return 'Readiness trend: no data yet';
  const first = known[0]!;
  const last = known[known.length - 1]!;
  return `Readiness trend over ${weeks.length} weeks: ${pct(first.share)} ready in the week ending ${first.weekEnding}, ${pct(last.share)} in the week ending ${last.weekEnding}`;
}

/**
 * One horizontal bar per posture, in the legend's order, length proportional to its count on a
 * device axis along the bottom (quarter gridlines on round numbers), the count written at the
 * end of each bar.
 */
export function breakdownChart(postures: readonly { posture: Posture; count: number }[]): ChartImage {
  const width = BREAKDOWN_WIDTH;
  const plotBottom = BREAKDOWN_ROW * postures.length + 8;
  const height = plotBottom + LABEL_H + 14;
  const r = new Raster(width, height, BG);
  const total = postures.reduce((n, p) => n + p.count, 0);
  const alt =
    total === 0
      ? 'Devices by posture: no data yet'
      : `Devices by posture: ${postures.map((p) => `${p.posture} ${p.count}`).join(', ')}`;
  if (total === 0) {
    drawNoData(r);
    return { id: 'postures', png: r.toBuffer(), width, height, alt };
  }
  const max = countAxisMax(Math.max(...postures.map((p) => p.count)));
  const labels = [0, 1, 2, 3, 4].map((q) => String((max * q) / 4));
  const left = 10;
  // Room on the right for the last axis label, centred on its gridline.
  const right = width - 10 - Math.ceil(Raster.textWidth(labels[4]!, LABEL_SCALE) / 2);
  for (let q = 0; q <= 4; q++) {
    const x = Math.round(left + ((right - left) * q) / 4);
    if (q > 0) for (let y = 8; y < plotBottom; y += 8) r.fillRect(x, y, 1, 4, GRID);
    const w = Raster.textWidth(labels[q]!, LABEL_SCALE);
    r.text(Math.max(0, Math.round(x - w / 2)), plotBottom + 8, labels[q]!, AXIS, LABEL_SCALE);
  }
  postures.forEach((p, i) => {
    const y = 8 + i * BREAKDOWN_ROW + 4;
    const len = p.count === 0 ? 0 : Math.max(3, Math.round(((right - left) * p.count) / max));
    r.fillRect(left, y, len, BREAKDOWN_ROW - 8, hexRgb(POSTURE_COLOURS[p.posture]));
    const label = String(p.count);
    const lw = Raster.textWidth(label, LABEL_SCALE);
    // After the bar, or inside its end when the bar reaches the edge.
    const lx = left + len + 6 + lw <= width ? left + len + 6 : left + len - 6 - lw;
    const ly = y + Math.round((BREAKDOWN_ROW - 8 - LABEL_H) / 2);
    if (lx + lw > left + len) r.text(lx, ly, label, AXIS, LABEL_SCALE);
    else {
      r.fillRect(lx - 3, ly - 2, lw + 6, LABEL_H + 4, BG);
      r.text(lx, ly, label, AXIS, LABEL_SCALE);
    }
  });
  r.fillRect(left, 8, 2, plotBottom - 8, AXIS);
  r.fillRect(left, plotBottom, right - left, 2, AXIS);
  return { id: 'postures', png: r.toBuffer(), width, height, alt };
}
