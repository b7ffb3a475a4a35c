/**
 * Application permissions the simulated token carries (graph.md §8, §18). Absent = every
 * permission, so only tests about consent mistakes need to think about it. Missing ones give
 * Graph's 403s, and group members of a type the app may not read come back as "limited
 * information" (only @odata.type and id).
 */

/** Any one of these satisfies the route (least privilege first). */
const REQUIRED: readonly (readonly [RegExp, readonly string[]])[] = [
  [
    /^\/deviceManagement\/managedDevices/,
    ['DeviceManagementManagedDevices.Read.All', 'DeviceManagementManagedDevices.ReadWrite.All'],
  ],
  [
    /^\/deviceManagement\/(configurationPolicies|deviceConfigurations|intents|deviceHealthScripts)/,
    ['DeviceManagementConfiguration.Read.All', 'DeviceManagementConfiguration.ReadWrite.All'],
  ],
  [
    // The service's own 403 accepts the Read.All permissions (graph.md §12; the docs list only ReadWrite).
    /^\/deviceManagement\/reports/,
    [
      'DeviceManagementManagedDevices.Read.All',
      'DeviceManagementConfiguration.Read.All',
      'DeviceManagementApps.Read.All',
      'DeviceManagementManagedDevices.ReadWrite.All',
      'DeviceManagementConfiguration.ReadWrite.All',
      'DeviceManagementApps.ReadWrite.All',
    ],
  ],
  [
    /^\/groups\//,
    [
      'GroupMember.Read.All',
      'Group.Read.All',
      'Group.ReadWrite.All',
      'Directory.Read.All',
      'Directory.ReadWrite.All',
    ],
  ],
  [
    /^\/devices/,
    ['Device.Read.All', 'Device.ReadWrite.All', 'Directory.Read.All', 'Directory.ReadWrite.All'],
  ],
  [
    /^\/servicePrincipals/,
    ['Application.Read.All', 'Application.ReadWrite.All', 'Directory.Read.All', 'Directory.ReadWrite.All'],
  ],
  [/^\/users\/[^/]+\/sendMail$/, ['Mail.Send']],
  [/^\/users\//, ['User.Read.All', 'User.ReadWrite.All', 'Directory.Read.All', 'Directory.ReadWrite.All']],
];

/** Reading full member objects of each type in a group listing. */
export const MEMBER_READ: Record<'user' | 'device' | 'group', readonly string[]> = {
  device: ['Device.Read.All', 'Device.ReadWrite.All', 'Directory.Read.All', 'Directory.ReadWrite.All'],
  user: ['User.Read.All', 'User.ReadWrite.All', 'Directory.Read.All', 'Directory.ReadWrite.All'],
  group: [
    'GroupMember.Read.All',
    'Group.Read.All',
    'Group.ReadWrite.All',
    'Directory.Read.All',
    'Directory.ReadWrite.All',
  ],
};

export type Granted = ReadonlySet<string> | null;

export function grants(granted: Granted, anyOf: readonly string[]): boolean {
  if (granted === null) return true;
  return anyOf.some((p) => granted.has(p.toLowerCase()));
}

export function toGranted(permissions: readonly string[] | undefined): Granted {
  return permissions === undefined ? null : new Set(permissions.map((p) => p.toLowerCase()));
}

/** The permissions a route template needs (any one), or null when none is modelled. */
export function requiredFor(template: string): readonly string[] | null {
  return REQUIRED.find(([re]) => re.test(template))?.[1] ?? null;
}
