/**
 * Email-safe HTML of the weekly report: one 640 px table column, inline styles only, system
 * fonts, no scripts or external resources; images come from imageSrc (cid: in the mail,
 * because Outlook desktop blocks data: URIs; data: on the web). Every value is escaped, and
 * links are kept only when they are http(s).
 */
import { reasonGuidance } from '../../posture/guidance.js';
import { formatShare } from '../../posture/shares.js';
import { type Posture, REASON_CODES, type ReasonCode } from '../../posture/types.js';
import { POSTURE_COLOURS, TREND_COLOURS } from '../charts/palette.js';
import type { ChartImage, WeeklyReportJson } from './model.js';

export function escapeHtml(s: string | number | null | undefined): string {
  return String(s ?? '')
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}

/** An href that can only navigate to http(s); anything else (javascript:, data:) becomes inert. */
export function safeHref(url: string | null | undefined): string | null {
  if (!url) return null;
  try {
    const u = new URL(url);
    return u.protocol === 'https:' || u.protocol === 'http:' ? escapeHtml(u.href) : null;
  } catch {
    return null;
  }
}

export const POSTURE_LABELS: Record<Posture, string> = {
  nonDestructive: 'Ready (non-destructive reset)',
  destructiveOnly: 'Destructive reset only',
  noHelloKey: 'No Windows Hello key',
  unknown: 'Unknown',
  stale: 'Stale (no recent report)',
  notReported: 'Never reported',
  entraRegistered: 'Entra registered (BYOD, not supported)',
};

const FONT = 'font-family:Segoe UI,Helvetica,Arial,sans-serif;color:#1f2328';
const H2 = `margin:24px 0 8px 0;font-size:17px;font-weight:600;${FONT}`;
const P = `margin:0 0 8px 0;font-size:14px;line-height:20px;${FONT}`;
const SMALL = `font-size:12px;line-height:16px;color:#57606a;font-family:Segoe UI,Helvetica,Arial,sans-serif`;
const TH = `text-align:left;padding:6px 8px;border-bottom:2px solid #d0d7de;font-size:12px;${FONT}`;
const TD = `padding:6px 8px;border-bottom:1px solid #eaeef2;font-size:13px;vertical-align:top;${FONT}`;

const pct = formatShare;

function day(iso: string | null): string {
  return iso ? iso.slice(0, 10) : '–';
}

function reasonTitle(code: string | null): string {
  return code && (REASON_CODES as readonly string[]).includes(code)
    ? reasonGuidance(code as ReasonCode).title
    : (code ?? '–');
}

/** Names and dates read badly when a narrow column breaks them at the hyphen. */
function nowrap(text: string): string {
  return `<span style="white-space:nowrap">${escapeHtml(text)}</span>`;
}

/** Long unbroken values (UPNs, ids) may break anywhere rather than widen the mail past 640 px. */
function breakable(text: string): string {
  return `<span style="word-break:break-all">${escapeHtml(text)}</span>`;
}

function swatch(colour: string): string {
  return `<span style="display:inline-block;width:12px;height:12px;background-color:${colour};border:1px solid #d0d7de;vertical-align:middle"></span>`;
}

function link(url: string | null, text: string): string {
  const href = safeHref(url);
  return href ? `<a href="${href}" style="color:#0969da">${escapeHtml(text)}</a>` : escapeHtml(text);
}

function img(chart: ChartImage, src: string): string {
  return `<img src="${escapeHtml(src)}" width="${chart.width}" height="${chart.height}" alt="${escapeHtml(chart.alt)}" style="display:block;border:0;width:${chart.width}px;max-width:100%;height:auto">`;
}

function section(title: string, body: string): string {
  return `<tr><td style="padding:0 20px"><h2 style="${H2}">${escapeHtml(title)}</h2>${body}</td></tr>`;
}

function table(head: string[], rows: string[][]): string {
  const th = head.map((h) => `<th style="${TH}">${escapeHtml(h)}</th>`).join('');
  const body = rows.map((r) => `<tr>${r.map((c) => `<td style="${TD}">${c}</td>`).join('')}</tr>`).join('');
  return `<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="border-collapse:collapse"><tr>${th}</tr>${body}</table>`;
}

function headline(j: WeeklyReportJson): string {
  const h = j.headline;
  const change =
    h.changePoints === null
      ? 'no snapshot from last week to compare with'
      : `${h.changePoints > 0 ? '▲ +' : h.changePoints < 0 ? '▼ ' : '± '}${h.changePoints.toFixed(1)} points since last week`;
  const changeColour =
    h.changePoints === null || h.changePoints === 0 ? '#57606a' : h.changePoints > 0 ? '#1a7f37' : '#d1242f';
  return `<tr><td style="padding:8px 20px 0 20px"><table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="background-color:#f6f8fa;border:1px solid #d0d7de"><tr><td style="padding:16px 20px">
<p id="headline" style="margin:0;font-size:36px;line-height:44px;font-weight:700;${FONT}">${escapeHtml(pct(h.share))}</p>
<p style="${P}">of reporting devices are configured for a non-destructive PIN reset (${escapeHtml(h.nonDestructive)} of ${escapeHtml(h.reported)} reporting, ${escapeHtml(h.devices)} devices in Intune).</p>
<p id="resettable-now" style="${P}"><strong>${escapeHtml(pct(h.resettableNowShare))}</strong> are resettable now (${escapeHtml(h.resettableNow)} of ${escapeHtml(h.reported)}): configured ready, with the tenant's PIN reset apps consented and enabled and no known lock-screen blocker.</p>
<p style="margin:0;font-size:14px;font-weight:600;color:${changeColour};font-family:Segoe UI,Helvetica,Arial,sans-serif">${escapeHtml(change)}</p>
</td></tr></table></td></tr>`;
}

