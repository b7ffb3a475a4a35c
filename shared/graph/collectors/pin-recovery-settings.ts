/**
 * Finding EnablePinRecovery in policy content. Pure functions over Graph JSON:
 * settings-catalog setting trees (graph.md §6.2), custom OMA-URI settings (domain.md §5.1),
 * identity-protection profiles and legacy intents (domain.md §5.3).
 */
import type { PolicyScope } from '../../targeting/types.js';
import { arr, isGuid, odataType, str } from './odata.js';

export interface FoundSetting {
  scope: PolicyScope;
  value: boolean | null;
  /** False when the device cannot apply it (e.g. another tenant's id in the OMA-URI). */
  effective: boolean;
  issues: string[];
}

const CATALOG_ID = /^(device|user)_vendor_msft_passportforwork_\{tenantid\}_policies_enablepinrecovery$/i;

/** Every EnablePinRecovery choice in a policy's `/settings` items, searched through all children. */
export function findCatalogPinRecovery(settings: readonly unknown[]): FoundSetting[] {
  const found: FoundSetting[] = [];
  const visit = (instance: unknown, depth: number): void => {
    if (!instance || typeof instance !== 'object' || depth > 32) return;
    const id = str(instance, 'settingDefinitionId') ?? '';
    const m = CATALOG_ID.exec(id);
    const choice = (instance as Record<string, unknown>).choiceSettingValue;
    if (m) {
      const scope = (m[1] as string).toLowerCase() as PolicyScope;
      const option = (str(choice, 'value') ?? '').toLowerCase();
      const base = id.toLowerCase();
      const value = option === `${base}_true` ? true : option === `${base}_false` ? false : null;
      found.push({
        scope,
        value,
        effective: true,
        issues: value === null ? ['POLICY_UNREADABLE_VALUE'] : [],
      });
    }
    // Children live under every value kind; walk all of them rather than trusting one nesting.
    for (const child of arr(choice, 'children')) visit(child, depth + 1);
    const o = instance as Record<string, unknown>;
    for (const key of ['groupSettingCollectionValue', 'choiceSettingCollectionValue']) {
      for (const v of arr(o, key)) for (const child of arr(v, 'children')) visit(child, depth + 1);
    }
    for (const child of arr(o.groupSettingValue, 'children')) visit(child, depth + 1);
  };
  for (const s of settings) visit((s as { settingInstance?: unknown } | null)?.settingInstance ?? s, 0);
  return found;
}

/**
 * The CSP node, with its scope prefix or without: "By default, if no prefix with ./device or
 * ./user, it's a device-targeted configuration" (learn.microsoft.com/windows/client-management/
 * oma-dm-protocol-support#user-targeted-vs-device-targeted-configuration).
 */
const CSP_URI =
  /^\.\/(?:(device|user)\/)?vendor\/msft\/passportforwork\/([^/]+)\/policies\/enablepinrecovery$/i;
const DOC_URI = /^(?:\.\/)?vendor\/msft\/policy\/passportforwork\/([^/]+)\/policies\/enablepinrecovery$/i;

function omaValue(setting: unknown): { value: boolean | null; issues: string[] } {
  const type = odataType(setting);
  const raw = (setting as Record<string, unknown>).value;
  if (type === 'omasettingboolean' && typeof raw === 'boolean') return { value: raw, issues: [] };
  // The CSP node's format is bool: another data type is wrong, not just unusual.
  const issues = ['POLICY_BAD_OMA_URI', 'OMA_VALUE_NOT_BOOLEAN'];
  if (type === 'omasettinginteger' && (raw === 0 || raw === 1)) return { value: raw === 1, issues };
  if (type === 'omasettingstring' && typeof raw === 'string') {
    const v = raw.trim().toLowerCase();
    if (v === 'true' || v === '1') return { value: true, issues };
    if (v === 'false' || v === '0') return { value: false, issues };
    // "****" is an encrypted value we cannot read.
  }
  return { value: null, issues: [...issues, 'POLICY_UNREADABLE_VALUE'] };
}

