/**
 * Every Intune policy that sets EnablePinRecovery, in the shape targeting needs. Request plan
 * (fewest faithful requests; $expand on configurationPolicies is only COMMUNITY-sourced):
 *   settings catalog: list ($select) → /settings per Windows policy in $batch → /assignments
 *     in $batch for the policies that carry the setting only;
 *   deviceConfigurations (beta, for identity protection): list → /assignments in $batch for hits;
 *   intents (beta): list → /settings in $batch → /assignments in $batch for hits.
 */
import type { PinRecoveryPolicy, PolicyKind } from '../../targeting/types.js';
import type { GraphPort } from '../port.js';
import { parseAssignments } from './assignments.js';
import { batchCollections, collectAll } from './fetch.js';
import { arr, odataType, str } from './odata.js';
import {
  type FoundSetting,
  findCatalogPinRecovery,
  findIntentPinRecovery,
  identityProtectionPinRecovery,
  parseOmaPinRecovery,
} from './pin-recovery-settings.js';

export const ACCOUNT_PROTECTION_FAMILY = 'endpointsecurityaccountprotection';

const BETA = { version: 'beta' as const };

interface Candidate {
  graphId: string;
  name: string;
  kind: PolicyKind;
  lastModifiedDateTime: string | null;
  found: FoundSetting[];
  assignmentsUrl: string;
}

/**
 * One policy object with its found settings → PinRecoveryPolicy entries, one per scope. A
 * policy carrying both scopes yields `<id>` (device) and `<id>:user`; same-scope duplicates
 * that disagree yield value null with POLICY_DUPLICATE_SETTING.
 */
export function toPolicies(
  c: Omit<Candidate, 'assignmentsUrl'>,
  rawAssignments: readonly unknown[],
): PinRecoveryPolicy[] {
  const { assignments, issues: assignmentIssues } = parseAssignments(rawAssignments);
  const scopes = (['device', 'user'] as const).filter((s) => c.found.some((f) => f.scope === s));
  return scopes.map((scope) => {
    const mine = c.found.filter((f) => f.scope === scope);
    const values = new Set(mine.map((f) => f.value));
    const issues = [...new Set([...mine.flatMap((f) => f.issues), ...assignmentIssues])];
    let value: boolean | null = mine[0]?.value ?? null;
    if (values.size > 1) {
      value = null;
      issues.push('POLICY_DUPLICATE_SETTING');
    }
    return {
      id: scope === 'user' && scopes.length > 1 ? `${c.graphId}:user` : c.graphId,
      graphId: c.graphId,
      name: c.name,
      kind: c.kind,
      scope,
      value,
      effective: mine.some((f) => f.effective),
      issues,
      lastModifiedDateTime: c.lastModifiedDateTime,
      assignments,
    };
  });
}

function isWindows(platforms: string | null): boolean {
  // Flag enum as a comma-separated string (graph.md §6.1).
  if (platforms === null) return true;
  return platforms
    .split(',')
    .map((p) => p.trim().toLowerCase())
    .some((p) => p === 'windows10' || p === 'windows10x');
}

async function settingsCatalogCandidates(graph: GraphPort): Promise<Candidate[]> {
  const list = await collectAll<unknown>(
    graph,
    '/deviceManagement/configurationPolicies?$select=id,name,platforms,technologies,templateReference,lastModifiedDateTime',
    BETA,
  );
  const windows = list.filter((p) => str(p, 'id') && isWindows(str(p, 'platforms')));
  const settings = await batchCollections<unknown>(
    graph,
    windows.map((p, i) => ({
      id: String(i),
      url: `/deviceManagement/configurationPolicies/${encodeURIComponent(str(p, 'id') as string)}/settings`,
    })),
    BETA,
  );
  const out: Candidate[] = [];
  windows.forEach((p, i) => {
    const found = findCatalogPinRecovery(settings.get(String(i)) ?? []);
    if (found.length === 0) return;
    const id = str(p, 'id') as string;
    const family = str((p as Record<string, unknown>).templateReference, 'templateFamily')?.toLowerCase();
    out.push({
      graphId: id,
      name: str(p, 'name') ?? id,
      kind: family === ACCOUNT_PROTECTION_FAMILY ? 'endpointSecurity' : 'settingsCatalog',
      lastModifiedDateTime: str(p, 'lastModifiedDateTime'),
      found,
      assignmentsUrl: `/deviceManagement/configurationPolicies/${encodeURIComponent(id)}/assignments`,
    });
  });
  return out;
}

async function deviceConfigurationCandidates(graph: GraphPort, tenantId: string): Promise<Candidate[]> {
  const list = await collectAll<unknown>(graph, '/deviceManagement/deviceConfigurations', BETA);
  const out: Candidate[] = [];
  for (const cfg of list) {
    const id = str(cfg, 'id');
    if (!id) continue;
    const type = odataType(cfg);
    let kind: PolicyKind;
    let found: FoundSetting[];
    if (type === 'windows10customconfiguration') {
      kind = 'omaUri';
      found = arr(cfg, 'omaSettings').flatMap((s) => parseOmaPinRecovery(s, tenantId) ?? []);
    } else {
      kind = 'identityProtection';
      const f = identityProtectionPinRecovery(cfg);
      found = f ? [f] : [];
    }
    if (found.length === 0) continue;
    out.push({
      graphId: id,
      name: str(cfg, 'displayName') ?? id,
      kind,
      lastModifiedDateTime: str(cfg, 'lastModifiedDateTime'),
      found,
      assignmentsUrl: `/deviceManagement/deviceConfigurations/${encodeURIComponent(id)}/assignments`,
    });
  }
  return out;
}

async function intentCandidates(graph: GraphPort): Promise<Candidate[]> {
  const list = (await collectAll<unknown>(graph, '/deviceManagement/intents', BETA)).filter((i) =>
    str(i, 'id'),
  );
  const settings = await batchCollections<unknown>(
    graph,
    list.map((it, i) => ({
      id: String(i),
      url: `/deviceManagement/intents/${encodeURIComponent(str(it, 'id') as string)}/settings`,
    })),
    BETA,
  );
  const out: Candidate[] = [];
  list.forEach((it, i) => {
    const found = findIntentPinRecovery(settings.get(String(i)) ?? []);
    if (found.length === 0) return;
    const id = str(it, 'id') as string;
    out.push({
      graphId: id,
      name: str(it, 'displayName') ?? id,
      kind: 'intent',
      lastModifiedDateTime: str(it, 'lastModifiedDateTime'),
      found,
      assignmentsUrl: `/deviceManagement/intents/${encodeURIComponent(id)}/assignments`,
    });
  });
  return out;
}

export async function collectPinRecoveryPolicies(
  graph: GraphPort,
  tenantId: string,
): Promise<PinRecoveryPolicy[]> {
  const candidates = (
    await Promise.all([
      settingsCatalogCandidates(graph),
      deviceConfigurationCandidates(graph, tenantId),
      intentCandidates(graph),
    ])
  ).flat();
  const assignments = await batchCollections<unknown>(
    graph,
    candidates.map((c, i) => ({ id: String(i), url: c.assignmentsUrl })),
    BETA,
  );
  return candidates.flatMap((c, i) => {
    const raw = assignments.get(String(i));
    // Deleted between the list and now: nothing to target.
    if (raw === null) return [];
    return toPolicies(c, raw ?? []);
  });
}
