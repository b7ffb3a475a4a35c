/**
 * The local host's stand-in for App Service Authentication ("Easy Auth") with the Microsoft
 * Entra provider in "allow anonymous" mode, the way infra/modules/console-auth.bicep configures
 * it in Azure. Local development only, never deployed. Like the platform it
 *  - serves /.auth/login/aad (here: a local sign-in page where you pick a name and app roles
 *    instead of Entra ID's), /.auth/login/aad/callback, /.auth/logout and /.auth/me;
 *  - keeps a session behind the AppServiceAuthSession cookie;
 *  - removes every X-MS-CLIENT-PRINCIPAL* and X-MS-TOKEN-* header a client sent, and injects
 *    its own for a signed-in session, so the app can believe them (shared/auth/access.ts).
 * Unauthenticated requests pass through: the app decides (sign-in redirect or 401/403 JSON).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { encodeClientPrincipal, ROLES } from '../shared/auth/principal.js';

export const SESSION_COOKIE = 'AppServiceAuthSession';
const SESSION_MS = 8 * 3_600_000; // Easy Auth's default cookie lifetime

export interface DevSignInOptions {
  /** Pre-filled on the sign-in page (DEV_USER). */
  user?: string;
  /** Pre-selected app roles (DEV_ROLES, comma-separated). */
  roles?: readonly string[];
}

interface Session {
  name: string;
  userId: string;
  roles: string[];
  expires: number;
}

/** Headers the platform owns: whatever a client sends under these names is dropped. */
export function isPlatformHeader(name: string): boolean {
  const n = name.toLowerCase();
  return n.startsWith('x-ms-client-principal') || n.startsWith('x-ms-token-');
}

/** Only a path on this host: never an absolute or protocol-relative URL (no open redirect). */
export function safeRedirectPath(value: string | null | undefined, fallback = '/'): string {
  if (!value?.startsWith('/') || value.startsWith('//') || value.startsWith('/\\')) return fallback;
  try {
    const u = new URL(value, 'http://localhost');
    return u.host === 'localhost' ? `${u.pathname}${u.search}` : fallback;
  } catch {
    return fallback;
  }
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function cookieValue(req: IncomingMessage, name: string): string | undefined {
  const header = req.headers.cookie ?? '';
  for (const part of header.split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === name) return v.join('=');
  }
  return undefined;
}

export class DevEasyAuth {
  private readonly sessions = new Map<string, Session>();
  private readonly defaultUser: string;
  private readonly defaultRoles: readonly string[];

  constructor(options: DevSignInOptions = {}) {
    this.defaultUser = options.user?.trim() || 'admin@contoso.example';
    this.defaultRoles = options.roles ?? [ROLES.reader];
  }

  /** The platform headers for this request's session (empty when signed out). */
  principalHeaders(req: IncomingMessage): Record<string, string> {
    const s = this.session(req);
    if (!s) return {};
    return {
      'x-ms-client-principal': encodeClientPrincipal({ name: s.name, roles: s.roles, userId: s.userId }),
      'x-ms-client-principal-id': s.userId,
      'x-ms-client-principal-name': s.name,
      'x-ms-client-principal-idp': 'aad',
    };
  }

  /** Handles /.auth/* and returns the status sent, or undefined for any other path. */
  async handle(req: IncomingMessage, res: ServerResponse, url: URL, body: () => Promise<Buffer>) {
    const path = url.pathname.toLowerCase();
    const method = (req.method ?? 'GET').toUpperCase();
    if (!path.startsWith('/.auth/')) return undefined;
    if (path === '/.auth/login/aad' && method === 'GET') {
      return this.page(res, url.searchParams.get('post_login_redirect_uri'));
    }
    if (path === '/.auth/login/aad/callback' && method === 'POST') {
      const form = new URLSearchParams((await body()).toString('utf8'));
      const name = (form.get('name') ?? '').trim();
      const redirect = safeRedirectPath(form.get('post_login_redirect_uri'));
      if (!name || name.length > 256) return this.page(res, redirect, 'Enter a user name.', 400);
      const roles = form.getAll('role').filter((r) => r === ROLES.reader || r === ROLES.admin);
      const id = randomBytes(32).toString('base64url');
      this.sessions.set(id, { name, roles, userId: randomUUID(), expires: Date.now() + SESSION_MS });
      res.statusCode = 302;
      res.setHeader('set-cookie', `${SESSION_COOKIE}=${id}; Path=/; HttpOnly; SameSite=Lax`);
      res.setHeader('location', redirect);
      res.end();
      return 302;
    }
    if (path === '/.auth/logout' && method === 'GET') {
      const id = cookieValue(req, SESSION_COOKIE);
      if (id) this.sessions.delete(id);
      res.statusCode = 302;
      res.setHeader('set-cookie', `${SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0`);
      res.setHeader('location', safeRedirectPath(url.searchParams.get('post_logout_redirect_uri')));
      res.end();
      return 302;
    }
    if (path === '/.auth/me' && method === 'GET') {
      const s = this.session(req);
      const me = s
        ? [
            {
              provider_name: 'aad',
              user_id: s.name,
              user_claims: [{ typ: 'name', val: s.name }, ...s.roles.map((r) => ({ typ: 'roles', val: r }))],
            },
          ]
        : [];
      res.statusCode = 200;
      res.setHeader('content-type', 'application/json; charset=utf-8');
      res.end(JSON.stringify(me));
      return 200;
    }
    res.statusCode = 404;
    res.setHeader('content-type', 'application/json; charset=utf-8');
    res.end(JSON.stringify({ error: { code: 'not_found', message: 'no such /.auth endpoint' } }));
    return 404;
  }