function demoBanner(j: WeeklyReportJson): string {
  if (!j.demo) return '';
  return `<tr><td style="padding:8px 20px 0 20px"><table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="background-color:#ddf4ff;border:1px solid #54aeff"><tr><td style="padding:10px 14px">
<p style="${P};font-weight:600">Demo data: this report was made by <code>npm start</code> from seeded history for the local demo, not from measurements.</p></td></tr></table></td></tr>`;
}

function warnings(j: WeeklyReportJson): string {
  if (j.freshness.warnings.length === 0) return '';
  const items = j.freshness.warnings
    .map(
      (w) =>
        `<p style="${P}">⚠ ${escapeHtml(w.message)}${w.since ? ` (last: ${escapeHtml(w.since.slice(0, 16).replace('T', ' '))} UTC)` : ''}</p>`,
    )
    .join('');
  return `<tr><td style="padding:8px 20px 0 20px"><table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="background-color:#fff8c5;border:1px solid #d4a72c"><tr><td style="padding:10px 14px">
<p style="${P};font-weight:600">Data freshness</p>${items}</td></tr></table></td></tr>`;
}

function trend(j: WeeklyReportJson, chart: ChartImage, src: string): string {
  const known = j.trend.filter((w) => w.reported !== null);
  const legend =
    known.length === 0
      ? `<p style="${P}">No daily snapshots yet: the trend fills in as collections run.</p>`
      : `<p style="${SMALL}">${swatch(TREND_COLOURS.nonDestructive)} ready devices &nbsp; ${swatch(TREND_COLOURS.otherReported)} other reporting devices (bar height: devices reporting, right axis) &nbsp; ${swatch(TREND_COLOURS.share)} ready share (left axis, 0–100 %). Weeks end on ${escapeHtml(j.trend[0]?.weekEnding ?? '')} … ${escapeHtml(j.trend[j.trend.length - 1]?.weekEnding ?? '')}.</p>`;
  const demo = j.trend.filter((w) => w.demo);
  const demoNote =
    demo.length === 0
      ? ''
      : `<p style="${P};font-weight:600">Demo data: the ${demo.length === 1 ? 'week' : `${demo.length} weeks`} marked * ${demo.length === 1 ? 'is' : 'are'} history that <code>npm start</code> seeded for the local demo, not measurements. A deployment's trend starts empty and fills in as collections run.</p>`;
  const rows = j.trend.map((w) => [
    escapeHtml(`${w.weekEnding}${w.demo ? ' *' : ''}`),
    escapeHtml(pct(w.share)),
    escapeHtml(w.nonDestructive ?? '–'),
    escapeHtml(w.reported ?? '–'),
  ]);
  return section(
    '12-week trend',
    `${img(chart, src)}${legend}${demoNote}${known.length === 0 ? '' : table(['Week ending', 'Ready', 'Ready devices', 'Reporting'], rows)}`,
  );
}

function postures(j: WeeklyReportJson, chart: ChartImage, src: string): string {
  const rows = j.postures.map((p) => [
    `${swatch(POSTURE_COLOURS[p.posture])} ${escapeHtml(POSTURE_LABELS[p.posture])}`,
    escapeHtml(p.count),
    escapeHtml(p.share === null ? 'not counted' : pct(p.share)),
  ]);
  return section(
    'Devices by posture',
    `${img(chart, src)}<p style="${SMALL}">Bars in the order of the table below; length proportional to the count (devices along the bottom), the count at the end of each bar.</p>${table(['Posture', 'Devices', 'Share of reporting devices'], rows)}`,
  );
}

function reasons(j: WeeklyReportJson): string {
  if (j.topReasons.length === 0)
    return section('Top reasons and what to do', `<p style="${P}">No device carries a reason code.</p>`);
  const rows = j.topReasons.map((r) => [
    `<strong>${escapeHtml(r.title)}</strong><br><span style="${SMALL}">${escapeHtml(r.code)}</span>`,
    escapeHtml(r.count),
    `${escapeHtml(r.action)} ${link(r.docsUrl, 'Microsoft docs')}`,
  ]);
  return section('Top reasons and what to do', table(['Reason', 'Devices', 'What to do'], rows));
}

const READINESS_TEXT: Record<string, string> = {
  ready: 'Ready: both Microsoft PIN reset applications are consented and enabled.',
  missing: 'Missing: a Microsoft PIN reset application is not consented in this tenant.',
  disabled: 'Disabled: a Microsoft PIN reset application is disabled for sign-in.',
  unknown: 'Unknown: the collection could not read the PIN reset applications.',
  notCollected: 'Not collected yet.',
};

