/**
 * One device, from GET /api/devices/{id}: why it is (not) ready with the evidence and the
 * next action, each user's CanReset, which PIN recovery policies include or exclude it and
 * through which assignment, group and filter (read like Intune's assignment checker), and
 * what its own reports said over time, key re-provisioning included.
 */
import type { DeviceDetail, PolicyView, ReasonView } from '../../device-detail/model.js';
import { canResetBadge, count, dateTime, postureBadge, TARGETING_LABEL } from '../format.js';
import { externalLink, type Html, html } from '../html.js';

const OUTCOME: Record<string, { text: string; tone: string }> = {
  applies: { text: 'Applies', tone: 'ok' },
  appliesIfFilterMatches: { text: 'Applies only if its filter matches', tone: 'warn' },
  cannotApply: { text: 'Reaches the device but cannot take effect', tone: 'bad' },
  excluded: { text: 'Excluded', tone: 'neutral' },
  notAssigned: { text: 'Not assigned', tone: 'neutral' },
};

const KIND: Record<string, string> = {
  settingsCatalog: 'Settings catalog',
  endpointSecurity: 'Endpoint security (account protection)',
  omaUri: 'Custom OMA-URI',
  identityProtection: 'Identity protection profile',
  intent: 'Security baseline / intent',
};

function shortId(id: string | null | undefined): string {
  return id ? `${id.slice(0, 8)}…` : '–';
}

function evidenceList(r: ReasonView, policyName: (id: string) => string): Html {
  const e = r.evidence ?? {};
  const items: Html[] = [];
  if (e.policyIds?.length) {
    items.push(
      html`<li>Policies: ${e.policyIds.map((id, i) => html`${i > 0 ? ', ' : ''}<a href="#policy-${id}">${policyName(id)}</a>`)}</li>`,
    );
  }
  for (const [k, v] of Object.entries(e.dates ?? {})) items.push(html`<li>${k}: ${dateTime(v)}</li>`);
  for (const [k, v] of Object.entries(e.values ?? {}))
    items.push(html`<li>${k}: <span class="mono">${String(v)}</span></li>`);
  return items.length > 0 ? html`<ul class="evidence" aria-label="Evidence">${items}</ul>` : html``;
}

function reasonItem(r: ReasonView, policyName: (id: string) => string): Html {
  return html`<li><h3>${r.title} <span class="mono muted">${r.code}</span>${
    r.hypothesis ? html` <span class="badge warn">Hypothesis</span>` : ''
  }</h3>
<p>${r.message}</p>
${r.action ? html`<p><strong>What to do:</strong> ${r.action} ${externalLink(r.docsUrl, 'Microsoft Learn')}</p>` : ''}
${evidenceList(r, policyName)}</li>`;
}

function assignmentLine(a: PolicyView['assignments'][number]): Html {
  const group = a.groupId
    ? a.groupName
      ? html`group <strong>${a.groupName}</strong>`
      : a.groupDeleted
        ? html`a deleted group <span class="mono">${a.groupId}</span>`
        : html`group <span class="mono">${a.groupId}</span>`
    : '';
  const target =
    a.target === 'allDevices'
      ? html`<strong>All devices</strong>`
      : a.target === 'allUsers'
        ? html`<strong>All users</strong>`
        : group;
  const who = [
    ...(a.matchedDevice && a.target !== 'allDevices' ? [html`the device is a member`] : []),
    ...(a.matchedUsers.length > 0 ? [html`user ${a.matchedUsers.join(', ')}`] : []),
  ];
  const filter = a.filterId
    ? html` · with ${a.filterType === 'exclude' ? 'exclude' : 'include'} filter <span class="mono">${a.filterId}</span> (ResetReady does not evaluate filter rules: check it in Intune › Tenant administration › Filters)`
    : '';
  if (a.target === 'exclusionGroup') {
    return a.effect === 'excludes'
      ? html`<li><span class="badge neutral">Excludes</span> ${target}: ${who.length ? who.map((w, i) => html`${i ? '; ' : ''}${w}`) : ''}</li>`
      : html`<li class="muted">Excludes ${target}: the device and its users are not members</li>`;
  }
  if (a.effect === 'includes') {
    return html`<li><span class="badge ok">Includes</span> ${target}${
      who.length ? html`: ${who.map((w, i) => html`${i ? '; ' : ''}${w}`)}` : ''
    }${filter}</li>`;
  }
  return html`<li class="muted">Includes ${target}: neither the device nor its users are members${filter}</li>`;
}

