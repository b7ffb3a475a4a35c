/**
 * Directory routes (graph.md §8–§10, §17): /devices with its alternate key and delta,
 * group transitiveMembers (nested groups flattened, cast segments), servicePrincipals,
 * organization, users and sendMail.
 */
import { clauses, type FilterExpr, type FilterSyntaxError, matches, parseFilter } from './filter.js';
import type { EntraDevice, Group, ServicePrincipal, User } from './model.js';
import {
  applySelect,
  badRequest,
  collectionBody,
  contextUrl,
  type GraphHttpError,
  notFound,
  type PageOptions,
  page,
  queryWithoutPaging,
  type SimRequest,
  type SimResponse,
  selectList,
} from './odata.js';
import { grants, MEMBER_READ } from './permissions.js';
import { BOTH, type Route, type RouteContext } from './routes.js';

const DEVICE_PROPERTIES = [
  'id',
  'deletedDateTime',
  'accountEnabled',
  'alternativeSecurityIds',
  'approximateLastSignInDateTime',
  'complianceExpirationDateTime',
  'createdDateTime',
  'deviceCategory',
  'deviceId',
  'deviceMetadata',
  'deviceOwnership',
  'deviceVersion',
  'displayName',
  'enrollmentProfileName',
  'enrollmentType',
  'extensionAttributes',
  'isCompliant',
  'isManaged',
  'isManagementRestricted',
  'isRooted',
  'managementType',
  'manufacturer',
  'mdmAppId',
  'model',
  'onPremisesLastSyncDateTime',
  'onPremisesSecurityIdentifier',
  'onPremisesSyncEnabled',
  'operatingSystem',
  'operatingSystemVersion',
  'physicalIds',
  'profileType',
  'registrationDateTime',
  'systemLabels',
  'trustType',
] as const;

const USER_PROPERTIES = [
  'id',
  'businessPhones',
  'displayName',
  'givenName',
  'jobTitle',
  'mail',
  'mobilePhone',
  'officeLocation',
  'preferredLanguage',
  'surname',
  'userPrincipalName',
  'accountEnabled',
  'userType',
  'onPremisesSecurityIdentifier',
] as const;

const GROUP_PROPERTIES = [
  'id',
  'displayName',
  'description',
  'securityEnabled',
  'mailEnabled',
  'groupTypes',
  'membershipRule',
  'createdDateTime',
] as const;

const SP_PROPERTIES = [
  'id',
  'appId',
  'displayName',
  'appDisplayName',
  'accountEnabled',
  'servicePrincipalType',
  'appOwnerOrganizationId',
  'signInAudience',
  'tags',
  'servicePrincipalNames',
  'appRoles',
  'oauth2PermissionScopes',
] as const;

function deviceView(d: EntraDevice): Record<string, unknown> {
  // Default (no $select) responses carry the full property set; unset ones are null.
  const out: Record<string, unknown> = {};
  for (const k of DEVICE_PROPERTIES) out[k] = (d as unknown as Record<string, unknown>)[k] ?? null;
  out.extensionAttributes = null;
  return out;
}

function userView(u: User): Record<string, unknown> {
  return {
    id: u.id,
    businessPhones: [],
    displayName: u.displayName,
    givenName: null,
    jobTitle: null,
    mail: u.mail,
    mobilePhone: null,
    officeLocation: null,
    preferredLanguage: null,
    surname: null,
    userPrincipalName: u.userPrincipalName,
    accountEnabled: u.accountEnabled,
    onPremisesSecurityIdentifier: u.onPremisesSecurityIdentifier ?? null,
    userType: u.userType,
  };
}

function groupView(g: Group): Record<string, unknown> {
  const { members: _members, ...rest } = g;
  return rest;
}

function spView(sp: ServicePrincipal): Record<string, unknown> {
  return { ...sp, appRoles: [], oauth2PermissionScopes: [] };
}

