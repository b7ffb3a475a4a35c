/**
 * Intune routes (graph.md §2, §4.1, §6, §7, §11): managedDevices with Intune's lenient
 * $filter (unsupported clauses silently ignored), settings-catalog configurationPolicies
 * (beta, page 25, @odata.count, tips, cosmos-style skiptoken), deviceConfigurations,
 * intents and deviceHealthScripts run states.
 */
import { dropClauses, type FilterExpr, type FilterSyntaxError, matches, parseFilter } from './filter.js';
import {
  type Assignment,
  type AssignmentTarget,
  BETA_ONLY_MANAGED_DEVICE_PROPERTIES,
  type ConfigurationPolicy,
  type DeviceConfiguration,
  type DeviceHealthScript,
  GET_ONLY_MANAGED_DEVICE_PROPERTIES,
  type Intent,
  type ManagedDevice,
} from './model.js';
import {
  applySelect,
  badRequest,
  collectionBody,
  contextUrl,
  type GraphVersion,
  notFound,
  type PageOptions,
  page,
  type SimRequest,
  type SimResponse,
  selectList,
} from './odata.js';
import { BETA, BOTH, type Route, type RouteContext } from './routes.js';
import { Tenant } from './tenant.js';

const MD_TYPE = 'microsoft.graph.managedDevice';
/** Intune keeps only this much of a detection script's output (domain.md §6). */
export const RUN_STATE_OUTPUT_LIMIT = 2048;

const SAMPLE_MD = new Tenant().addManagedDevice({ deviceName: 'sample' });
const MD_PROPERTIES: Record<GraphVersion, string[]> = {
  beta: Object.keys(SAMPLE_MD),
  'v1.0': Object.keys(SAMPLE_MD).filter((k) => !BETA_ONLY_MANAGED_DEVICE_PROPERTIES.has(k)),
};

function managedDeviceView(md: ManagedDevice, version: GraphVersion, list: boolean): Record<string, unknown> {
  const out: Record<string, unknown> = { '@odata.type': `#${MD_TYPE}` };
  for (const [k, v] of Object.entries(md)) {
    if (version === 'v1.0' && BETA_ONLY_MANAGED_DEVICE_PROPERTIES.has(k)) continue;
    // LIST returns defaults for GET-only properties (graph.md §2).
    out[k] =
      list && GET_ONLY_MANAGED_DEVICE_PROPERTIES.has(k) ? (k === 'physicalMemoryInBytes' ? 0 : null) : v;
  }
  return out;
}

/** §4.1: which operators Intune honours on which managedDevice property. */
const MD_FILTERS: Record<string, readonly string[]> = {
  operatingsystem: ['eq'],
  compliancestate: ['eq'],
  managementagent: ['eq'],
  managementstate: ['eq'],
  serialnumber: ['eq'],
  manufacturer: ['eq'],
  imei: ['eq'],
  jailbroken: ['eq'],
  exchangeaccessstate: ['eq'],
  devicecategorydisplayname: ['eq'],
  devicename: ['eq', 'contains'],
  model: ['eq', 'contains'],
  osversion: ['contains'],
  emailaddress: ['contains'],
  phonenumber: ['contains'],
  userprincipalname: ['eq', 'ne'],
  azureaddeviceid: ['eq'],
  lastsyncdatetime: ['lt', 'gt'],
  enrolleddatetime: ['lt', 'gt'],
  compliancegraceperiodexpirationdatetime: ['lt', 'gt'],
  manageddeviceownertype: ['eq'],
};
const NE_AS_EQ = new Set(['operatingsystem', 'manageddeviceownertype']);

function parseOrThrow(raw: string): FilterExpr {
  try {
    return parseFilter(raw);
  } catch (e) {
    throw badRequest(`Invalid filter clause: ${(e as FilterSyntaxError).message}`);
  }
}