function policyBox(p: PolicyView): Html {
  const o = OUTCOME[p.outcome] ?? { text: p.outcome, tone: 'neutral' };
  const value =
    p.value === true
      ? html`<span class="badge ok">EnablePinRecovery = true</span>`
      : p.value === false
        ? html`<span class="badge bad">EnablePinRecovery = false</span>`
        : html`<span class="badge warn">EnablePinRecovery unreadable</span>`;
  return html`<div class="policy" id="policy-${p.id}">
<h3>${p.name || p.id} <span class="badge ${o.tone}">${o.text}</span>${p.decides ? html` <span class="badge info">Decides the result</span>` : ''}</h3>
<p class="muted">${value} · ${KIND[p.kind] ?? p.kind} · ${p.scope} scope${p.via.length ? ` · reaches through the ${p.via.join(' and the ')}` : ''}${
    p.lastModifiedDateTime ? html` · modified ${dateTime(p.lastModifiedDateTime)}` : ''
  }</p>
${p.issues.length ? html`<p class="notice bad">Problems found in the policy: ${p.issues.map((i, n) => html`${n ? ', ' : ''}<span class="mono">${i}</span>`)}</p>` : ''}
<ul aria-label="Assignments of ${p.name || p.id}">${p.assignments.map(assignmentLine)}</ul>
</div>`;
}