function directoryPaging(ctx: RouteContext): PageOptions {
  const { req, pageSizes } = ctx;
  if (req.query.has('$skip'))
    throw badRequest("'$skip' is not supported by the service.", 'Request_BadRequest');
  const count = req.query.get('$count');
  if (
    count !== null &&
    count.toLowerCase() === 'true' &&
    (req.headers.consistencylevel ?? '').toLowerCase() !== 'eventual'
  ) {
    // Directory $count is an advanced query (graph.md §4.2).
    throw badRequest('$count is not currently supported.', 'Request_BadRequest');
  }
  return {
    pageSize: pageSizes.directory,
    maxTop: pageSizes.directoryMaxTop,
    strictTop: true,
    count: count?.toLowerCase() === 'true' ? 'first' : 'none',
  };
}

/** Directory $filter: listed properties only, else 400 (unlike Intune, which ignores). */
function directoryFilter(req: SimRequest, resource: string, allowed: readonly string[]): FilterExpr | null {
  const raw = req.query.get('$filter');
  if (raw === null) return null;
  let expr: FilterExpr;
  try {
    expr = parseFilter(raw);
  } catch (e) {
    throw badRequest(`Invalid filter clause: ${(e as FilterSyntaxError).message}`, 'BadRequest');
  }
  const advanced =
    (req.headers.consistencylevel ?? '').toLowerCase() === 'eventual' &&
    req.query.get('$count')?.toLowerCase() === 'true';
  for (const c of clauses(expr)) {
    if (!allowed.some((a) => a.toLowerCase() === c.property.toLowerCase())) {
      throw badRequest(
        `Unsupported or invalid query filter clause specified for property '${c.property}' of resource '${resource}'.`,
        'Request_UnsupportedQuery',
      );
    }
    const needsAdvanced =
      (c.kind === 'compare' && c.op === 'ne') || (c.kind === 'function' && c.fn !== 'startswith');
    if (needsAdvanced && !advanced) throw badRequest('Unsupported query.', 'Request_UnsupportedQuery');
  }
  if (!advanced && JSON.stringify(expr).includes('"not"'))
    throw badRequest('Unsupported query.', 'Request_UnsupportedQuery');
  return expr;
}

function entity(req: SimRequest, set: string, item: Record<string, unknown>): SimResponse {
  return { status: 200, body: { '@odata.context': contextUrl(req, `${set}/$entity`), ...item } };
}

function listOf(
  ctx: RouteContext,
  set: string,
  typeName: string,
  known: readonly string[],
  items: Record<string, unknown>[],
  filter: FilterExpr | null,
  paging: PageOptions = directoryPaging(ctx),
  strictSelect = true,
): SimResponse {
  const select = selectList(ctx.req);
  const filtered = filter ? items.filter((i) => matches(i, filter)) : items;
  const p = page(ctx.req, filtered, paging);
  const value = p.items.map((i) => applySelect(i, select, typeName, known, strictSelect));
  return { status: 200, body: collectionBody(ctx.req, set, { ...p, items: value }, paging, select) };
}

function notInDirectory(id: string): GraphHttpError {
  return notFound(
    `Resource '${id}' does not exist or one of its queried reference-property objects are not present.`,
    'Request_ResourceNotFound',
  );
}

function listDevices(ctx: RouteContext): SimResponse {
  const filter = directoryFilter(ctx.req, 'Device', [
    'id',
    'deviceId',
    'displayName',
    'accountEnabled',
    'operatingSystem',
    'operatingSystemVersion',
    'trustType',
    'isCompliant',
    'isManaged',
    'approximateLastSignInDateTime',
    'mdmAppId',
    'profileType',
  ]);
  const paging = directoryPaging(ctx);
  const { tenant } = ctx;
  // The common "deviceId eq '…'" lookup is served from the index instead of a scan.
  if (filter?.kind === 'compare' && filter.op === 'eq' && filter.property.toLowerCase() === 'deviceid') {
    const d = typeof filter.value === 'string' ? tenant.entraDeviceByDeviceId(filter.value) : undefined;
    return listOf(
      ctx,
      'devices',
      'microsoft.graph.device',
      DEVICE_PROPERTIES,
      d ? [deviceView(d)] : [],
      null,
      paging,
    );
  }
  // Page first, then build views of the page only (a streaming tenant renders nothing else).
  const select = selectList(ctx.req);
  const p = page(
    ctx.req,
    tenant.entraDeviceSeq(),
    paging,
    filter ? (d) => matches(deviceView(d), filter) : null,
    `devices ${JSON.stringify(filter)}`,
  );
  const value = p.items.map((d) =>
    applySelect(deviceView(d), select, 'microsoft.graph.device', DEVICE_PROPERTIES, true),
  );
  return { status: 200, body: collectionBody(ctx.req, 'devices', { ...p, items: value }, paging, select) };
}

