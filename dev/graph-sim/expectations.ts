/**
 * How many Graph requests a full collection of a tenant needs at least, per endpoint label
 * and throttle family, from the tenant's sizes and the simulator's page sizes. Tests compare
 * it with `sim.stats()` to catch collectors that over-fetch (or skip pages).
 *
 * The plan it counts (the cheapest one the handbook allows):
 * - beta managedDevices, following nextLinks (page `managedDevices`, or `$top` if smaller);
 * - beta configurationPolicies with `$expand=settings,assignments` (page 25);
 * - beta deviceConfigurations with `$expand=assignments`;
 * - beta intents, then each intent's /settings and /assignments;
 * - for every group named by any assignment (include or exclude), the cast forms
 *   transitiveMembers/microsoft.graph.device and …/microsoft.graph.user with `$top=999`;
 * - one servicePrincipals `$filter=appId eq` per PIN reset app, one /organization;
 * - optionally one script's deviceRunStates.
 * Requests inside $batch count under the same labels (sim.stats().batchItemsByEndpoint).
 */
import type { ThrottleFamily } from './faults.js';
import { DEFAULT_PAGE_SIZES, type PageSizes } from './routes.js';
import type { Assignment, Tenant } from './tenant.js';

export interface ExpectationOptions {
  pageSizes?: Partial<PageSizes>;
  /** $top the collector sends on directory collections (default the maximum, 999). */
  directoryTop?: number;
  /** $top the collector sends on managedDevices (default none). */
  managedDevicesTop?: number;
  /** Include deviceRunStates of this health script. */
  remediationScriptId?: string;
}

export interface ExpectedRequests {
  /** Label ("GET /beta/deviceManagement/managedDevices") → minimum request count. */
  byEndpoint: Record<string, number>;
  byFamily: Partial<Record<ThrottleFamily, number>>;
  total: number;
  /** Groups whose members must be expanded (object ids). */
  groupIds: string[];
}

const FAMILY_BY_PREFIX: [string, ThrottleFamily][] = [
  ['/deviceManagement/managedDevices', 'intuneDevices'],
  ['/deviceManagement/deviceHealthScripts', 'intuneDevices'],
  ['/deviceManagement/configurationPolicies', 'intuneConfigV2'],
  ['/deviceManagement/deviceConfigurations', 'intuneConfig'],
  ['/deviceManagement/intents', 'intuneIntent'],
];

/** Pages needed for `count` items (an empty collection still takes one request). */
export function pagesFor(count: number, pageSize: number): number {
  return Math.max(1, Math.ceil(count / Math.max(1, pageSize)));
}

/** Object ids of every group an assignment of any policy kind includes or excludes. */
export function assignedGroupIds(tenant: Tenant): string[] {
  const all: Assignment[] = [
    ...tenant.configurationPolicies.flatMap((p) => p.assignments),
    ...tenant.deviceConfigurations.flatMap((c) => c.assignments),
    ...tenant.intents.flatMap((i) => i.assignments),
  ];
  return [
    ...new Set(all.map((a) => a.target.groupId).filter((g): g is string => typeof g === 'string')),
  ].sort();
}

export function expectedCollectionRequests(
  tenant: Tenant,
  options: ExpectationOptions = {},
): ExpectedRequests {
  const ps: PageSizes = { ...DEFAULT_PAGE_SIZES, ...options.pageSizes };
  const dirTop = Math.min(options.directoryTop ?? ps.directoryMaxTop, ps.directoryMaxTop);
  const mdPage = Math.min(options.managedDevicesTop ?? ps.managedDevices, ps.managedDevicesMaxTop);
  const byEndpoint: Record<string, number> = {};
  const add = (label: string, n: number) => {
    byEndpoint[label] = (byEndpoint[label] ?? 0) + n;
  };

  add('GET /beta/deviceManagement/managedDevices', pagesFor(tenant.managedDevices.length, mdPage));
  add(
    'GET /beta/deviceManagement/configurationPolicies',
    pagesFor(tenant.configurationPolicies.length, ps.configurationPolicies),
  );
  add(
    'GET /beta/deviceManagement/deviceConfigurations',
    pagesFor(tenant.deviceConfigurations.length, ps.deviceConfigurations),
  );
  add('GET /beta/deviceManagement/intents', pagesFor(tenant.intents.length, ps.intents));
  for (const i of tenant.intents) {
    add('GET /beta/deviceManagement/intents/{id}/settings', pagesFor(i.settings.length, ps.intents));
    add('GET /beta/deviceManagement/intents/{id}/assignments', pagesFor(i.assignments.length, ps.intents));
  }
  const groupIds = assignedGroupIds(tenant);
  for (const g of groupIds) {
    const members = tenant.transitiveMembers(g);
    const devices = members.filter((m) => tenant.objectKind(m) === 'device').length;
    const users = members.filter((m) => tenant.objectKind(m) === 'user').length;
    add('GET /v1.0/groups/{id}/transitiveMembers/microsoft.graph.device', pagesFor(devices, dirTop));
    add('GET /v1.0/groups/{id}/transitiveMembers/microsoft.graph.user', pagesFor(users, dirTop));
  }
  // Entra Windows devices ($filter operatingSystem eq 'Windows', $top=999): accountEnabled, trustType.
  add(
    'GET /v1.0/devices',
    pagesFor(tenant.devices.filter((d) => /^windows/i.test(d.operatingSystem ?? '')).length, dirTop),
  );
  add('GET /v1.0/servicePrincipals', 2);
  add('GET /v1.0/organization', 1);
  if (options.remediationScriptId) {
    const s = tenant.deviceHealthScripts.find((x) => x.id === options.remediationScriptId?.toLowerCase());
    if (!s) throw new Error(`no deviceHealthScript ${options.remediationScriptId}`);
    add(
      'GET /beta/deviceManagement/deviceHealthScripts/{id}/deviceRunStates',
      pagesFor(s.deviceRunStates.length, ps.deviceRunStates),
    );
  }

  const byFamily: Partial<Record<ThrottleFamily, number>> = {};
  for (const [label, n] of Object.entries(byEndpoint)) {
    const path = label.replace(/^\S+ \/[^/]+/, '');
    const family = FAMILY_BY_PREFIX.find(([prefix]) => path.startsWith(prefix))?.[1] ?? 'identity';
    byFamily[family] = (byFamily[family] ?? 0) + n;
  }
  const total = Object.values(byEndpoint).reduce((a, b) => a + b, 0);
  return { byEndpoint, byFamily, total, groupIds };
}