export function deviceBody(d: DeviceDetail): { title: string; body: Html } {
  const dev = d.device;
  const title = dev.deviceName ?? d.deviceKey;
  const policyNames = new Map(d.targeting.policies.map((p) => [p.id, p.name || p.id]));
  const policyName = (id: string) => policyNames.get(id) ?? id;
  const intune = dev.managedDeviceId
    ? externalLink(
        `https://intune.microsoft.com/#view/Microsoft_Intune_Devices/DeviceSettingsMenuBlade/~/overview/mdmDeviceId/${dev.managedDeviceId}`,
        'Open in the Intune admin center',
      )
    : '';

  const facts = html`<section class="card" aria-labelledby="facts-h">
<h2 id="facts-h">Device</h2>
<dl class="facts">
<dt>Posture</dt><dd>${postureBadge(dev.posture)}${dev.removed ? html` <span class="badge neutral">Left Intune</span>` : ''}</dd>
<dt>Resettable now</dt><dd>${
    dev.resettableNow
      ? html`<span class="badge ok">Yes</span>`
      : html`<span class="badge ${dev.posture === 'nonDestructive' ? 'warn' : 'neutral'}">No</span>${
          dev.posture === 'nonDestructive'
            ? ' (configured ready, but something blocks a reset today: see below and Tenant readiness)'
            : ''
        }`
  }</dd>
${dev.destructiveOnlySince ? html`<dt>Destructive only since</dt><dd>${dateTime(dev.destructiveOnlySince)} (${count(dev.daysDestructiveOnly)} days)</dd>` : ''}
<dt>Primary user</dt><dd>${dev.userPrincipalName ?? '–'}</dd>
<dt>Join type</dt><dd>${dev.joinType ?? '–'}${dev.hybridKeyTrustRisk ? html` <span class="badge bad">Hybrid: may not reset from the lock screen at all</span>` : ''}</dd>
<dt>Windows</dt><dd>${dev.osVersion ?? '–'}${dev.osBuild ? ` (build ${dev.osBuild})` : ''}</dd>
<dt>Compliance</dt><dd>${dev.complianceState ?? '–'}</dd>
<dt>PIN recovery targeting</dt><dd>${dev.targetingResult ? (TARGETING_LABEL[dev.targetingResult] ?? dev.targetingResult) : 'not known'}</dd>
<dt>Last Intune sync</dt><dd>${dateTime(dev.lastSyncDateTime)}</dd>
<dt>Last report</dt><dd>${dateTime(dev.lastReportAt)}</dd>
<dt>Hardware</dt><dd>${[dev.manufacturer, dev.model].filter(Boolean).join(' ') || '–'}${dev.serialNumber ? html` · serial <span class="mono">${dev.serialNumber}</span>` : ''}</dd>
<dt>Entra device id</dt><dd class="mono">${dev.deviceId}</dd>
<dt>Intune device id</dt><dd class="mono">${dev.managedDeviceId ?? '–'}</dd>
</dl>
${intune ? html`<p>${intune}</p>` : ''}
</section>`;

  const why = html`<section class="card" aria-labelledby="why-h">
<h2 id="why-h">${dev.posture === 'nonDestructive' ? 'Ready for a non-destructive reset' : 'Why, and what to do'}</h2>
${
  d.reasons.length > 0
    ? html`<ol class="reasons">${d.reasons.map((r) => reasonItem(r, policyName))}</ol>`
    : html`<p>${dev.posture === 'nonDestructive' ? 'Every fresh report says DestructiveAndNonDestructive.' : 'No reason code: see the users and the report history below.'}</p>`
}
${
  d.warnings.length > 0
    ? html`<h3>Warnings</h3><ol class="reasons">${d.warnings.map((r) => reasonItem(r, policyName))}</ol>`
    : ''
}
</section>`;

  const users = html`<section class="card" aria-labelledby="users-h">
<h2 id="users-h">Users on this device</h2>
${
  d.users.length === 0
    ? html`<p class="muted">No user has reported from this device yet.</p>`
    : html`<div class="table-wrap"><table>
<caption class="visually-hidden">Each user's CanReset as of their latest report</caption>
<thead><tr><th scope="col">User</th><th scope="col">CanReset</th><th scope="col">Hello key (NgcSet)</th><th scope="col">Posture</th><th scope="col">Latest report</th><th scope="col">Key first seen</th></tr></thead>
<tbody>${d.users.map(
        (u) => html`<tr><th scope="row">${u.upn ?? html`<span class="mono">${u.userKey}</span>`}</th>
<td>${canResetBadge(u.canReset, u.canResetRaw)}</td><td>${u.ngcSet === null ? '–' : u.ngcSet ? 'YES' : 'NO'}</td>
<td>${postureBadge(u.posture)}</td><td>${dateTime(u.reportedAt)}${u.stale ? html` <span class="badge neutral">Too old</span>` : ''}</td>
<td>${dateTime(u.keyFirstSeenAt)}</td></tr>`,
      )}</tbody></table></div>`
}
</section>`;

  const reaching = d.targeting.policies.filter((p) => p.outcome !== 'notAssigned');
  const others = d.targeting.policies.filter((p) => p.outcome === 'notAssigned');
  const policies = html`<section class="card" aria-labelledby="policies-h">
<h2 id="policies-h">PIN recovery policies and their assignments</h2>
${
  !d.targeting.collected
    ? html`<p class="muted">The last inventory collection has no targeting for this device (it is not in Intune, or no collection has run).</p>`
    : html`<p>Result: <strong>${TARGETING_LABEL[d.targeting.result ?? ''] ?? d.targeting.result ?? '–'}</strong>, as of the last inventory collection. Exclusions win over inclusions; user-scope settings win over device-scope ones.</p>
${reaching.length > 0 ? reaching.map(policyBox) : html`<p>No PIN recovery policy is assigned to this device or its users.</p>`}
${
  others.length > 0
    ? html`<details><summary>${count(others.length)} other PIN recovery ${others.length === 1 ? 'policy is' : 'policies are'} not assigned to this device or its users</summary>${others.map(policyBox)}</details>`
    : ''
}`
}
</section>`;

  const reports = d.history.reports;
  const history = html`<section class="card" aria-labelledby="history-h">
<h2 id="history-h">Report history</h2>
${
  reports.length === 0
    ? html`<p class="muted">No report from this device.</p>`
    : html`<div class="table-wrap"><table>
<caption class="visually-hidden">The device's latest reports, newest first, with each user's CanReset</caption>
<thead><tr><th scope="col">Received</th><th scope="col">Source</th><th scope="col">User</th><th scope="col">CanReset</th><th scope="col">Hello key id</th></tr></thead>
<tbody>${reports.flatMap((r) =>
        (r.users.length > 0 ? r.users : [null]).map(
          (
            u,
            i,
          ) => html`<tr>${i === 0 ? html`<td rowspan="${Math.max(1, r.users.length)}">${dateTime(r.receivedAt)}</td><td rowspan="${Math.max(1, r.users.length)}">${r.source}${r.trust === 'unverified' ? html` <span class="badge warn">Unverified</span>` : ''}</td>` : ''}
${u ? html`<td>${u.upn ?? html`<span class="mono">${u.userKey}</span>`}</td><td>${u.notUserContext ? html`<span class="badge warn">Not user context</span>` : canResetBadge(u.canReset, u.canResetRaw)}</td><td class="mono">${shortId(u.ngcKeyId)}</td>` : html`<td colspan="3" class="muted">No user in this report</td>`}</tr>`,
        ),
      )}</tbody></table></div>`
}
<h3>Key re-provisioning</h3>
${
  d.history.keyEvents.length === 0
    ? html`<p class="muted">No user's Hello key changed on this device.</p>`
    : html`<div class="table-wrap"><table>
<caption class="visually-hidden">A new Hello key id for the same user means the key was re-provisioned</caption>
<thead><tr><th scope="col">Detected</th><th scope="col">User</th><th scope="col">Old key</th><th scope="col">New key</th><th scope="col">Likely a destructive PIN reset</th></tr></thead>
<tbody>${d.history.keyEvents.map(
        (e) =>
          html`<tr><td>${dateTime(e.detectedReportAt)}</td><td>${e.upn ?? e.userKey}</td><td class="mono">${shortId(e.oldKeyId)}</td><td class="mono">${shortId(e.newKeyId)}</td><td>${e.likelyDestructive ? html`<span class="badge bad">Yes: the old key could only reset destructively</span>` : 'No'}</td></tr>`,
      )}</tbody></table></div>`
}
</section>`;

  return { title, body: html`<h1>${title}</h1>${facts}${why}${users}${policies}${history}` };
}