function deviceDelta(ctx: RouteContext): SimResponse {
  const { req, tenant } = ctx;
  const select = selectList(req);
  const paging: PageOptions = {
    pageSize: ctx.pageSizes.directory,
    maxTop: ctx.pageSizes.directoryMaxTop,
    strictTop: true,
  };
  if (req.query.has('$deltatoken')) {
    // No change tracking: a delta round after the initial sync reports no changes.
    return {
      status: 200,
      body: {
        '@odata.context': contextUrl(req, 'devices', select),
        '@odata.deltaLink': `${req.origin}/${req.version}/devices/delta?${req.rawQuery}`,
        value: [],
      },
    };
  }
  const p = page(req, tenant.entraDeviceSeq(), paging);
  const body = collectionBody(
    req,
    'devices',
    {
      ...p,
      items: p.items.map((d) =>
        applySelect(deviceView(d), select, 'microsoft.graph.device', DEVICE_PROPERTIES, true),
      ),
    },
    paging,
    select,
  );
  if (!p.nextLink) {
    const token = Buffer.from(JSON.stringify({ t: ctx.now })).toString('base64url');
    body['@odata.deltaLink'] =
      `${req.origin}/${req.version}/devices/delta?${[...queryWithoutPaging(req.rawQuery), `$deltatoken=${token}`].join('&')}`;
  }
  return { status: 200, body };
}

type Cast = 'device' | 'user' | 'group' | null;

function transitiveMembers(ctx: RouteContext, cast: Cast): SimResponse {
  const { req, tenant, params } = ctx;
  const g = tenant.group(params.id as string);
  if (!g || g.id !== (params.id as string).toLowerCase()) throw notInDirectory(params.id as string);
  const paging = directoryPaging(ctx);
  const select = selectList(req);
  const ids = tenant.transitiveMemberSeq(g.id);
  const rawFilter = req.query.get('$filter');
  let filter: FilterExpr | null = null;
  if (rawFilter !== null) {
    try {
      filter = parseFilter(rawFilter);
    } catch (e) {
      throw badRequest(`Invalid filter clause: ${(e as FilterSyntaxError).message}`);
    }
  }
  const view = (id: string): Record<string, unknown> => {
    const m = tenant.memberObject(id);
    if (!m) return { id };
    if (!grants(ctx.granted, MEMBER_READ[m.kind])) {
      // "Limited information": the app may list the member but not read its type.
      return { '@odata.type': `#microsoft.graph.${m.kind}`, id };
    }
    const v =
      m.kind === 'user' ? userView(m.value) : m.kind === 'device' ? deviceView(m.value) : groupView(m.value);
    const known =
      m.kind === 'user' ? USER_PROPERTIES : m.kind === 'device' ? DEVICE_PROPERTIES : GROUP_PROPERTIES;
    // Cast collections omit @odata.type (graph.md §8); the mixed list needs it to tell members apart.
    const typed = cast
      ? {
          '@odata.id': `${req.origin}/v2/${tenant.tenantId}/directoryObjects/${id}/Microsoft.DirectoryServices.${m.kind === 'user' ? 'User' : m.kind === 'device' ? 'Device' : 'Group'}`,
          ...v,
        }
      : { '@odata.type': `#microsoft.graph.${m.kind}`, ...v };
    // directoryObject collections accept any member type's property in $select.
    return applySelect(typed, select, 'microsoft.graph.directoryObject', known, false);
  };
  const castOk = (id: string) => !cast || tenant.objectKind(id) === cast;
  const match = filter
    ? (id: string) => castOk(id) && matches(view(id), filter as FilterExpr)
    : cast
      ? castOk
      : null;
  const countKey = `members ${g.id} ${cast} ${rawFilter} ${req.query.get('$select')} ${ctx.granted ? [...ctx.granted].sort().join(',') : '*'}`;
  const p = page(req, ids, paging, match, countKey);
  const value = p.items.map(view);
  const set = cast ? `${cast}s` : 'directoryObjects';
  return { status: 200, body: collectionBody(req, set, { ...p, items: value }, paging, select) };
}

