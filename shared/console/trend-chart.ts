/**
 * The share trend as inline SVG, drawn on the server (no chart library, no script): 0–100 %
 * on the y axis, dates on the x axis, one line per series, with a title and description for
 * assistive technology and the numbers in a table beside it. Pure.
 */
import { type Html, html, trusted } from './html.js';

export interface TrendPoint {
  /** yyyy-mm-dd (UTC day). */
  date: string;
  value: number | null;
}

export interface TrendSeries {
  label: string;
  points: TrendPoint[];
  /** CSS class of the line: line (solid brand) or line2 (dashed green). */
  className: 'line' | 'line2';
}

const W = 720;
const H = 220;
const PAD = { left: 44, right: 16, top: 12, bottom: 30 };

function fmtDay(date: string): string {
  const d = new Date(`${date}T00:00:00Z`);
  return d.toLocaleDateString('en-US', { month: 'short', day: 'numeric', timeZone: 'UTC' });
}

export function trendChart(series: TrendSeries[], title: string): Html {
  const dates = [...new Set(series.flatMap((s) => s.points.map((p) => p.date)))].sort();
  if (dates.length === 0) {
    return html`<p class="muted">No daily history yet: a point is added after each day's first collection.</p>`;
  }
  const x = (date: string) => {
    const i = dates.indexOf(date);
    const span = Math.max(1, dates.length - 1);
    return PAD.left + ((W - PAD.left - PAD.right) * i) / span;
  };
  const y = (v: number) => PAD.top + (H - PAD.top - PAD.bottom) * (1 - Math.max(0, Math.min(1, v)));
  const grid = [0, 0.25, 0.5, 0.75, 1].map((v) =>
    trusted(
      `<line class="grid-line" x1="${PAD.left}" x2="${W - PAD.right}" y1="${y(v).toFixed(1)}" y2="${y(v).toFixed(1)}"/>` +
        `<text class="axis" x="${PAD.left - 6}" y="${(y(v) + 4).toFixed(1)}" text-anchor="end">${v * 100} %</text>`,
    ),
  );
  // About six date labels, evenly spread, always the last one.
  const step = Math.max(1, Math.ceil(dates.length / 6));
  const labels = dates
    .filter((_, i) => i % step === 0 || i === dates.length - 1)
    .map(
      (d) =>
        html`<text class="axis" x="${x(d).toFixed(1)}" y="${H - 8}" text-anchor="middle">${fmtDay(d)}</text>`,
    );
  const lines = series.map((s) => {
    const pts = s.points.filter((p): p is { date: string; value: number } => typeof p.value === 'number');
    if (pts.length === 0) return '';
    const d = pts.map((p) => `${x(p.date).toFixed(1)},${y(p.value).toFixed(1)}`).join(' ');
    const last = pts[pts.length - 1]!;
    return html`<polyline class="${s.className}" points="${d}"/>${
      s.className === 'line'
        ? html`<circle class="dot" cx="${x(last.date).toFixed(1)}" cy="${y(last.value).toFixed(1)}" r="3.5"/>`
        : ''
    }`;
  });
  const first = dates[0]!;
  const lastDate = dates[dates.length - 1]!;
  const desc = series
    .map((s) => {
      const pts = s.points.filter((p) => typeof p.value === 'number');
      const a = pts[0]?.value;
      const b = pts[pts.length - 1]?.value;
      return typeof a === 'number' && typeof b === 'number'
        ? `${s.label}: ${(a * 100).toFixed(1)} % on ${first}, ${(b * 100).toFixed(1)} % on ${lastDate}.`
        : `${s.label}: no data.`;
    })
    .join(' ');
  return html`<svg class="trend" viewBox="0 0 ${W} ${H}" role="img" aria-labelledby="trend-title trend-desc">
<title id="trend-title">${title}</title><desc id="trend-desc">${desc}</desc>
${grid}${labels}${lines}
</svg>`;
}