function managedDeviceFilter(ctx: RouteContext): FilterExpr | null {
  const raw = ctx.req.query.get('$filter');
  if (raw === null) return null;
  const neAsEq = ctx.quirks.managedDevicesNeAsEq;
  const rewrite = (e: FilterExpr): FilterExpr => {
    switch (e.kind) {
      case 'and':
      case 'or':
        return { kind: e.kind, left: rewrite(e.left), right: rewrite(e.right) };
      case 'not':
        return { kind: 'not', expr: rewrite(e.expr) };
      case 'compare':
        return neAsEq && e.op === 'ne' && NE_AS_EQ.has(e.property.toLowerCase()) ? { ...e, op: 'eq' } : e;
      default:
        return e;
    }
  };
  // Unsupported clauses are silently ignored: the full set comes back (graph.md §4.1).
  return dropClauses(rewrite(parseOrThrow(raw)), (c) => {
    const ops = MD_FILTERS[c.property.toLowerCase()];
    const op = c.kind === 'compare' ? c.op : c.fn;
    return !!ops && (ops.includes(op) || (NE_AS_EQ.has(c.property.toLowerCase()) && op === 'ne'));
  });
}

function listManagedDevices(ctx: RouteContext): SimResponse {
  const { req, tenant, pageSizes } = ctx;
  const select = selectList(req);
  if (select) applySelect({}, select, MD_TYPE, MD_PROPERTIES[req.version], true); // 400 early for unknown names
  const filter = managedDeviceFilter(ctx);
  const skipRaw = req.query.get('$skip');
  const skip = skipRaw === null ? 0 : Number(skipRaw);
  if (!Number.isInteger(skip) || skip < 0) throw badRequest(`Invalid value for $skip: '${skipRaw}'.`);
  const opts: PageOptions = {
    pageSize: pageSizes.managedDevices,
    maxTop: pageSizes.managedDevicesMaxTop,
    count: req.version === 'beta' ? 'every' : 'none',
    // $skip past the first page gives an empty page (msgraph-beta-sdk-dotnet#681).
    skip: skip >= pageSizes.managedDevices ? Number.POSITIVE_INFINITY : skip,
  };
  const p = page(
    req,
    tenant.managedDeviceSeq(),
    opts,
    filter ? (md) => matches(md as unknown as Record<string, unknown>, filter) : null,
    `managedDevices ${JSON.stringify(filter)}`,
  );
  const value = p.items.map((md) =>
    applySelect(managedDeviceView(md, req.version, true), select, MD_TYPE, MD_PROPERTIES[req.version], true),
  );
  return {
    status: 200,
    body: collectionBody(req, 'deviceManagement/managedDevices', { ...p, items: value }, opts, select),
  };
}

function intuneNotFound(kind: string, id: string) {
  return notFound(`${kind} with id '${id}' was not found.`, 'ResourceNotFound');
}

function entity(req: SimRequest, set: string, item: Record<string, unknown>): SimResponse {
  return { status: 200, body: { '@odata.context': contextUrl(req, `${set}/$entity`), ...item } };
}

/** $expand=a,b($select=x,y) → [{name, select}]. */
export function parseExpand(raw: string | null): { name: string; select: string[] | null }[] {
  if (!raw) return [];
  const out: { name: string; select: string[] | null }[] = [];
  let depth = 0;
  let cur = '';
  const flush = () => {
    const m = /^\s*([\w.]+)\s*(?:\((.*)\))?\s*$/.exec(cur);
    if (m) {
      const sel = m[2] ? /\$select=([^;)]*)/i.exec(m[2]) : null;
      out.push({
        name: m[1] as string,
        select: sel
          ? (sel[1] as string)
              .split(',')
              .map((s) => s.trim())
              .filter(Boolean)
          : null,
      });
    } else if (cur.trim()) {
      throw badRequest(`Invalid $expand: '${raw}'.`);
    }
    cur = '';
  };
  for (const ch of raw) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) flush();
    else cur += ch;
  }
  flush();
  return out;
}

function expansions(req: SimRequest, allowed: readonly string[], typeName: string): Set<string> {
  const names = new Set<string>();
  for (const e of parseExpand(req.query.get('$expand'))) {
    const key = allowed.find((a) => a.toLowerCase() === e.name.toLowerCase());
    if (!key) throw badRequest(`Could not find a property named '${e.name}' on type '${typeName}'.`);
    names.add(key);
  }
  return names;
}

