/**
 * Which Microsoft Graph application permission each endpoint the product calls needs
 * (least privilege, handbook graph.md §18). infra/graph-permissions.json is what gets
 * granted; test/unit/infra-consistency.test.ts checks that every permission here is granted
 * and that every Graph path literal in the collectors and the upload verifier is listed here.
 */

export type GraphPermission =
  | 'DeviceManagementManagedDevices.Read.All'
  | 'DeviceManagementConfiguration.Read.All'
  | 'GroupMember.Read.All'
  | 'Device.Read.All'
  | 'Application.Read.All'
  | 'Mail.Send';

export interface EndpointPermission {
  /** Path without the version segment; `{id}` matches any one segment; sub-paths are covered. */
  path: string;
  /** null: called only when a setting is missing that the Azure deployment always sets. */
  permission: GraphPermission | null;
  why: string;
}

export const GRAPH_ENDPOINT_PERMISSIONS: readonly EndpointPermission[] = [
  {
    path: '/deviceManagement/managedDevices',
    permission: 'DeviceManagementManagedDevices.Read.All',
    why: 'inventory',
  },
  {
    path: '/deviceManagement/reports',
    permission: 'DeviceManagementManagedDevices.Read.All',
    why: 'export jobs and report actions at scale',
  },
  {
    path: '/deviceManagement/configurationPolicies',
    permission: 'DeviceManagementConfiguration.Read.All',
    why: 'settings catalog policies, settings, assignments',
  },
  {
    path: '/deviceManagement/deviceConfigurations',
    permission: 'DeviceManagementConfiguration.Read.All',
    why: 'custom OMA-URI and identity protection profiles',
  },
  {
    path: '/deviceManagement/deviceCompliancePolicies',
    permission: 'DeviceManagementConfiguration.Read.All',
    why: 'compliance context',
  },
  {
    path: '/deviceManagement/intents',
    permission: 'DeviceManagementConfiguration.Read.All',
    why: 'legacy account protection templates',
  },
  {
    path: '/deviceManagement/deviceHealthScripts',
    permission: 'DeviceManagementConfiguration.Read.All',
    why: 'Remediation run states (second path)',
  },
  { path: '/groups', permission: 'GroupMember.Read.All', why: 'transitiveMembers for policy targeting' },
  { path: '/devices', permission: 'Device.Read.All', why: 'upload verification, join types' },
  { path: '/servicePrincipals', permission: 'Application.Read.All', why: 'PIN reset apps consented' },
  { path: '/users/{id}/sendMail', permission: 'Mail.Send', why: 'weekly report mail (optional)' },
  {
    path: '/organization',
    permission: null,
    why: 'tenant id discovery; infra sets GRAPH_TENANT_ID so it is never called in Azure',
  },
];

function segments(path: string): string[] {
  return (path.split(/[?#]/)[0] ?? '')
    .replace(/^\/(v1\.0|beta)(?=\/)/, '')
    .split('/')
    .filter((s) => s !== '');
}

/** The entry covering a Graph path (version segment and query ignored), or undefined. */
export function endpointPermissionFor(path: string): EndpointPermission | undefined {
  const actual = segments(path);
  return GRAPH_ENDPOINT_PERMISSIONS.find((entry) => {
    const wanted = segments(entry.path);
    return (
      wanted.length <= actual.length &&
      wanted.every((seg, i) => seg === '{id}' || seg.toLowerCase() === actual[i]?.toLowerCase())
    );
  });
}