  private session(req: IncomingMessage): Session | undefined {
    const id = cookieValue(req, SESSION_COOKIE);
    if (!id) return undefined;
    const s = this.sessions.get(id);
    if (!s) return undefined;
    if (s.expires < Date.now()) {
      this.sessions.delete(id);
      return undefined;
    }
    return s;
  }

  private page(res: ServerResponse, redirect: string | null, error?: string, status = 200): number {
    const target = safeRedirectPath(redirect);
    const role = (value: string, label: string) =>
      `<label><input type="checkbox" name="role" value="${value}"${
        this.defaultRoles.includes(value) ? ' checked' : ''
      }> ${label} <code>${value}</code></label>`;
    const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sign in (local development) · ResetReady</title>
<style>body{font:15px/1.5 system-ui,"Segoe UI",sans-serif;margin:0;background:#f5f5f5;color:#1b1b1b}
main{max-width:28rem;margin:4rem auto;background:#fff;border:1px solid #d1d1d1;border-radius:6px;padding:1.5rem 2rem}
h1{font-size:1.25rem;margin:0 0 .25rem}p.note{color:#4a4a4a;margin:0 0 1rem}label{display:block;margin:.5rem 0}
input[type=text]{width:100%;box-sizing:border-box;padding:.4rem;border:1px solid #767676;border-radius:4px;font:inherit}
fieldset{border:1px solid #d1d1d1;border-radius:4px;margin:1rem 0}button{background:#0f6cbd;color:#fff;border:0;border-radius:4px;padding:.5rem 1.25rem;font:inherit;cursor:pointer}
button:focus-visible,input:focus-visible{outline:2px solid #0f6cbd;outline-offset:2px}.error{color:#b10e1c;font-weight:600}code{font-size:.85em}</style>
</head><body><main>
<h1>Sign in</h1>
<p class="note">Local development sign-in: it stands in for Microsoft Entra ID on this machine only. In Azure, App Service Authentication signs people in and the app roles come from Entra ID.</p>
${error ? `<p class="error" role="alert">${escapeHtml(error)}</p>` : ''}
<form method="post" action="/.auth/login/aad/callback">
<input type="hidden" name="post_login_redirect_uri" value="${escapeHtml(target)}">
<label for="name">User name</label>
<input type="text" id="name" name="name" autocomplete="username" value="${escapeHtml(this.defaultUser)}" required>
<fieldset><legend>App roles</legend>
${role(ROLES.reader, 'Reader')}
${role(ROLES.admin, 'Admin')}
</fieldset>
<button type="submit">Sign in</button>
</form></main></body></html>`;
    res.statusCode = status;
    res.setHeader('content-type', 'text/html; charset=utf-8');
    res.setHeader(
      'content-security-policy',
      "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'",
    );
    res.setHeader('cache-control', 'no-store');
    res.end(html);
    return status;
  }
}

/** Settings of the dev host's sign-in (not of the app: shared/config.ts never reads them). */
export const DEV_HOST_SETTINGS = ['DEV_SIGN_IN', 'DEV_USER', 'DEV_ROLES'] as const;

/**
 * The dev sign-in settings of `resetready serve` / `npm start`: on unless DEV_SIGN_IN=off;
 * DEV_USER pre-fills the name, DEV_ROLES (comma-separated: Reader, Admin or the full role
 * names; "none" for no role) pre-selects the roles.
 */
export function devSignInFromEnv(env: NodeJS.ProcessEnv): DevSignInOptions | { error: string } | undefined {
  const mode = (env.DEV_SIGN_IN ?? 'on').trim().toLowerCase();
  if (mode === 'off') return undefined;
  if (mode !== 'on') return { error: `DEV_SIGN_IN must be "on" or "off" (got "${env.DEV_SIGN_IN}")` };
  const roles: string[] = [];
  for (const raw of (env.DEV_ROLES ?? 'Reader').split(',')) {
    const r = raw.trim().toLowerCase();
    if (!r || r === 'none') continue;
    if (r === 'reader' || r === ROLES.reader.toLowerCase()) roles.push(ROLES.reader);
    else if (r === 'admin' || r === ROLES.admin.toLowerCase()) roles.push(ROLES.admin);
    else return { error: `DEV_ROLES: unknown role "${raw.trim()}" (use Reader, Admin or none)` };
  }
  return { ...(env.DEV_USER?.trim() ? { user: env.DEV_USER.trim() } : {}), roles };
}
