/**
 * The fleet at a glance, drawn from exactly what GET /api/summary, /api/trend and
 * /api/alerts answer (the page handler calls those handlers): headline shares, the trend,
 * postures, reasons ranked with their guidance and Microsoft Learn links, tenant readiness.
 */

import { inShareDenominator } from '../../posture/shares.js';
import type { Posture } from '../../posture/types.js';
import { ago, count, dateTime, POSTURE_LABEL, percent } from '../format.js';
import { externalLink, type Html, html } from '../html.js';
import { consoleUrl } from '../layout.js';
import { type TrendSeries, trendChart } from '../trend-chart.js';
import type { AlertsView, SummaryView, TrendView } from '../views.js';
import { headlineShares, postureOrder, trendSeries } from '../views.js';

const READINESS: Record<string, { text: string; tone: string }> = {
  ready: { text: 'Both PIN reset apps consented', tone: 'ok' },
  missing: { text: 'PIN reset apps not consented', tone: 'bad' },
  disabled: { text: 'A PIN reset app is disabled', tone: 'bad' },
  unknown: { text: 'Could not be checked', tone: 'warn' },
  notCollected: { text: 'Not collected yet', tone: 'neutral' },
};

export function readinessBadge(state: string): Html {
  const r = READINESS[state] ?? { text: state, tone: 'neutral' };
  return html`<span class="badge ${r.tone}">${r.text}</span>`;
}

