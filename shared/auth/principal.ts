/**
 * The signed-in person as App Service Authentication ("Easy Auth") describes them: the
 * X-MS-CLIENT-PRINCIPAL header, base64 of `{ auth_typ, name_typ, role_typ, claims: [{typ, val}] }`
 * (learn.microsoft.com/azure/app-service/configure-authentication-user-identities). Pure: which
 * headers to believe at all is decided in access.ts.
 */

export const ROLES = {
  /** Reads the console, the report and the read API. */
  reader: 'ResetReady.Reader',
  /** Everything a Reader may, plus actions that change state (e.g. start a collection now). */
  admin: 'ResetReady.Admin',
} as const;

export type RoleName = (typeof ROLES)[keyof typeof ROLES];

export interface Principal {
  /** Entra object id (oid) when the token carried one. */
  userId: string | null;
  /** What a person recognises: UPN, e-mail or display name. */
  name: string;
  identityProvider: string;
  /** App roles (the `roles` claim), as assigned in Entra ID › Enterprise applications. */
  roles: string[];
}

interface RawClaim {
  typ?: unknown;
  val?: unknown;
}

interface RawPrincipal {
  auth_typ?: unknown;
  name_typ?: unknown;
  role_typ?: unknown;
  claims?: unknown;
}

const ROLE_CLAIM_TYPES = ['roles', 'http://schemas.microsoft.com/ws/2008/06/identity/claims/role'];
const OID_CLAIM_TYPES = ['http://schemas.microsoft.com/identity/claims/objectidentifier', 'oid'];
const NAME_CLAIM_TYPES = [
  'preferred_username',
  'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn',
  'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress',
  'name',
];

/** The header's principal, or null when it is absent or not the documented shape. */
export function parseClientPrincipal(
  header: string | null | undefined,
  fallbackName?: string | null,
): Principal | null {
  if (!header || header.length > 64 * 1024) return null;
  let raw: RawPrincipal;
  try {
    raw = JSON.parse(Buffer.from(header, 'base64').toString('utf8')) as RawPrincipal;
  } catch {
    return null;
  }
  if (!raw || typeof raw !== 'object' || !Array.isArray(raw.claims)) return null;
  const claims = (raw.claims as RawClaim[]).filter(
    (c): c is { typ: string; val: string } => !!c && typeof c.typ === 'string' && typeof c.val === 'string',
  );
  const all = (types: readonly string[]) => claims.filter((c) => types.includes(c.typ)).map((c) => c.val);
  const roleType = typeof raw.role_typ === 'string' ? raw.role_typ : null;
  const roles = [...new Set(all(roleType ? [roleType, ...ROLE_CLAIM_TYPES] : ROLE_CLAIM_TYPES))];
  const nameType = typeof raw.name_typ === 'string' ? raw.name_typ : null;
  const name =
    (nameType ? all([nameType])[0] : undefined) ?? all(NAME_CLAIM_TYPES)[0] ?? fallbackName ?? null;
  if (!name) return null;
  return {
    userId: all(OID_CLAIM_TYPES)[0] ?? null,
    name,
    identityProvider: typeof raw.auth_typ === 'string' ? raw.auth_typ : 'unknown',
    roles,
  };
}

/** The header value the platform would send for this person (the dev host and tests build it). */
export function encodeClientPrincipal(p: {
  name: string;
  roles: readonly string[];
  userId?: string;
}): string {
  const claims = [
    { typ: 'name', val: p.name },
    { typ: 'preferred_username', val: p.name },
    ...(p.userId
      ? [{ typ: 'http://schemas.microsoft.com/identity/claims/objectidentifier', val: p.userId }]
      : []),
    ...p.roles.map((r) => ({ typ: 'roles', val: r })),
  ];
  const raw = { auth_typ: 'aad', name_typ: 'preferred_username', role_typ: 'roles', claims };
  return Buffer.from(JSON.stringify(raw), 'utf8').toString('base64');
}

export function canRead(p: Principal): boolean {
  return p.roles.includes(ROLES.reader) || p.roles.includes(ROLES.admin);
}

export function canAdminister(p: Principal): boolean {
  return p.roles.includes(ROLES.admin);
}