/**
 * An OMA setting → FoundSetting when its URI is EnablePinRecovery, else null. Issues:
 * - wrong (POLICY_BAD_OMA_URI + detail): another tenant's id (OMA_URI_OTHER_TENANT, the node
 *   configures nothing for ours), a non-Boolean type (OMA_VALUE_NOT_BOOLEAN);
 * - non-canonical, not wrong (OMA_URI_NONCANONICAL + detail): the PIN reset page's own
 *   `./Vendor/MSFT/Policy/PassportForWork/…` (OMA_URI_DOC_FORM), braces around the tenant id
 *   (OMA_URI_BRACES), no `./Device` prefix (OMA_URI_NO_SCOPE, device scope by default).
 */
export function parseOmaPinRecovery(setting: unknown, tenantId: string): FoundSetting | null {
  const uri = (str(setting, 'omaUri') ?? '').trim();
  let scope: PolicyScope;
  let tenantSegment: string;
  const issues: string[] = [];
  const csp = CSP_URI.exec(uri);
  if (csp) {
    scope = ((csp[1] as string | undefined)?.toLowerCase() ?? 'device') as PolicyScope;
    tenantSegment = csp[2] as string;
    if (!csp[1]) issues.push('OMA_URI_NONCANONICAL', 'OMA_URI_NO_SCOPE');
  } else {
    const doc = DOC_URI.exec(uri);
    if (!doc) return null;
    // The PIN reset page documents this form (device scope); non-canonical, not wrong.
    scope = 'device';
    tenantSegment = doc[1] as string;
    issues.push('OMA_URI_NONCANONICAL', 'OMA_URI_DOC_FORM');
  }
  let effective = true;
  const bare = tenantSegment.replace(/^\{(.*)\}$/, '$1');
  if (bare !== tenantSegment) issues.push('OMA_URI_NONCANONICAL', 'OMA_URI_BRACES');
  if (!isGuid(bare) || bare.toLowerCase() !== tenantId.toLowerCase()) {
    // The CSP node is per tenant: another tenant's id configures nothing for ours.
    effective = false;
    issues.push('POLICY_BAD_OMA_URI', 'OMA_URI_OTHER_TENANT');
  }
  const v = omaValue(setting);
  issues.push(...v.issues);
  return { scope, value: v.value, effective, issues: [...new Set(issues)] };
}

export const INTENT_PIN_RECOVERY_DEFINITION =
  'deviceconfiguration--windowsidentityprotectionconfiguration_pinrecoveryenabled';

/**
 * A legacy intent's settings → its pinRecoveryEnabled value(s). `valueJson` "null" means the
 * setting is not configured (Microsoft365DSC maps it to notConfigured): no setting, not an
 * unreadable one.
 */
export function findIntentPinRecovery(settings: readonly unknown[]): FoundSetting[] {
  const found: FoundSetting[] = [];
  for (const s of settings) {
    if ((str(s, 'definitionId') ?? '').toLowerCase() !== INTENT_PIN_RECOVERY_DEFINITION) continue;
    let value: boolean | null = null;
    const json = str(s, 'valueJson');
    let parsed: unknown;
    try {
      parsed = json === null ? (s as Record<string, unknown>).value : (JSON.parse(json) as unknown);
    } catch {
      parsed = undefined;
    }
    if (parsed === null) continue;
    if (typeof parsed === 'boolean') value = parsed;
    found.push({
      scope: 'device',
      value,
      effective: true,
      issues: value === null ? ['POLICY_UNREADABLE_VALUE'] : [],
    });
  }
  return found;
}

/**
 * windowsIdentityProtectionConfiguration.pinRecoveryEnabled. The property is a plain Boolean,
 * so false is also what a profile that leaves it "Not configured" carries: only true is read
 * as a setting (treating false as "disabled" would invent conflicts with real policies).
 */
export function identityProtectionPinRecovery(config: unknown): FoundSetting | null {
  if (odataType(config) !== 'windowsidentityprotectionconfiguration') return null;
  const v = (config as Record<string, unknown>).pinRecoveryEnabled;
  return v === true ? { scope: 'device', value: true, effective: true, issues: [] } : null;
}