export function overviewBody(
  s: SummaryView,
  trend: TrendView | null,
  alerts: AlertsView | null,
  now: Date,
): Html {
  const shares = headlineShares(s);
  const destructive = s.byPosture.destructiveOnly ?? 0;
  const openAlerts = alerts?.count ?? null;
  const kpis = html`<div class="grid">
${shares.map(
  (k) => html`<section class="card kpi" aria-labelledby="kpi-${k.id}">
<h2 class="label" id="kpi-${k.id}">${k.label}</h2>
<p class="value">${percent(k.share)}</p>
<p class="sub">${k.detail}</p>
</section>`,
)}
<section class="card kpi" aria-labelledby="kpi-destructive">
<h2 class="label" id="kpi-destructive">Destructive only</h2>
<p class="value">${count(destructive)}</p>
<p class="sub">devices where resetting a forgotten PIN deletes the user's keys and certificates · <a href="${consoleUrl(`/devices?posture=destructiveOnly`)}">View devices</a></p>
</section>
<section class="card kpi" aria-labelledby="kpi-tenant">
<h2 class="label" id="kpi-tenant">Tenant readiness</h2>
<p class="value">${readinessBadge(String(s.tenantReadiness))}</p>
<p class="sub"><a href="${consoleUrl('/tenant')}">PIN reset apps and admin consent</a></p>
</section>
<section class="card kpi" aria-labelledby="kpi-alerts">
<h2 class="label" id="kpi-alerts">Open alerts</h2>
<p class="value">${openAlerts === null ? '–' : count(openAlerts)}</p>
<p class="sub"><a href="${consoleUrl('/alerts')}">View alerts</a>${
    s.destructiveResets
      ? html` · ${count(s.destructiveResets.last30Days)} keys re-provisioned in 30 days (${count(s.destructiveResets.likelyDestructiveLast30Days)} likely destructive resets)`
      : ''
  }</p>
</section>
</div>`;

  const series: TrendSeries[] = trend ? trendSeries(trend) : [];
  const trendCard = html`<section class="card" aria-labelledby="trend-h">
<h2 id="trend-h">Trend</h2>
${trendChart(series, 'Ready shares by day: resettable now and configured ready')}
${
  series.length > 0
    ? html`<p class="legend">${series.map((x) => html`<span class="legend-item"><span class="legend-swatch sw-${x.className}" aria-hidden="true"></span>${x.label}</span>`)}</p>`
    : ''
}
</section>`;

  const order = postureOrder(s.byPosture);
  const total = s.totals.devices;
  const denominator =
    s.shares?.denominator ??
    order.filter((p) => inShareDenominator(p as Posture)).reduce((n, p) => n + (s.byPosture[p] ?? 0), 0);
  // SVG, not styled spans: the CSP allows no inline style attribute.
  let offset = 0;
  const bar = html`<svg class="bar" viewBox="0 0 1000 12" preserveAspectRatio="none" aria-hidden="true" focusable="false">${order.map(
    (p) => {
      const n = s.byPosture[p] ?? 0;
      if (total <= 0 || n <= 0) return '';
      const w = (n / total) * 1000;
      const rect = html`<rect class="s-${p}" x="${offset.toFixed(2)}" y="0" width="${w.toFixed(2)}" height="12"/>`;
      offset += w;
      return rect;
    },
  )}</svg>`;
  const postures = html`<section class="card" aria-labelledby="postures-h">
<h2 id="postures-h">Postures</h2>
${bar}
<div class="table-wrap"><table>
<caption class="visually-hidden">Devices by posture</caption>
<thead><tr><th scope="col">Posture</th><th scope="col" class="num">Devices</th><th scope="col" class="num">Share<span class="visually-hidden"> of reporting devices</span></th><th scope="col"><span class="visually-hidden">Link</span></th></tr></thead>
<tbody>${order.map(
    (
      p,
    ) => html`<tr data-posture="${p}"><th scope="row"><span class="legend-swatch s-${p}" aria-hidden="true"></span>${POSTURE_LABEL[p] ?? p}</th>
<td class="num">${count(s.byPosture[p] ?? 0)}</td><td class="num">${
      inShareDenominator(p as Posture)
        ? percent(denominator > 0 ? (s.byPosture[p] ?? 0) / denominator : null)
        : html`<span class="muted">outside</span>`
    }</td>
<td>${(s.byPosture[p] ?? 0) > 0 ? html`<a href="${consoleUrl(`/devices?posture=${p}`)}">View devices<span class="visually-hidden">: ${POSTURE_LABEL[p] ?? p}</span></a>` : ''}</td></tr>`,
  )}</tbody>
<tfoot><tr><th scope="row">All devices</th><td class="num">${count(total)}</td><td class="num">${count(denominator)} in the share</td><td></td></tr></tfoot>
</table></div>
<p class="muted">Shares are of devices that report and can take part (every posture but no report and Entra registered only), the same definition the summary and the weekly report use.</p>
</section>`;

  const reasons = html`<section class="card" aria-labelledby="reasons-h">
<h2 id="reasons-h">Why devices are not ready, most frequent first</h2>
${
  s.reasons.length === 0
    ? html`<p class="muted">No device carries a reason code.</p>`
    : html`<div class="table-wrap"><table>
<caption class="visually-hidden">Reasons ranked by the number of devices carrying them, with the next action</caption>
<thead><tr><th scope="col">Reason</th><th scope="col" class="num">Devices</th><th scope="col">What to do</th><th scope="col">Microsoft documentation</th></tr></thead>
<tbody>${s.reasons.map(
        (
          r,
        ) => html`<tr><th scope="row"><a href="${consoleUrl(`/reasons/${encodeURIComponent(r.code)}`)}">${r.title}</a><br><span class="mono muted">${r.code}</span></th>
<td class="num">${count(r.devices)}</td><td>${r.action}</td><td>${externalLink(r.docsUrl, 'Microsoft Learn')}</td></tr>`,
      )}</tbody></table></div>`
}
</section>`;

  const blockers = (s.fleetBlockers ?? []).map(
    (b) =>
      html`<div class="notice bad" role="status"><p><strong>Blocks every device: ${b.title}.</strong> ${b.action} ${externalLink(b.docsUrl, 'Microsoft Learn')} · <a href="${consoleUrl('/tenant')}">Tenant readiness and consent links</a></p></div>`,
  );
  return html`<h1>Overview</h1>
<p class="lead">Posture computed ${ago(s.generatedAt, now)} (${dateTime(s.generatedAt)}) · last inventory collection ${ago(s.lastCollectionAt, now)} · newest device report ${ago(s.lastReportAt, now)}</p>
${blockers}
${kpis}
${trendCard}
${postures}
${reasons}`;
}