function targetView(t: AssignmentTarget, version: GraphVersion): AssignmentTarget | Record<string, unknown> {
  if (version === 'beta') return t;
  // v1.0 targets have no filter properties (graph.md §6.3).
  const {
    deviceAndAppManagementAssignmentFilterId: _i,
    deviceAndAppManagementAssignmentFilterType: _t,
    ...rest
  } = t;
  return rest;
}

// --- configurationPolicies (beta) ----------------------------------------------------------

const CP_TYPE = 'microsoft.graph.deviceManagementConfigurationPolicy';
const CP_PROPERTIES = [
  'id',
  'name',
  'description',
  'platforms',
  'technologies',
  'createdDateTime',
  'lastModifiedDateTime',
  'settingCount',
  'creationSource',
  'roleScopeTagIds',
  'isAssigned',
  'templateReference',
  'priorityMetaData',
];

function cpPaging(ctx: RouteContext, tips: boolean): PageOptions {
  return {
    pageSize: ctx.pageSizes.configurationPolicies,
    maxTop: 1000,
    count: 'every',
    tips,
    tokenStyle: 'cosmos',
  };
}

function cpSettingView(s: ConfigurationPolicy['settings'][number]): Record<string, unknown> {
  return {
    '@odata.type': '#microsoft.graph.deviceManagementConfigurationSetting',
    id: s.id,
    settingInstance: s.settingInstance,
  };
}

function cpAssignmentView(a: Assignment): Record<string, unknown> {
  return { '@odata.type': '#microsoft.graph.deviceManagementConfigurationPolicyAssignment', ...a };
}

function policyView(req: SimRequest, p: ConfigurationPolicy, expand: Set<string>): Record<string, unknown> {
  const { settings, assignments, ...rest } = p;
  const out: Record<string, unknown> = applySelect(
    { '@odata.type': `#${CP_TYPE}`, ...rest },
    selectList(req),
    CP_TYPE,
    CP_PROPERTIES,
    true,
  );
  const base = `${req.origin}/beta/$metadata#deviceManagement/configurationPolicies('${p.id}')`;
  if (expand.has('settings')) {
    out['settings@odata.context'] = `${base}/settings`;
    out.settings = settings.map(cpSettingView);
  }
  if (expand.has('assignments')) {
    out['assignments@odata.context'] = `${base}/assignments`;
    out.assignments = assignments.map(cpAssignmentView);
  }
  return out;
}

function findPolicy(ctx: RouteContext): ConfigurationPolicy {
  const id = (ctx.params.id as string).toLowerCase();
  const p = ctx.tenant.configurationPolicies.find((x) => x.id === id);
  if (!p) throw intuneNotFound('DeviceManagementConfigurationPolicy', id);
  return p;
}

function listPolicies(ctx: RouteContext): SimResponse {
  const { req, tenant } = ctx;
  const expand = expansions(req, ['settings', 'assignments'], CP_TYPE);
  const raw = req.query.get('$filter');
  const filter = raw === null ? null : parseOrThrow(raw);
  const all = filter
    ? tenant.configurationPolicies.filter((p) => matches(p as unknown as Record<string, unknown>, filter))
    : tenant.configurationPolicies;
  const opts = cpPaging(ctx, true);
  const p = page(req, all, opts);
  return {
    status: 200,
    body: collectionBody(
      req,
      'deviceManagement/configurationPolicies',
      { ...p, items: p.items.map((x) => policyView(req, x, expand)) },
      opts,
      selectList(req),
    ),
  };
}

function subCollection(
  ctx: RouteContext,
  set: string,
  items: Record<string, unknown>[],
  opts: PageOptions,
  typeName: string,
  known?: readonly string[],
): SimResponse {
  const { req } = ctx;
  const select = selectList(req);
  const p = page(req, items, opts);
  const value = known ? p.items.map((i) => applySelect(i, select, typeName, known, true)) : p.items;
  return { status: 200, body: collectionBody(req, set, { ...p, items: value }, opts, select) };
}

// --- deviceConfigurations ----------------------------------------------------------------------

const BETA_ONLY_CONFIG_TYPES = new Set(['#microsoft.graph.windowsIdentityProtectionConfiguration']);

