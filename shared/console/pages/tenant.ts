/**
 * Tenant readiness, from GET /api/tenant: both PIN reset enterprise apps, whether each is
 * consented and enabled, and Microsoft's two admin-consent links for an Application
 * Administrator. Consent is the admin's act; ResetReady only reports it.
 */
import type { TenantReadinessBody } from '../../tenant/readiness.js';
import { externalLink, type Html, html } from '../html.js';
import { readinessBadge } from './overview.js';

function appState(a: TenantReadinessBody['apps'][number]): Html {
  if (a.present === null) return html`<span class="badge warn">Not known</span>`;
  if (!a.present) return html`<span class="badge bad">Not consented</span>`;
  if (a.enabled === false) return html`<span class="badge bad">Disabled</span>`;
  return html`<span class="badge ok">Consented and enabled</span>`;
}

export function tenantBody(t: TenantReadinessBody): Html {
  const ready = t.state === 'ready';
  return html`<h1>Tenant readiness</h1>
<p class="lead">Non-destructive PIN reset needs both Microsoft PIN reset enterprise apps consented in the tenant, and the PIN recovery policy on each device.</p>
<div class="notice ${ready ? 'ok' : t.state === 'unknown' || t.state === 'notCollected' ? 'warn' : 'bad'}">
<p>${readinessBadge(t.state)}${t.error ? html` <span class="mono">${t.error}</span>` : ''}</p>
${ready ? html`<p>Both apps are present and enabled: no tenant-wide blocker.</p>` : html`<p>Until both apps are consented, every PIN reset in this tenant is destructive, whatever the device policy says. At reset time users see error CAA20004 (AADSTS650052).</p>`}
</div>
<section class="card" aria-labelledby="apps-h">
<h2 id="apps-h">PIN reset enterprise apps</h2>
<div class="table-wrap"><table>
<caption class="visually-hidden">The two PIN reset apps and their state in this tenant</caption>
<thead><tr><th scope="col">Enterprise application</th><th scope="col">Application (client) id</th><th scope="col">State</th><th scope="col">Admin consent</th></tr></thead>
<tbody>${t.apps.map(
    (
      a,
    ) => html`<tr><th scope="row">${a.displayName}</th><td class="mono">${a.appId}</td><td>${appState(a)}</td>
<td>${externalLink(a.adminConsentUrl, `Consent ${a.displayName}`)}</td></tr>`,
  )}</tbody></table></div>
<h3>How to consent</h3>
<ol>
<li>Sign in as at least an <strong>Application Administrator</strong> and open the consent link of <em>Microsoft Pin Reset Service Production</em>; review the permissions and select <strong>Accept</strong>.</li>
<li>Open the consent link of <em>Microsoft Pin Reset Client Production</em>, select <strong>Next</strong>, then <strong>Accept</strong> for both apps.</li>
<li>A blank page afterwards is expected. The next inventory collection shows the apps here; in the meantime Entra ID › Enterprise applications, search “Microsoft PIN”, lists both.</li>
</ol>
<p>Source: ${externalLink(t.docsUrl, 'PIN reset (Microsoft Learn)')}. Match the apps on their application ids, not their names.</p>
</section>`;
}
