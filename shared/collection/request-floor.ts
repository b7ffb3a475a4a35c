/**
 * The fewest Graph requests a collection run can make for a tenant of a given shape, with
 * Graph's page sizes and $batch's 20 requests. Stages that depend on an earlier answer
 * (settings after the policy list, members after assignments) cannot share a $batch, so each
 * stage is counted on its own. Benchmarks and tests hold the collector to this floor.
 */

export interface TenantShape {
  windowsManagedDevices: number;
  /** Windows devices in Entra (the devices list); default: windowsManagedDevices. */
  windowsEntraDevices?: number;
  /** Whether GRAPH_TENANT_ID is set (otherwise one /organization read). */
  tenantIdKnown: boolean;
  configurationPolicies: number;
  /** Settings count of each Windows configuration policy (each needs its /settings). */
  windowsPolicySettings: number[];
  deviceConfigurations: number;
  /** Settings count of each intent. */
  intentSettings: number[];
  /** Assignment count and page size of each policy that carries EnablePinRecovery. */
  candidateAssignments: { count: number; pageSize: number }[];
  /** Transitive device and user member counts of each assigned group. */
  groupMembers: { devices: number; users: number }[];
}

export interface PageLimits {
  managedDevices: number;
  configurationPolicies: number;
  deviceConfigurations: number;
  intents: number;
  /** transitiveMembers with $top=999. */
  members: number;
  /** /devices with $top=999. */
  entraDevices: number;
  batch: number;
}

export const GRAPH_PAGE_LIMITS: PageLimits = {
  managedDevices: 1000,
  configurationPolicies: 25,
  deviceConfigurations: 100,
  intents: 100,
  members: 999,
  entraDevices: 999,
  batch: 20,
};

const pages = (items: number, size: number) => Math.max(1, Math.ceil(items / size));

/** First pages of `counts.length` collections in $batch, then every later page on its own. */
function batched(counts: number[], size: number, batch: number): number {
  if (counts.length === 0) return 0;
  const later = counts.reduce((n, c) => n + pages(c, size) - 1, 0);
  return Math.ceil(counts.length / batch) + later;
}

export function minimumGraphRequests(
  s: TenantShape,
  limits: PageLimits = GRAPH_PAGE_LIMITS,
): { total: number; byStage: Record<string, number> } {
  const byStage: Record<string, number> = {
    managedDevices: pages(s.windowsManagedDevices, limits.managedDevices),
    entraDevices: pages(s.windowsEntraDevices ?? s.windowsManagedDevices, limits.entraDevices),
    organization: s.tenantIdKnown ? 0 : 1,
    configurationPolicies: pages(s.configurationPolicies, limits.configurationPolicies),
    policySettings: batched(s.windowsPolicySettings, limits.configurationPolicies, limits.batch),
    deviceConfigurations: pages(s.deviceConfigurations, limits.deviceConfigurations),
    intents: pages(s.intentSettings.length, limits.intents),
    intentSettings: batched(s.intentSettings, limits.intents, limits.batch),
    assignments:
      s.candidateAssignments.length === 0
        ? 0
        : Math.ceil(s.candidateAssignments.length / limits.batch) +
          s.candidateAssignments.reduce((n, a) => n + pages(a.count, a.pageSize) - 1, 0),
    groupMembers: batched(
      s.groupMembers.flatMap((g) => [g.devices, g.users]),
      limits.members,
      limits.batch,
    ),
    // Both PIN reset service principals in one $batch.
    servicePrincipals: 1,
  };
  return { total: Object.values(byStage).reduce((a, b) => a + b, 0), byStage };
}
