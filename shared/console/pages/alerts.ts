/** Open alerts, from GET /api/alerts: what is wrong, since when, and where to look. */
import { ago, dateTime } from '../format.js';
import { type Html, html } from '../html.js';
import { consoleUrl } from '../layout.js';
import type { AlertsView } from '../views.js';

const TYPE: Record<string, string> = {
  DEVICE_DESTRUCTIVE_ONLY: 'Device stays destructive-only',
  PINRESET_APPS_MISSING: 'PIN reset apps not consented',
  PINRESET_APP_DISABLED: 'PIN reset app disabled',
  COLLECTION_FAILING: 'Inventory collection failing',
  NO_REPORTS: 'No device reports',
};

export function alertsBody(a: AlertsView, now: Date): Html {
  return html`<h1>Alerts</h1>
<p class="lead">${a.count === 0 ? 'No open alert.' : `${a.count} open ${a.count === 1 ? 'alert' : 'alerts'}, oldest first.`} Alerts open and resolve after each inventory collection.</p>
${
  a.count === 0
    ? ''
    : html`<section class="card" aria-label="Open alerts"><div class="table-wrap"><table>
<caption class="visually-hidden">Open alerts</caption>
<thead><tr><th scope="col">Severity</th><th scope="col">Alert</th><th scope="col">Device</th><th scope="col">Details</th><th scope="col">Since</th><th scope="col">Opened</th></tr></thead>
<tbody>${a.alerts.map(
        (
          x,
        ) => html`<tr><td><span class="badge ${x.severity === 'critical' ? 'bad' : 'warn'}">${x.severity}</span></td>
<th scope="row">${TYPE[x.type] ?? x.type}</th>
<td>${x.deviceId ? html`<a href="${consoleUrl(`/devices/${encodeURIComponent(x.deviceId)}`)}">${x.deviceName ?? x.deviceId}</a>` : html`<span class="muted">tenant</span>`}</td>
<td>${x.details}</td><td>${x.since ? html`${dateTime(x.since)} (${ago(x.since, now)})` : '–'}</td><td>${dateTime(x.openedAt)}</td></tr>`,
      )}</tbody></table></div></section>`
}`;
}
