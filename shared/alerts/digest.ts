/**
 * One digest per evaluation: what opened, what is still open and due a reminder, what
 * resolved. Pure (mail HTML + Adaptive Card), so the content is unit-tested; null when there
 * is nothing to say, so a quiet evaluation sends nothing.
 */
import type { AdaptiveCard, Digest } from '../notify/types.js';
import type { AlertTransitions } from './lifecycle.js';
import type { StoredAlert } from './types.js';

/** Rows per section in the mail; the counts always cover all of them. */
export const MAIL_TOP_ROWS = 50;
/** Rows per section in the card: Teams truncates long cards. */
export const CARD_TOP_ROWS = 5;

export interface DigestOptions {
  /** Open alerts after this evaluation (all types). */
  openCount: number;
  linkUrl?: string;
}

const TITLES = {
  DEVICE_DESTRUCTIVE_ONLY: 'Device stuck in destructiveOnly',
  PINRESET_APPS_MISSING: 'PIN reset apps missing',
  PINRESET_APP_DISABLED: 'PIN reset app disabled',
  COLLECTION_FAILING: 'Collection failing',
  NO_REPORTS: 'No reports from agents',
} as const;

export function alertTitle(a: StoredAlert): string {
  const title = TITLES[a.type] ?? a.type;
  return a.deviceId ? `${title}: ${a.deviceName ?? a.deviceId}` : title;
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Critical first, then the longest-lasting, so the top rows are the ones to act on. */
export function byUrgency(a: StoredAlert, b: StoredAlert): number {
  const sev = (x: StoredAlert) => (x.severity === 'critical' ? 0 : 1);
  return sev(a) - sev(b) || b.days - a.days || a.key.localeCompare(b.key);
}

export function digestSubject(t: AlertTransitions): string {
  const parts = [
    t.opened.length ? `${t.opened.length} new` : '',
    t.renotified.length ? `${t.renotified.length} still open` : '',
    t.resolved.length ? `${t.resolved.length} resolved` : '',
  ].filter(Boolean);
  const critical = [...t.opened, ...t.renotified].some((a) => a.severity === 'critical');
  return `${critical ? '[critical] ' : ''}ResetReady alerts: ${parts.join(', ')}`;
}

function section(heading: string, rows: StoredAlert[], resolved: boolean): string {
  if (rows.length === 0) return '';
  const cell = 'style="padding:4px 8px;border-bottom:1px solid #ddd;text-align:left;vertical-align:top"';
  const top = [...rows].sort(byUrgency).slice(0, MAIL_TOP_ROWS);
  const body = top
    .map(
      (a) =>
        `<tr><td ${cell}>${escapeHtml(a.severity)}</td><td ${cell}>${escapeHtml(alertTitle(a))}</td>` +
        `<td ${cell}>${a.days}</td><td ${cell}>${escapeHtml(resolved ? (a.resolvedReason ?? '') : a.details)}</td></tr>`,
    )
    .join('');
  const more =
    rows.length > top.length ? `<p>…and ${rows.length - top.length} more (see the Alerts feed).</p>` : '';
  return (
    `<h3 style="font-family:Segoe UI,Arial,sans-serif">${escapeHtml(heading)} (${rows.length})</h3>` +
    `<table style="border-collapse:collapse;font-family:Segoe UI,Arial,sans-serif;font-size:13px">` +
    `<tr><th ${cell}>Severity</th><th ${cell}>Alert</th><th ${cell}>Days</th><th ${cell}>${resolved ? 'Why resolved' : 'Details'}</th></tr>` +
    `${body}</table>${more}`
  );
}

function cardLines(rows: StoredAlert[]): string {
  const top = [...rows].sort(byUrgency).slice(0, CARD_TOP_ROWS);
  const more = rows.length > top.length ? `\n- …and ${rows.length - top.length} more` : '';
  return top.map((a) => `- ${alertTitle(a)} (${a.days} d)`).join('\n') + more;
}

export function buildAlertDigest(t: AlertTransitions, opts: DigestOptions): Digest | null {
  if (t.opened.length + t.renotified.length + t.resolved.length === 0) return null;
  const subject = digestSubject(t);
  const link = opts.linkUrl ? `<p><a href="${escapeHtml(opts.linkUrl)}">Open ResetReady</a></p>` : '';
  const html =
    `<div style="font-family:Segoe UI,Arial,sans-serif"><h2>${escapeHtml(subject)}</h2>` +
    `<p>${opts.openCount} alert(s) open after this evaluation.</p>` +
    section('New', t.opened, false) +
    section('Still open (reminder)', t.renotified, false) +
    section('Resolved', t.resolved, true) +
    `${link}</div>`;

  const body: unknown[] = [
    { type: 'TextBlock', text: subject, weight: 'Bolder', size: 'Medium', wrap: true },
    {
      type: 'FactSet',
      facts: [
        { title: 'New', value: String(t.opened.length) },
        { title: 'Still open (reminder)', value: String(t.renotified.length) },
        { title: 'Resolved', value: String(t.resolved.length) },
        { title: 'Open now', value: String(opts.openCount) },
      ],
    },
  ];
  for (const [heading, rows] of [
    ['New', t.opened],
    ['Still open', t.renotified],
    ['Resolved', t.resolved],
  ] as const) {
    if (rows.length > 0) {
      body.push({ type: 'TextBlock', text: heading, weight: 'Bolder', wrap: true, spacing: 'Medium' });
      body.push({ type: 'TextBlock', text: cardLines(rows), wrap: true });
    }
  }
  const card: AdaptiveCard = {
    $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
    type: 'AdaptiveCard',
    version: '1.4',
    body,
  };
  if (opts.linkUrl) card.actions = [{ type: 'Action.OpenUrl', title: 'Open ResetReady', url: opts.linkUrl }];
  return { mail: { subject, html }, card };
}
