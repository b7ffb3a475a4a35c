/**
 * Who gets into the console: the App Service Authentication principal header is read the way
 * the platform writes it, believed only when the app is configured to run behind the platform
 * (or the dev host announced it plays that part), and the app roles decide Reader/Admin.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { devSignInFromEnv, isPlatformHeader, safeRedirectPath } from '../../dev/easy-auth.js';
import { announceDevHostSignIn, decideAccess } from '../../shared/auth/access.js';
import { encodeClientPrincipal, parseClientPrincipal, ROLES } from '../../shared/auth/principal.js';

/** What App Service Authentication sends for an Entra ID user (configure-authentication-user-identities). */
function platformHeader(roles: string[], name = 'alice@contoso.com'): string {
  return Buffer.from(
    JSON.stringify({
      auth_typ: 'aad',
      name_typ: 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress',
      role_typ: 'http://schemas.microsoft.com/ws/2008/06/identity/claims/role',
      claims: [
        { typ: 'aud', val: '7a1a5c1e-0000-4000-8000-000000000001' },
        {
          typ: 'http://schemas.microsoft.com/identity/claims/objectidentifier',
          val: 'c0ffee00-0000-4000-8000-000000000002',
        },
        { typ: 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress', val: name },
        { typ: 'name', val: 'Alice Example' },
        ...roles.map((r) => ({ typ: 'roles', val: r })),
      ],
    }),
  ).toString('base64');
}

const headers = (h: Record<string, string>) => new Headers(h);

afterEach(() => announceDevHostSignIn(false));

describe('client principal header', () => {
  it('reads name, object id and app roles from the platform shape', () => {
    expect(parseClientPrincipal(platformHeader([ROLES.reader, 'Other.Role']))).toEqual({
      userId: 'c0ffee00-0000-4000-8000-000000000002',
      name: 'alice@contoso.com',
      identityProvider: 'aad',
      roles: [ROLES.reader, 'Other.Role'],
    });
  });

  it('round-trips what the dev host encodes', () => {
    const p = parseClientPrincipal(encodeClientPrincipal({ name: 'bob@contoso.com', roles: [ROLES.admin] }));
    expect(p).toMatchObject({ name: 'bob@contoso.com', roles: [ROLES.admin] });
  });

  it('is null for absent, non-base64-JSON or claim-less headers', () => {
    expect(parseClientPrincipal(null)).toBeNull();
    expect(parseClientPrincipal('not base64 json')).toBeNull();
    expect(parseClientPrincipal(Buffer.from('{"claims":"x"}').toString('base64'))).toBeNull();
    expect(parseClientPrincipal(Buffer.from('{"claims":[]}').toString('base64'))).toBeNull();
  });

  it('falls back to X-MS-CLIENT-PRINCIPAL-NAME when no claim names the user', () => {
    const bare = Buffer.from(
      JSON.stringify({ auth_typ: 'aad', claims: [{ typ: 'roles', val: ROLES.reader }] }),
    ).toString('base64');
    expect(parseClientPrincipal(bare, 'carol@contoso.com')?.name).toBe('carol@contoso.com');
  });
});

describe('console access', () => {
  it('believes no header unless CONSOLE_AUTH=app-service or the dev host plays the platform', () => {
    const d = decideAccess(
      headers({ 'x-ms-client-principal': platformHeader([ROLES.admin]) }),
      'off',
      'read',
    );
    expect(d).toMatchObject({ ok: false, status: 401, code: 'sign_in_not_configured' });
    announceDevHostSignIn();
    expect(
      decideAccess(headers({ 'x-ms-client-principal': platformHeader([ROLES.admin]) }), 'off', 'read').ok,
    ).toBe(true);
  });

  it('behind the platform: signed out is 401, signed in without a role is 403, a Reader reads', () => {
    expect(decideAccess(headers({}), 'app-service', 'read')).toMatchObject({
      status: 401,
      code: 'sign_in_required',
    });
    expect(
      decideAccess(headers({ 'x-ms-client-principal': platformHeader([]) }), 'app-service', 'read'),
    ).toMatchObject({
      status: 403,
      code: 'role_required',
      message: expect.stringContaining('alice@contoso.com'),
    });
    const reader = decideAccess(
      headers({ 'x-ms-client-principal': platformHeader([ROLES.reader]) }),
      'app-service',
      'read',
    );
    expect(reader).toMatchObject({ ok: true, principal: { name: 'alice@contoso.com' } });
  });

  it('actions need Admin; an Admin also reads', () => {
    const reader = headers({ 'x-ms-client-principal': platformHeader([ROLES.reader]) });
    const admin = headers({ 'x-ms-client-principal': platformHeader([ROLES.admin]) });
    expect(decideAccess(reader, 'app-service', 'admin')).toMatchObject({
      status: 403,
      code: 'role_required',
    });
    expect(decideAccess(admin, 'app-service', 'admin').ok).toBe(true);
    expect(decideAccess(admin, 'app-service', 'read').ok).toBe(true);
  });

  it('a role name in another claim type (a group, a scope) grants nothing', () => {
    const h = Buffer.from(
      JSON.stringify({
        auth_typ: 'aad',
        claims: [
          { typ: 'name', val: 'eve@contoso.com' },
          { typ: 'groups', val: ROLES.admin },
          { typ: 'http://schemas.microsoft.com/identity/claims/scope', val: ROLES.reader },
        ],
      }),
    ).toString('base64');
    expect(decideAccess(headers({ 'x-ms-client-principal': h }), 'app-service', 'read')).toMatchObject({
      status: 403,
    });
  });
});

describe('dev host sign-in helpers', () => {
  it('redirects only to a path on this host', () => {
    expect(safeRedirectPath('/api/console/devices?posture=destructiveOnly')).toBe(
      '/api/console/devices?posture=destructiveOnly',
    );
    for (const bad of [
      'https://evil.example/',
      '//evil.example/x',
      '/\\evil.example',
      'javascript:alert(1)',
      '',
      null,
    ]) {
      expect(safeRedirectPath(bad)).toBe('/');
    }
  });

  it('treats every X-MS-CLIENT-PRINCIPAL* and X-MS-TOKEN-* header as the platform’s', () => {
    expect(
      ['X-MS-CLIENT-PRINCIPAL', 'x-ms-client-principal-name', 'X-MS-TOKEN-AAD-ID-TOKEN'].every(
        isPlatformHeader,
      ),
    ).toBe(true);
    expect(isPlatformHeader('x-ms-request-id')).toBe(false);
  });

  it('reads DEV_SIGN_IN, DEV_USER and DEV_ROLES', () => {
    expect(devSignInFromEnv({})).toEqual({ roles: [ROLES.reader] });
    expect(devSignInFromEnv({ DEV_SIGN_IN: 'off' })).toBeUndefined();
    expect(devSignInFromEnv({ DEV_USER: 'dana@contoso.com', DEV_ROLES: 'reader, Admin' })).toEqual({
      user: 'dana@contoso.com',
      roles: [ROLES.reader, ROLES.admin],
    });
    expect(devSignInFromEnv({ DEV_ROLES: 'none' })).toEqual({ roles: [] });
    expect(devSignInFromEnv({ DEV_ROLES: 'Owner' })).toEqual({ error: expect.stringContaining('"Owner"') });
    expect(devSignInFromEnv({ DEV_SIGN_IN: 'maybe' })).toEqual({
      error: expect.stringContaining('DEV_SIGN_IN'),
    });
  });
});

describe('dev host settings are documented', () => {
  it('docs/console.md has a row for each, with its default', async () => {
    const { readFileSync } = await import('node:fs');
    const { DEV_HOST_SETTINGS } = await import('../../dev/easy-auth.js');
    const doc = readFileSync(new URL('../../docs/console.md', import.meta.url), 'utf8');
    for (const name of DEV_HOST_SETTINGS) expect(doc).toMatch(new RegExp(`^\\| \`${name}\` \\|`, 'm'));
    expect(doc).toContain('| `DEV_SIGN_IN` | `on` |');
    expect(doc).toContain('| `DEV_ROLES` | `Reader` |');
  });
});
