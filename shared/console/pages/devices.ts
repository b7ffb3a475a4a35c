/**
 * A filtered device list: everything, one posture, or one reason (with its guidance). One
 * page of GET /api/devices at a time (the store pages on the server, so 100,000 devices open
 * as fast as 1,000), a search, filters as a plain GET form, Previous/Next through the
 * endpoint's continuation tokens, and the same filter as a CSV download.
 */
import { count, dateTime, POSTURE_LABEL, postureBadge } from '../format.js';
import { externalLink, type Html, html } from '../html.js';
import { consoleUrl } from '../layout.js';
import type { DevicesView, ReasonRow, SummaryView } from '../views.js';
import { postureOrder } from '../views.js';

export const PAGE_SIZE = 50;
/** Earlier pages remembered for "Previous" (each is one continuation token in the URL). */
const MAX_TRAIL = 20;

export interface DeviceListQuery {
  posture?: string;
  reason?: string;
  compliance?: string;
  search?: string;
  continuation?: string;
  /** Continuation tokens of the pages before this one ('' = the first page). */
  trail: string[];
  /** Page number shown (1 for the first). */
  page: number;
}

const TOKEN = /^[A-Za-z0-9_-]{1,4000}$/;

/** The list's own parameters from the page URL; the endpoint validates the filters themselves. */
export function parseListQuery(params: URLSearchParams): DeviceListQuery {
  const one = (n: string) => {
    const v = params.get(n)?.trim();
    return v ? v : undefined;
  };
  const continuation = one('continuation');
  const rawTrail = params.get('trail');
  // Absent: we came from elsewhere straight to a later page; "Previous" then means the first page.
  const trail = (rawTrail === null ? [''] : rawTrail.split('.'))
    .filter((t, i) => (t === '' ? i === 0 : TOKEN.test(t)))
    .slice(-MAX_TRAIL);
  return {
    ...(one('posture') ? { posture: one('posture') } : {}),
    ...(one('reason') ? { reason: one('reason') } : {}),
    ...(one('compliance') ? { compliance: one('compliance') } : {}),
    ...(one('search') ? { search: one('search') } : {}),
    ...(continuation && TOKEN.test(continuation) ? { continuation } : {}),
    trail: continuation ? trail : [],
    page: continuation
      ? Math.max(2, Math.min(Number.parseInt(params.get('page') ?? '', 10) || 2, 1_000_000))
      : 1,
  };
}

/** The GET /api/devices query for this page. */
export function endpointQuery(q: DeviceListQuery, format: 'json' | 'csv' = 'json'): URLSearchParams {
  const p = new URLSearchParams();
  if (q.posture) p.set('posture', q.posture);
  if (q.reason) p.set('reason', q.reason);
  if (q.compliance) p.set('compliance', q.compliance);
  if (q.search) p.set('search', q.search);
  if (format === 'csv') p.set('format', 'csv');
  else {
    p.set('top', String(PAGE_SIZE));
    if (q.continuation) p.set('continuation', q.continuation);
  }
  return p;
}

function listHref(
  base: string,
  q: DeviceListQuery,
  continuation: string | undefined,
  trail: string[],
  page: number,
): string {
  const p = new URLSearchParams();
  if (q.posture) p.set('posture', q.posture);
  if (q.compliance) p.set('compliance', q.compliance);
  if (q.search) p.set('search', q.search);
  if (continuation) {
    p.set('continuation', continuation);
    p.set('trail', trail.slice(-MAX_TRAIL).join('.'));
    p.set('page', String(page));
  }
  const s = p.toString();
  return s ? `${base}?${s}` : base;
}

export interface DeviceListPage {
  /** Path of this list (devices or reasons/<code>). */
  base: string;
  query: DeviceListQuery;
  summary: SummaryView | null;
  reason: ReasonRow | null;
  /** The endpoint's answer, or its error when it refused the query. */
  result: { ok: true; view: DevicesView } | { ok: false; status: number; code: string; message: string };
}

function select(name: string, label: string, value: string | undefined, options: [string, string][]): Html {
  return html`<label for="f-${name}">${label}<select id="f-${name}" name="${name}">
<option value="">Any</option>
${options.map(([v, text]) => html`<option value="${v}"${v === value ? html` selected` : ''}>${text}</option>`)}
</select></label>`;
}

