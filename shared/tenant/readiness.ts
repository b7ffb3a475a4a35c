/**
 * Tenant readiness for non-destructive PIN reset as GET /api/tenant serves it: both PIN reset
 * enterprise apps present and enabled, and the two admin-consent links from Microsoft's "PIN
 * reset" article (learn.microsoft.com/windows/security/identity-protection/hello-for-business/pin-reset)
 * that an Application Administrator opens to consent them. ResetReady never consents anything.
 */
import type { StoredTenant } from '../collection/entities.js';
import { PIN_RESET_CLIENT_APP_ID, PIN_RESET_SERVICE_APP_ID } from '../graph/collectors/tenant.js';

export const PIN_RESET_APPS = [
  {
    key: 'service',
    appId: PIN_RESET_SERVICE_APP_ID,
    displayName: 'Microsoft Pin Reset Service Production',
    adminConsentUrl:
      'https://login.windows.net/common/oauth2/authorize?response_type=code&client_id=b8456c59-1230-44c7-a4a2-99b085333e84&resource=https%3A%2F%2Fgraph.windows.net&redirect_uri=https%3A%2F%2Fcred.microsoft.com&state=e9191523-6c2f-4f1d-a4f9-c36f26f89df0&prompt=admin_consent',
  },
  {
    key: 'client',
    appId: PIN_RESET_CLIENT_APP_ID,
    displayName: 'Microsoft Pin Reset Client Production',
    adminConsentUrl:
      'https://login.windows.net/common/oauth2/authorize?response_type=code&client_id=9115dd05-fad5-4f9c-acc7-305d08b1b04e&resource=https%3A%2F%2Fcred.microsoft.com%2F&redirect_uri=ms-appx-web%3A%2F%2FMicrosoft.AAD.BrokerPlugin%2F9115dd05-fad5-4f9c-acc7-305d08b1b04e&state=6765f8c5-f4a7-4029-b667-46a6776ad611&prompt=admin_consent',
  },
] as const;

export const PIN_RESET_DOC =
  'https://learn.microsoft.com/windows/security/identity-protection/hello-for-business/pin-reset';

export interface TenantReadinessBody {
  tenantId: string | null;
  /** ready | missing | disabled | unknown | notCollected */
  state: string;
  error: string | null;
  apps: {
    key: 'service' | 'client';
    appId: string;
    displayName: string;
    /** null: not known (never collected, or the lookup failed). */
    present: boolean | null;
    enabled: boolean | null;
    servicePrincipalId: string | null;
    adminConsentUrl: string;
  }[];
  docsUrl: string;
}

export function tenantReadinessBody(stored: StoredTenant | null): TenantReadinessBody {
  return {
    tenantId: stored?.tenantId || null,
    state: stored?.readiness.state ?? 'notCollected',
    error: stored?.readiness.error ?? null,
    apps: PIN_RESET_APPS.map((a) => {
      const p = stored?.readiness[a.key];
      return {
        key: a.key,
        appId: a.appId,
        displayName: a.displayName,
        present: p?.present ?? null,
        enabled: p?.enabled ?? null,
        servicePrincipalId: p?.servicePrincipalId ?? null,
        adminConsentUrl: a.adminConsentUrl,
      };
    }),
    docsUrl: PIN_RESET_DOC,
  };
}
