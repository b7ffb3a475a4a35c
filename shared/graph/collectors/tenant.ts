/**
 * Tenant-wide inputs: our tenant id (for OMA-URI checks) and whether the two PIN reset
 * enterprise apps are consented and enabled (domain.md §4). Matched on appId only.
 */
import { type AppPresence, readinessFrom, type TenantReadiness } from '../../posture/inputs.js';
import type { GraphCollection, GraphPort } from '../port.js';
import { normalGuid, odataLiteral } from './odata.js';

export type { AppPresence, TenantReadiness, TenantReadinessState } from '../../posture/inputs.js';
export { readinessFrom };

export const PIN_RESET_SERVICE_APP_ID = 'b8456c59-1230-44c7-a4a2-99b085333e84';
export const PIN_RESET_CLIENT_APP_ID = '9115dd05-fad5-4f9c-acc7-305d08b1b04e';

export async function resolveTenantId(graph: GraphPort): Promise<string> {
  const org = await graph.get<GraphCollection<{ id?: string }>>('/organization?$select=id');
  const id = normalGuid(org.value?.[0]?.id);
  if (!id) throw new Error('Graph /organization returned no tenant id');
  return id;
}

function spPath(appId: string): string {
  return `/servicePrincipals?$filter=${encodeURIComponent('appId eq ')}${odataLiteral(appId)}&$select=id,appId,displayName,accountEnabled`;
}

interface SpItem {
  id?: string;
  appId?: string;
  accountEnabled?: boolean;
}

function presence(status: number, body: unknown, appId: string): AppPresence {
  if (status === 404) return { present: false, enabled: null, servicePrincipalId: null };
  if (status < 200 || status > 299) return { present: null, enabled: null, servicePrincipalId: null };
  const items = ((body as GraphCollection<SpItem> | null)?.value ?? []).filter(
    (sp) => sp.appId?.toLowerCase() === appId,
  );
  const sp = items[0];
  if (!sp) return { present: false, enabled: null, servicePrincipalId: null };
  return { present: true, enabled: sp.accountEnabled !== false, servicePrincipalId: sp.id ?? null };
}

/** Both lookups in one $batch request. Graph failures give state "unknown", never a false "missing". */
export async function collectTenantReadiness(graph: GraphPort): Promise<TenantReadiness> {
  const unknown: AppPresence = { present: null, enabled: null, servicePrincipalId: null };
  try {
    const [s, c] = await graph.batch([
      { id: 'service', method: 'GET', url: spPath(PIN_RESET_SERVICE_APP_ID) },
      { id: 'client', method: 'GET', url: spPath(PIN_RESET_CLIENT_APP_ID) },
    ]);
    const service = s ? presence(s.status, s.body, PIN_RESET_SERVICE_APP_ID) : unknown;
    const client = c ? presence(c.status, c.body, PIN_RESET_CLIENT_APP_ID) : unknown;
    const failed = [s, c].find((r) => r && r.status !== 404 && (r.status < 200 || r.status > 299));
    const code = (failed?.body as { error?: { code?: string } } | undefined)?.error?.code;
    return readinessFrom(service, client, failed ? `${failed.status} ${code ?? ''}`.trim() : undefined);
  } catch (e) {
    const err = e as { status?: number; code?: string };
    return readinessFrom(unknown, unknown, `${err.status ?? 0} ${err.code ?? 'error'}`);
  }
}