function findUser(ctx: RouteContext): User {
  const key = decodeURIComponent(ctx.params.id as string);
  const u = ctx.tenant.user(key);
  if (!u) throw notInDirectory(key);
  return u;
}

function sendMail(ctx: RouteContext): SimResponse {
  findUser(ctx);
  const body = ctx.req.body as { message?: Record<string, unknown>; saveToSentItems?: unknown } | null;
  const message = body?.message as
    | {
        subject?: string;
        body?: { contentType?: string; content?: string };
        toRecipients?: { emailAddress?: { address?: string } }[];
        ccRecipients?: { emailAddress?: { address?: string } }[];
        attachments?: { name?: string; contentType?: string; contentBytes?: string }[];
      }
    | undefined;
  if (!message || typeof message !== 'object')
    throw badRequest('Empty Payload. JSON content expected.', 'ErrorInvalidRequest');
  const to = (message.toRecipients ?? []).map((r) => r.emailAddress?.address ?? '').filter(Boolean);
  if (to.length === 0) {
    throw badRequest(
      "At least one recipient is not valid., A message can't be sent because it contains no recipients.",
      'ErrorInvalidRecipients',
    );
  }
  ctx.sentMail.push({
    from: decodeURIComponent(ctx.params.id as string),
    subject: message.subject ?? '',
    bodyContentType: message.body?.contentType ?? 'Text',
    body: message.body?.content ?? '',
    toRecipients: to,
    ccRecipients: (message.ccRecipients ?? []).map((r) => r.emailAddress?.address ?? '').filter(Boolean),
    attachments: (message.attachments ?? []).map((a) => ({
      name: a.name ?? '',
      contentType: a.contentType ?? 'application/octet-stream',
      content: Buffer.from(a.contentBytes ?? '', 'base64'),
    })),
    saveToSentItems: body?.saveToSentItems !== false,
    receivedAt: new Date(ctx.now).toISOString(),
  });
  return { status: 202 };
}