export function deviceListBody(p: DeviceListPage): { title: string; body: Html } {
  const q = p.query;
  const title = p.reason
    ? p.reason.title
    : q.posture
      ? `Devices: ${POSTURE_LABEL[q.posture] ?? q.posture}`
      : 'Devices';
  const postures = postureOrder(p.summary?.byPosture ?? {}).map((x): [string, string] => [
    x,
    POSTURE_LABEL[x] ?? x,
  ]);
  const compliance = Object.keys(p.summary?.byComplianceState ?? {})
    .sort()
    .map((c): [string, string] => [c, c]);
  const csv = `${consoleUrl('/data/devices')}?${endpointQuery(q, 'csv')}`;

  const head = p.reason
    ? html`<h1>${p.reason.title}</h1>
<p class="lead"><span class="mono">${p.reason.code}</span> · ${count(p.reason.devices)} devices carry this reason</p>
<div class="notice"><strong>What to do:</strong> ${p.reason.action} ${externalLink(p.reason.docsUrl, 'Microsoft Learn')}</div>`
    : html`<h1>${title}</h1>
<p class="lead">${
        q.posture && p.summary
          ? `${count(p.summary.byPosture[q.posture] ?? 0)} devices in this posture`
          : p.summary
            ? `${count(p.summary.totals.devices)} devices`
            : ''
      }</p>`;

  const form = html`<form class="filters" method="get" action="${p.base}" role="search" aria-label="Filter devices">
${p.reason ? '' : select('posture', 'Posture', q.posture, postures)}
${select('compliance', 'Compliance', q.compliance, compliance)}
<label for="f-search">Device or user contains<input type="search" id="f-search" name="search" value="${q.search ?? ''}" maxlength="100"></label>
<button type="submit">Apply</button>
<a class="button secondary" href="${csv}" download>Download CSV<span class="visually-hidden"> of every device matching these filters</span></a>
</form>`;

  if (!p.result.ok) {
    return {
      title,
      body: html`${head}${form}<div class="notice bad" role="alert"><strong>${p.result.code}:</strong> ${p.result.message}</div>`,
    };
  }
  const view = p.result.view;
  const rows = view.devices.map(
    (d) => html`<tr>
<th scope="row" class="nowrap"><a href="${consoleUrl(`/devices/${encodeURIComponent(d.deviceKey)}`)}">${d.deviceName ?? d.deviceKey}</a></th>
<td>${d.userPrincipalName ?? html`<span class="muted">none</span>`}</td>
<td>${postureBadge(d.posture)}</td>
<td>${d.primaryReason ? html`<span class="mono">${d.primaryReason}</span>` : html`<span class="muted">–</span>`}</td>
<td>${d.complianceState ?? '–'}</td>
<td class="num">${d.osBuild ?? '–'}</td>
<td>${dateTime(d.lastReportAt)}</td>
<td class="num">${d.daysDestructiveOnly ?? '–'}</td>
</tr>`,
  );
  const pageNo = q.page;
  const prevToken = q.trail.length > 0 ? q.trail[q.trail.length - 1] : undefined;
  const pager = html`<nav class="pager" aria-label="Pages">
<span>Page ${pageNo}: ${count(view.pageCount)} ${view.pageCount === 1 ? 'device' : 'devices'}${
    view.total !== null ? ` of ${count(view.total)} in all` : ''
  }</span>
${q.continuation ? html`<a href="${listHref(p.base, q, undefined, [], 1)}">First page</a>` : ''}
${
  q.continuation
    ? html`<a href="${listHref(p.base, q, prevToken || undefined, q.trail.slice(0, -1), pageNo - 1)}" rel="prev">Previous page</a>`
    : ''
}
${
  view.continuation
    ? html`<a href="${listHref(p.base, q, view.continuation, [...q.trail, q.continuation ?? ''], pageNo + 1)}" rel="next">Next page</a>`
    : html`<span class="muted">(last page)</span>`
}
</nav>`;
  const table =
    view.devices.length === 0
      ? html`<p>No device matches${q.search ? html` “${q.search}”` : ''} on this page${view.continuation ? ': the search continues on the next page' : ''}.</p>`
      : html`<div class="table-wrap"><table>
<caption class="visually-hidden">${title}, page ${pageNo}</caption>
<thead><tr><th scope="col">Device</th><th scope="col">Primary user</th><th scope="col">Posture</th><th scope="col">Primary reason</th><th scope="col">Compliance</th><th scope="col" class="num">OS build</th><th scope="col">Last report</th><th scope="col" class="num">Days destructive only</th></tr></thead>
<tbody>${rows}</tbody></table></div>`;
  return {
    title,
    body: html`${head}<section class="card" aria-label="Devices">${form}${table}${pager}</section>`,
  };
}