function configAssignmentView(a: Assignment, version: GraphVersion): Record<string, unknown> {
  const base = {
    '@odata.type': '#microsoft.graph.deviceConfigurationAssignment',
    id: a.id,
    target: targetView(a.target, version),
  };
  return version === 'beta' ? { ...base, source: a.source, sourceId: a.sourceId, intent: 'apply' } : base;
}

function configView(req: SimRequest, c: DeviceConfiguration, expand: Set<string>): Record<string, unknown> {
  const { assignments, ...rest } = c;
  const item: Record<string, unknown> = { ...rest };
  if (req.version === 'v1.0' && Array.isArray(item.omaSettings)) {
    // isEncrypted / secretReferenceValueId are beta additions (graph.md §7.1).
    item.omaSettings = (item.omaSettings as Record<string, unknown>[]).map(
      ({ isEncrypted: _e, secretReferenceValueId: _s, ...o }) => o,
    );
  }
  // Derived types carry their own properties, so $select is lenient here.
  const out = applySelect(
    item,
    selectList(req),
    'microsoft.graph.deviceConfiguration',
    Object.keys(item),
    false,
  );
  if (expand.has('assignments')) {
    out['assignments@odata.context'] =
      `${req.origin}/${req.version}/$metadata#deviceManagement/deviceConfigurations('${c.id}')/assignments`;
    out.assignments = assignments.map((a) => configAssignmentView(a, req.version));
  }
  return out;
}

function visibleConfigs(ctx: RouteContext): DeviceConfiguration[] {
  return ctx.req.version === 'beta'
    ? ctx.tenant.deviceConfigurations
    : ctx.tenant.deviceConfigurations.filter((c) => !BETA_ONLY_CONFIG_TYPES.has(c['@odata.type']));
}

function findConfig(ctx: RouteContext): DeviceConfiguration {
  const id = (ctx.params.id as string).toLowerCase();
  const c = visibleConfigs(ctx).find((x) => x.id === id);
  if (!c) throw intuneNotFound('DeviceConfiguration', id);
  return c;
}

// --- intents (beta) ------------------------------------------------------------------------

function findIntent(ctx: RouteContext): Intent {
  const id = (ctx.params.id as string).toLowerCase();
  const i = ctx.tenant.intents.find((x) => x.id === id);
  if (!i) throw intuneNotFound('DeviceManagementIntent', id);
  return i;
}

function intentView(i: Intent): Record<string, unknown> {
  const { settings: _s, assignments: _a, ...rest } = i;
  return { '@odata.type': '#microsoft.graph.deviceManagementIntent', ...rest };
}

// --- deviceHealthScripts (beta) ------------------------------------------------------------

function findScript(ctx: RouteContext): DeviceHealthScript {
  const id = (ctx.params.id as string).toLowerCase();
  const s = ctx.tenant.deviceHealthScripts.find((x) => x.id === id);
  if (!s) throw intuneNotFound('DeviceHealthScript', id);
  return s;
}

function scriptView(s: DeviceHealthScript): Record<string, unknown> {
  const { deviceRunStates: _r, ...rest } = s;
  return { '@odata.type': '#microsoft.graph.deviceHealthScript', ...rest };
}

function runStates(ctx: RouteContext): SimResponse {
  const { req, tenant, pageSizes } = ctx;
  const script = findScript(ctx);
  const exp = parseExpand(req.query.get('$expand'));
  for (const e of exp) {
    if (e.name.toLowerCase() !== 'manageddevice') {
      throw badRequest(
        `Could not find a property named '${e.name}' on type 'microsoft.graph.deviceHealthScriptDeviceState'.`,
      );
    }
  }
  const mdExpand = exp[0];
  if (mdExpand?.select) applySelect({}, mdExpand.select, MD_TYPE, MD_PROPERTIES.beta, true);
  const opts: PageOptions = { pageSize: pageSizes.deviceRunStates, maxTop: pageSizes.deviceRunStates };
  const p = page(req, tenant.runStateSeq(script), opts);
  const value = p.items.map(({ managedDeviceId, ...rs }) => {
    const out: Record<string, unknown> = {
      '@odata.type': '#microsoft.graph.deviceHealthScriptDeviceState',
      ...rs,
      preRemediationDetectionScriptOutput:
        rs.preRemediationDetectionScriptOutput?.slice(0, RUN_STATE_OUTPUT_LIMIT) ?? null,
    };
    if (mdExpand) {
      const md = tenant.managedDevice(managedDeviceId);
      out.managedDevice = md
        ? applySelect(managedDeviceView(md, 'beta', true), mdExpand.select, MD_TYPE, MD_PROPERTIES.beta, true)
        : null;
    }
    return out;
  });
  return {
    status: 200,
    body: collectionBody(
      req,
      `deviceManagement/deviceHealthScripts('${script.id}')/deviceRunStates`,
      { ...p, items: value },
      opts,
    ),
  };
}