export const directoryRoutes: Route[] = [
  { method: 'GET', template: '/devices', versions: BOTH, family: 'identity', handle: listDevices },
  { method: 'GET', template: '/devices/delta', versions: BOTH, family: 'identity', handle: deviceDelta },
  {
    method: 'GET',
    template: "/devices(deviceId='{deviceId}')",
    versions: BOTH,
    family: 'identity',
    handle: (ctx) => {
      const d = ctx.tenant.entraDeviceByDeviceId(ctx.params.deviceId as string);
      if (!d) throw notInDirectory(ctx.params.deviceId as string);
      return entity(
        ctx.req,
        'devices',
        applySelect(deviceView(d), selectList(ctx.req), 'microsoft.graph.device', DEVICE_PROPERTIES, true),
      );
    },
  },
  {
    method: 'GET',
    template: '/devices/{id}',
    versions: BOTH,
    family: 'identity',
    handle: (ctx) => {
      // Object id only: a deviceId here is a 404, as in Graph (id ≠ deviceId).
      const d = ctx.tenant.entraDeviceByObjectId(ctx.params.id as string);
      if (!d) throw notInDirectory(ctx.params.id as string);
      return entity(
        ctx.req,
        'devices',
        applySelect(deviceView(d), selectList(ctx.req), 'microsoft.graph.device', DEVICE_PROPERTIES, true),
      );
    },
  },
  {
    method: 'GET',
    template: '/groups/{id}/transitiveMembers',
    versions: BOTH,
    family: 'identity',
    cost: 5,
    handle: (c) => transitiveMembers(c, null),
  },
  {
    method: 'GET',
    template: '/groups/{id}/transitiveMembers/microsoft.graph.device',
    versions: BOTH,
    family: 'identity',
    cost: 5,
    handle: (c) => transitiveMembers(c, 'device'),
  },
  {
    method: 'GET',
    template: '/groups/{id}/transitiveMembers/microsoft.graph.user',
    versions: BOTH,
    family: 'identity',
    cost: 5,
    handle: (c) => transitiveMembers(c, 'user'),
  },
  {
    method: 'GET',
    template: '/groups/{id}/transitiveMembers/microsoft.graph.group',
    versions: BOTH,
    family: 'identity',
    cost: 5,
    handle: (c) => transitiveMembers(c, 'group'),
  },
  {
    method: 'GET',
    template: '/groups/{id}',
    versions: BOTH,
    family: 'identity',
    handle: (ctx) => {
      const g = ctx.tenant.group(ctx.params.id as string);
      if (!g || g.id !== (ctx.params.id as string).toLowerCase())
        throw notInDirectory(ctx.params.id as string);
      return entity(
        ctx.req,
        'groups',
        applySelect(groupView(g), selectList(ctx.req), 'microsoft.graph.group', GROUP_PROPERTIES, true),
      );
    },
  },
  {
    method: 'GET',
    template: '/servicePrincipals',
    versions: BOTH,
    family: 'identity',
    handle: (ctx) => {
      const filter = directoryFilter(ctx.req, 'ServicePrincipal', [
        'id',
        'appId',
        'displayName',
        'accountEnabled',
        'servicePrincipalType',
        'appOwnerOrganizationId',
      ]);
      return listOf(
        ctx,
        'servicePrincipals',
        'microsoft.graph.servicePrincipal',
        SP_PROPERTIES,
        ctx.tenant.servicePrincipals.map(spView),
        filter,
      );
    },
  },
  {
    method: 'GET',
    template: "/servicePrincipals(appId='{appId}')",
    versions: BOTH,
    family: 'identity',
    handle: (ctx) => {
      const sp = ctx.tenant.servicePrincipalByAppId(ctx.params.appId as string);
      if (!sp) throw notInDirectory(ctx.params.appId as string);
      return entity(
        ctx.req,
        'servicePrincipals',
        applySelect(spView(sp), selectList(ctx.req), 'microsoft.graph.servicePrincipal', SP_PROPERTIES, true),
      );
    },
  },
  {
    method: 'GET',
    template: '/servicePrincipals/{id}',
    versions: BOTH,
    family: 'identity',
    handle: (ctx) => {
      const id = (ctx.params.id as string).toLowerCase();
      const sp = ctx.tenant.servicePrincipals.find((s) => s.id === id);
      if (!sp) throw notInDirectory(id);
      return entity(
        ctx.req,
        'servicePrincipals',
        applySelect(spView(sp), selectList(ctx.req), 'microsoft.graph.servicePrincipal', SP_PROPERTIES, true),
      );
    },
  },
  {
    method: 'GET',
    template: '/organization',
    versions: BOTH,
    family: 'identity',
    handle: (ctx) => {
      const org = ctx.tenant.organization as unknown as Record<string, unknown>;
      return listOf(ctx, 'organization', 'microsoft.graph.organization', Object.keys(org), [org], null);
    },
  },
  {
    method: 'GET',
    template: '/users/{id}',
    versions: BOTH,
    family: 'identity',
    handle: (ctx) =>
      entity(
        ctx.req,
        'users',
        applySelect(
          userView(findUser(ctx)),
          selectList(ctx.req),
          'microsoft.graph.user',
          USER_PROPERTIES,
          true,
        ),
      ),
  },
  {
    method: 'POST',
    template: '/users/{id}/sendMail',
    versions: ['v1.0', 'beta'],
    family: 'outlook',
    handle: sendMail,
  },
];
