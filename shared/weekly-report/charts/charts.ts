/**
 * The report's two charts as PNG (Outlook desktop does not render SVG). Labels and legends are
 * HTML next to the image; the image carries colour-coded data, gridlines, and an explicit
 * "NO DATA YET" state instead of a blank picture when there is nothing to draw.
 */
import type { Posture } from '../../posture/types.js';
import type { ChartImage, TrendWeek } from '../render/model.js';
import { CHART_AXIS, CHART_BACKGROUND, CHART_GRID, POSTURE_COLOURS, TREND_COLOURS } from './palette.js';
import { hexRgb, Raster } from './raster.js';

export const TREND_SIZE = { width: 600, height: 220 } as const;
export const BREAKDOWN_ROW = 26;
export const BREAKDOWN_WIDTH = 600;

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
 * Stacked bars per week (ready devices, then the other reporting devices; height = devices
 * reporting, scaled to the tallest week) and the ready share as a line over a 0–100 % scale
 * (dashed gridlines at 25 % steps). A week without a snapshot is a gap in both.
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
  const left = 10;
  const right = width - 10;
  const top = 12;
  const bottom = height - 12;
  const plotH = bottom - top;
  for (let q = 1; q <= 4; q++) r.dashedHLine(left, right, Math.round(bottom - (plotH * q) / 4), GRID);
  const maxReported = Math.max(1, ...known.map((w) => w.reported ?? 0));
  const slot = (right - left) / weeks.length;
  const barW = Math.max(4, Math.round(slot * 0.56));
  const centre = (i: number) => left + slot * i + slot / 2;
  weeks.forEach((w, i) => {
    if (w.reported === null) return;
    const total = Math.round((plotH * w.reported) / maxReported);
    const ready = Math.round((plotH * (w.nonDestructive ?? 0)) / maxReported);
    const x = Math.round(centre(i) - barW / 2);
    r.fillRect(x, bottom - total, barW, total - ready, hexRgb(TREND_COLOURS.otherReported));
    r.fillRect(x, bottom - ready, barW, ready, hexRgb(TREND_COLOURS.nonDestructive));
  });
  r.fillRect(left, bottom, right - left, 2, AXIS);
  const line = hexRgb(TREND_COLOURS.share);
  const yOf = (share: number) => bottom - plotH * Math.max(0, Math.min(1, share));
  let prev: { x: number; y: number } | null = null;
  weeks.forEach((w, i) => {
    if (w.share === null) {
      prev = null;
      return;
    }
    const p = { x: centre(i), y: yOf(w.share) };
    if (prev) r.line(prev.x, prev.y, p.x, p.y, line, 3);
    prev = p;
  });
  weeks.forEach((w, i) => {
    if (w.share !== null) {
      r.dot(centre(i), yOf(w.share), 5, BG);
      r.dot(centre(i), yOf(w.share), 3.5, line);
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

/** One horizontal bar per posture, in the legend's order, length proportional to its count. */
export function breakdownChart(postures: readonly { posture: Posture; count: number }[]): ChartImage {
  const width = BREAKDOWN_WIDTH;
  const height = BREAKDOWN_ROW * postures.length + 16;
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
  const left = 10;
  const right = width - 10;
  const max = Math.max(...postures.map((p) => p.count));
  for (let q = 1; q <= 4; q++) {
    const x = Math.round(left + ((right - left) * q) / 4);
    for (let y = 8; y < height - 8; y += 8) r.fillRect(x, y, 1, 4, GRID);
  }
  postures.forEach((p, i) => {
    const y = 8 + i * BREAKDOWN_ROW + 4;
    const len = p.count === 0 ? 0 : Math.max(3, Math.round(((right - left) * p.count) / max));
    r.fillRect(left, y, len, BREAKDOWN_ROW - 8, hexRgb(POSTURE_COLOURS[p.posture]));
  });
  r.fillRect(left, 8, 2, height - 16, AXIS);
  return { id: 'postures', png: r.toBuffer(), width, height, alt };
}
