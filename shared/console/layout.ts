/**
 * The page shell every console page shares: skip link, banner with navigation and the signed-in
 * person, one <main>, and the response headers (a Content-Security-Policy that allows nothing
 * but this app's stylesheet: no script at all, no font or image from elsewhere).
 */
import type { Principal } from '../auth/principal.js';
import { type Html, html } from './html.js';
import { CONSOLE_CSS_NAME } from './style.js';

/** Where the console lives (the Functions route prefix "api" + "console"). */
export const CONSOLE_BASE = '/api/console';

export const CONSOLE_CSP =
  "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; " +
  "frame-ancestors 'none'; base-uri 'none'";

export const PAGE_HEADERS: Record<string, string> = {
  'content-type': 'text/html; charset=utf-8',
  'content-security-policy': CONSOLE_CSP,
  'x-content-type-options': 'nosniff',
  // Device ids live in console paths: never hand them to learn.microsoft.com in a Referer.
  'referrer-policy': 'same-origin',
  'cache-control': 'no-store',
};

export type Section = 'overview' | 'devices' | 'tenant' | 'alerts' | 'report';

const NAV: { section: Section; label: string; path: string }[] = [
  { section: 'overview', label: 'Overview', path: '' },
  { section: 'devices', label: 'Devices', path: '/devices' },
  { section: 'tenant', label: 'Tenant readiness', path: '/tenant' },
  { section: 'alerts', label: 'Alerts', path: '/alerts' },
  { section: 'report', label: 'Weekly report', path: '/report' },
];

export interface PageOptions {
  title: string;
  section: Section | null;
  principal: Principal | null;
  body: Html;
  /** Breadcrumb trail above the heading (label, href); the page's own title is last. */
  crumbs?: { label: string; href: string }[];
}

export function consoleUrl(path = ''): string {
  return `${CONSOLE_BASE}${path}`;
}

export function page(o: PageOptions): string {
  const nav = NAV.map(
    (n) =>
      html`<li><a href="${consoleUrl(n.path)}"${n.section === o.section ? html` aria-current="page"` : ''}>${n.label}</a></li>`,
  );
  const who = o.principal
    ? html`<div class="who"><span>Signed in as <strong>${o.principal.name}</strong>${
        o.principal.roles.length > 0
          ? html` <span class="visually-hidden">with roles ${o.principal.roles.join(', ')}</span>`
          : ''
      }</span><a href="/.auth/logout?post_logout_redirect_uri=${encodeURIComponent(CONSOLE_BASE)}">Sign out</a></div>`
    : '';
  const crumbs = o.crumbs?.length
    ? html`<nav aria-label="Breadcrumb" class="crumbs">${o.crumbs.map((c) => html`<a href="${c.href}">${c.label}</a> › `)}<span aria-current="page">${o.title}</span></nav>`
    : '';
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="same-origin">
<title>${o.title} · ResetReady</title>
<link rel="stylesheet" href="${consoleUrl(`/assets/${CONSOLE_CSS_NAME}`)}">
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header class="top">
<a class="product" href="${consoleUrl()}">ResetReady</a>
<nav aria-label="Console"><ul>${nav}</ul></nav>
${who}
</header>
<main id="main" tabindex="-1">
${crumbs}
${o.body}
</main>
<footer class="page"><p>ResetReady: Windows Hello for Business PIN reset readiness, from Intune and the devices' own reports.</p></footer>
</body>
</html>
`.value;
}
