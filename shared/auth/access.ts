/**
 * Who may see the console, and whether to believe the X-MS-CLIENT-PRINCIPAL header at all.
 *
 * App Service Authentication strips client-supplied X-MS-* headers and injects its own, so
 * the header is proof of sign-in only behind it ("External requests aren't allowed to set
 * these headers", learn.microsoft.com/azure/app-service/configure-authentication-user-identities).
 * Anywhere else anyone can send it. So the header is believed only when
 *  - CONSOLE_AUTH=app-service (the Bicep sets it together with the auth settings), or
 *  - the local dev host announced in this process that it plays the platform's part (it
 *    strips and injects the same headers; see dev/easy-auth.ts).
 * Otherwise every console request is refused: no configuration opens it.
 */
import { canAdminister, canRead, type Principal, parseClientPrincipal, ROLES } from './principal.js';

export type ConsoleAuthMode = 'app-service' | 'off';

/** What a request needs: reading (Reader or Admin) or an action (Admin). */
export type Need = 'read' | 'admin';

export type AccessDecision =
  | { ok: true; principal: Principal }
  | { ok: false; status: 401; code: 'sign_in_required' | 'sign_in_not_configured'; message: string }
  | { ok: false; status: 403; code: 'role_required'; message: string; principal: Principal };

const DEV_HOST_SIGN_IN = Symbol.for('resetready.devHostSignIn');
type GlobalWithFlag = typeof globalThis & { [DEV_HOST_SIGN_IN]?: boolean };

/** Called by dev/host.ts only, in its own process, when it strips and injects the headers itself. */
export function announceDevHostSignIn(on = true): void {
  (globalThis as GlobalWithFlag)[DEV_HOST_SIGN_IN] = on;
}

export function devHostSignIn(): boolean {
  return (globalThis as GlobalWithFlag)[DEV_HOST_SIGN_IN] === true;
}

export function principalHeadersTrusted(mode: ConsoleAuthMode): boolean {
  return mode === 'app-service' || devHostSignIn();
}

interface HeaderSource {
  get(name: string): string | null;
}

export function decideAccess(headers: HeaderSource, mode: ConsoleAuthMode, need: Need): AccessDecision {
  if (!principalHeadersTrusted(mode)) {
    return {
      ok: false,
      status: 401,
      code: 'sign_in_not_configured',
      message:
        'sign-in is not configured: the console needs App Service Authentication (CONSOLE_AUTH=app-service) or the local dev host',
    };
  }
  const principal = parseClientPrincipal(
    headers.get('x-ms-client-principal'),
    headers.get('x-ms-client-principal-name'),
  );
  if (!principal) {
    return { ok: false, status: 401, code: 'sign_in_required', message: 'sign in with Microsoft Entra ID' };
  }
  const allowed = need === 'admin' ? canAdminister(principal) : canRead(principal);
  if (!allowed) {
    const role = need === 'admin' ? ROLES.admin : `${ROLES.reader} or ${ROLES.admin}`;
    return {
      ok: false,
      status: 403,
      code: 'role_required',
      message: `${principal.name} is signed in but does not hold the app role ${role}`,
      principal,
    };
  }
  return { ok: true, principal };
}