function tenant(j: WeeklyReportJson): string {
  const g = j.tenantReadiness.guidance;
  const text = READINESS_TEXT[j.tenantReadiness.state] ?? j.tenantReadiness.state;
  return section(
    'Tenant readiness',
    `<p style="${P}">${escapeHtml(text)}</p>${g ? `<p style="${P}">${escapeHtml(g.action)} ${link(g.docsUrl, 'Microsoft docs')}</p>` : ''}`,
  );
}

function longest(j: WeeklyReportJson): string {
  const l = j.longestDestructiveOnly;
  if (l.total === 0)
    return section('Longest in destructive-only', `<p style="${P}">No device is destructive-only.</p>`);
  const rows = l.devices.map((d) => [
    `${d.deviceName ? nowrap(d.deviceName) : breakable(d.deviceId)}${d.hybridKeyTrustRisk ? '<br><span style="color:#d1242f">hybrid</span>' : ''}`,
    breakable(d.userPrincipalName ?? '–'),
    escapeHtml(d.daysDestructiveOnly ?? '–'),
    nowrap(day(d.destructiveOnlySince)),
    // The title wraps where a long code (POLICY_DEPENDS_ON_FILTER) would push the table past 640 px.
    `<span style="${SMALL}">${escapeHtml(reasonTitle(d.primaryReason))}</span>`,
  ]);
  const note =
    l.total > l.devices.length
      ? `<p style="${SMALL}">The ${escapeHtml(l.devices.length)} longest of ${escapeHtml(l.total)}; every device is in the attached CSV.</p>`
      : '';
  return section(
    'Longest in destructive-only',
    `${table(['Device', 'User', 'Days', 'Since', 'Primary reason'], rows)}${note}`,
  );
}

function resets(j: WeeklyReportJson): string {
  const r = j.destructiveResets;
  const lead = `<p style="${P}">${escapeHtml(r.last7Days)} Windows Hello keys were re-provisioned in the last 7 days; ${escapeHtml(r.likelyDestructiveLast7Days)} on a device that could only reset destructively (a user probably lost their key).</p>`;
  if (r.events.length === 0) return section('Destructive resets observed', lead);
  const rows = r.events.slice(0, 50).map((e) => [
    // The name people know the device by; the id only when no name is known.
    e.deviceName
      ? escapeHtml(e.deviceName)
      : `<span style="word-break:break-all">${escapeHtml(e.deviceId)}</span>`,
    escapeHtml(e.upn ?? '–'),
    escapeHtml(e.detectedReportAt.slice(0, 16).replace('T', ' ')),
    escapeHtml(e.likelyDestructive ? 'likely destructive' : 're-provisioned'),
  ]);
  return section(
    'Destructive resets observed',
    `${lead}${table(['Device', 'User', 'Detected (UTC)', 'Kind'], rows)}`,
  );
}

export function weeklyReportHtml(
  j: WeeklyReportJson,
  charts: readonly ChartImage[],
  imageSrc: (c: ChartImage) => string,
): string {
  const chart = (id: string) => {
    const c = charts.find((x) => x.id === id);
    if (!c) throw new Error(`chart ${id} missing`);
    return c;
  };
  const trendChart = chart('trend');
  const postureChart = chart('postures');
  const footer = j.linkUrl ? `<p style="${P}">${link(j.linkUrl, 'Open the latest report')}</p>` : '';
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>ResetReady weekly report ${escapeHtml(day(j.generatedAt))}</title></head>
<body style="margin:0;padding:0;background-color:#eaeef2">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="background-color:#eaeef2"><tr><td align="center" style="padding:16px 0">
<table role="presentation" width="640" cellpadding="0" cellspacing="0" border="0" style="width:640px;max-width:640px;background-color:#ffffff">
<tr><td style="padding:20px 20px 0 20px"><h1 style="margin:0;font-size:22px;${FONT}">ResetReady weekly report</h1>
<p style="${SMALL}">Windows Hello for Business PIN reset readiness, ${escapeHtml(day(j.period.from))} to ${escapeHtml(day(j.period.to))} (generated ${escapeHtml(j.generatedAt.slice(0, 16).replace('T', ' '))} UTC)</p></td></tr>
${demoBanner(j)}${warnings(j)}
${headline(j)}
${trend(j, trendChart, imageSrc(trendChart))}
${postures(j, postureChart, imageSrc(postureChart))}
${reasons(j)}
${tenant(j)}
${longest(j)}
${resets(j)}
<tr><td style="padding:16px 20px 20px 20px">${footer}<p style="${SMALL}">Last collection: ${escapeHtml(j.freshness.lastCollectionAt?.slice(0, 16).replace('T', ' ') ?? 'never')} (${escapeHtml(j.freshness.lastCollectionStatus ?? '–')}); last device report: ${escapeHtml(j.freshness.lastReportAt?.slice(0, 16).replace('T', ' ') ?? 'never')}. Times are UTC.</p></td></tr>
</table></td></tr></table>
</body></html>
`;
}