export const intuneRoutes: Route[] = [
  {
    method: 'GET',
    template: '/deviceManagement/managedDevices',
    versions: BOTH,
    family: 'intuneDevices',
    handle: listManagedDevices,
  },
  {
    method: 'GET',
    template: '/deviceManagement/managedDevices/{id}',
    versions: BOTH,
    family: 'intuneDevices',
    handle: (ctx) => {
      const md = ctx.tenant.managedDevice((ctx.params.id as string).toLowerCase());
      if (!md || md.id !== (ctx.params.id as string).toLowerCase())
        throw intuneNotFound('ManagedDevice', ctx.params.id as string);
      const view = managedDeviceView(md, ctx.req.version, false);
      return entity(
        ctx.req,
        'deviceManagement/managedDevices',
        applySelect(view, selectList(ctx.req), MD_TYPE, MD_PROPERTIES[ctx.req.version], true),
      );
    },
  },
  {
    method: 'GET',
    template: '/deviceManagement/configurationPolicies',
    versions: BETA,
    family: 'intuneConfigV2',
    handle: listPolicies,
  },
  {
    method: 'GET',
    template: '/deviceManagement/configurationPolicies/{id}',
    versions: BETA,
    family: 'intuneConfigV2',
    handle: (ctx) =>
      entity(
        ctx.req,
        'deviceManagement/configurationPolicies',
        policyView(ctx.req, findPolicy(ctx), expansions(ctx.req, ['settings', 'assignments'], CP_TYPE)),
      ),
  },
  {
    method: 'GET',
    template: '/deviceManagement/configurationPolicies/{id}/settings',
    versions: BETA,
    family: 'intuneConfigV2',
    handle: (ctx) => {
      const p = findPolicy(ctx);
      return subCollection(
        ctx,
        `deviceManagement/configurationPolicies('${p.id}')/settings`,
        p.settings.map(cpSettingView),
        cpPaging(ctx, false),
        'microsoft.graph.deviceManagementConfigurationSetting',
        ['id', 'settingInstance', 'settingDefinitions'],
      );
    },
  },
  {
    method: 'GET',
    template: '/deviceManagement/configurationPolicies/{id}/assignments',
    versions: BETA,
    family: 'intuneConfigV2',
    handle: (ctx) => {
      const p = findPolicy(ctx);
      return subCollection(
        ctx,
        `deviceManagement/configurationPolicies('${p.id}')/assignments`,
        p.assignments.map(cpAssignmentView),
        cpPaging(ctx, false),
        'microsoft.graph.deviceManagementConfigurationPolicyAssignment',
        ['id', 'target', 'source', 'sourceId'],
      );
    },
  },
  {
    method: 'GET',
    template: '/deviceManagement/deviceConfigurations',
    versions: BOTH,
    family: 'intuneConfig',
    handle: (ctx) => {
      const expand = expansions(ctx.req, ['assignments'], 'microsoft.graph.deviceConfiguration');
      const opts: PageOptions = { pageSize: ctx.pageSizes.deviceConfigurations, maxTop: 1000 };
      const p = page(ctx.req, visibleConfigs(ctx), opts);
      const items = p.items.map((c) => configView(ctx.req, c, expand));
      return {
        status: 200,
        body: collectionBody(
          ctx.req,
          'deviceManagement/deviceConfigurations',
          { ...p, items },
          opts,
          selectList(ctx.req),
        ),
      };
    },
  },
  {
    method: 'GET',
    template: '/deviceManagement/deviceConfigurations/{id}',
    versions: BOTH,
    family: 'intuneConfig',
    handle: (ctx) =>
      entity(
        ctx.req,
        'deviceManagement/deviceConfigurations',
        configView(
          ctx.req,
          findConfig(ctx),
          expansions(ctx.req, ['assignments'], 'microsoft.graph.deviceConfiguration'),
        ),
      ),
  },
  {
    method: 'GET',
    template: '/deviceManagement/deviceConfigurations/{id}/assignments',
    versions: BOTH,
    family: 'intuneConfig',
    handle: (ctx) => {
      const c = findConfig(ctx);
      const opts: PageOptions = { pageSize: ctx.pageSizes.deviceConfigurations, maxTop: 1000 };
      return subCollection(
        ctx,
        `deviceManagement/deviceConfigurations('${c.id}')/assignments`,
        c.assignments.map((a) => configAssignmentView(a, ctx.req.version)),
        opts,
        'microsoft.graph.deviceConfigurationAssignment',
      );
    },
  },
  {
    method: 'GET',
    template: '/deviceManagement/intents',
    versions: BETA,
    family: 'intuneIntent',
    handle: (ctx) => {
      const opts: PageOptions = { pageSize: ctx.pageSizes.intents, maxTop: 1000 };
      return subCollection(
        ctx,
        'deviceManagement/intents',
        ctx.tenant.intents.map(intentView),
        opts,
        'microsoft.graph.deviceManagementIntent',
        [
          'id',
          'displayName',
          'description',
          'isAssigned',
          'isMigratingToConfigurationPolicy',
          'lastModifiedDateTime',
          'templateId',
          'roleScopeTagIds',
        ],
      );
    },
  },
  {
    method: 'GET',
    template: '/deviceManagement/intents/{id}',
    versions: BETA,
    family: 'intuneIntent',
    handle: (ctx) => entity(ctx.req, 'deviceManagement/intents', intentView(findIntent(ctx))),
  },
  {
    method: 'GET',
    template: '/deviceManagement/intents/{id}/settings',
    versions: BETA,
    family: 'intuneIntent',
    handle: (ctx) => {
      const i = findIntent(ctx);
      const opts: PageOptions = { pageSize: ctx.pageSizes.intents, maxTop: 1000 };
      return subCollection(
        ctx,
        `deviceManagement/intents('${i.id}')/settings`,
        i.settings as unknown as Record<string, unknown>[],
        opts,
        'microsoft.graph.deviceManagementSettingInstance',
      );
    },
  },
  {
    method: 'GET',
    template: '/deviceManagement/intents/{id}/assignments',
    versions: BETA,
    family: 'intuneIntent',
    handle: (ctx) => {
      const i = findIntent(ctx);
      const opts: PageOptions = { pageSize: ctx.pageSizes.intents, maxTop: 1000 };
      const items = i.assignments.map((a) => ({
        '@odata.type': '#microsoft.graph.deviceManagementIntentAssignment',
        id: a.id,
        target: a.target,
      }));
      return subCollection(
        ctx,
        `deviceManagement/intents('${i.id}')/assignments`,
        items,
        opts,
        'microsoft.graph.deviceManagementIntentAssignment',
      );
    },
  },
  {
    method: 'GET',
    template: '/deviceManagement/deviceHealthScripts',
    versions: BETA,
    family: 'intuneDevices',
    handle: (ctx) => {
      const opts: PageOptions = { pageSize: ctx.pageSizes.intents, maxTop: 1000 };
      return subCollection(
        ctx,
        'deviceManagement/deviceHealthScripts',
        ctx.tenant.deviceHealthScripts.map(scriptView),
        opts,
        'microsoft.graph.deviceHealthScript',
      );
    },
  },
  {
    method: 'GET',
    template: '/deviceManagement/deviceHealthScripts/{id}',
    versions: BETA,
    family: 'intuneDevices',
    handle: (ctx) => entity(ctx.req, 'deviceManagement/deviceHealthScripts', scriptView(findScript(ctx))),
  },
  {
    method: 'GET',
    template: '/deviceManagement/deviceHealthScripts/{id}/deviceRunStates',
    versions: BETA,
    family: 'intuneDevices',
    handle: runStates,
  },
];
