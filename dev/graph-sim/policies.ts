/**
 * Policy content in the shapes Intune returns: the PassportForWork EnablePinRecovery
 * setting tree (graph.md §6.2, `{tenantid}` stays literal), OMA-URI settings in every
 * form we must recognise or flag (domain.md §5.1), and assignment targets (graph.md §6.3).
 */
import type { AssignmentTarget, IntentSetting, OmaSetting, PolicySetting, SettingInstance } from './model.js';

export type PinScope = 'device' | 'user';

export const PIN_RECOVERY_INTENT_DEFINITION_ID =
  'deviceConfiguration--windowsIdentityProtectionConfiguration_pinRecoveryEnabled';

export function pinRecoveryDefinitionId(scope: PinScope): string {
  return `${scope}_vendor_msft_passportforwork_{tenantid}_policies_enablepinrecovery`;
}

/** The group collection `{scope}_vendor_msft_passportforwork_{tenantid}` holding the choice setting. */
export function pinRecoverySettingInstance(scope: PinScope, enabled: boolean): SettingInstance {
  const root = `${scope}_vendor_msft_passportforwork_{tenantid}`;
  const choiceId = pinRecoveryDefinitionId(scope);
  return {
    '@odata.type': '#microsoft.graph.deviceManagementConfigurationGroupSettingCollectionInstance',
    settingDefinitionId: root,
    settingInstanceTemplateReference: null,
    auditRuleInformation: null,
    groupSettingCollectionValue: [
      {
        settingValueTemplateReference: null,
        children: [
          {
            '@odata.type': '#microsoft.graph.deviceManagementConfigurationChoiceSettingInstance',
            settingDefinitionId: choiceId,
            settingInstanceTemplateReference: null,
            auditRuleInformation: null,
            choiceSettingValue: {
              '@odata.type': '#microsoft.graph.deviceManagementConfigurationChoiceSettingValue',
              value: `${choiceId}_${enabled ? 'true' : 'false'}`,
              settingValueTemplateReference: null,
              children: [],
            },
          },
        ],
      },
    ],
  };
}

/** An unrelated settings-catalog setting (simple integer), so PIN settings are not alone. */
export function unrelatedSettingInstance(definitionId: string, value: number): SettingInstance {
  return {
    '@odata.type': '#microsoft.graph.deviceManagementConfigurationSimpleSettingInstance',
    settingDefinitionId: definitionId,
    settingInstanceTemplateReference: null,
    auditRuleInformation: null,
    simpleSettingValue: {
      '@odata.type': '#microsoft.graph.deviceManagementConfigurationIntegerSettingValue',
      settingValueTemplateReference: null,
      value,
    },
  };
}

export function policySettings(instances: SettingInstance[]): PolicySetting[] {
  return instances.map((settingInstance, i) => ({ id: String(i), settingInstance }));
}

export type OmaForm =
  /** ./Device/Vendor/MSFT/PassportForWork/<tenant>/Policies/EnablePinRecovery (the CSP's URI). */
  | 'device'
  /** ./User/Vendor/MSFT/PassportForWork/<tenant>/Policies/EnablePinRecovery. */
  | 'user'
  /** The PIN reset doc's variant ./Vendor/MSFT/Policy/PassportForWork/<tenant>/... (non-canonical). */
  | 'doc'
  /** ./Vendor/MSFT/PassportForWork/<tenant>/... without ./Device (device scope by default). */
  | 'noScope'
  /** The CSP URI with the tenant id in braces. */
  | 'braces';

export function pinRecoveryOmaUri(form: OmaForm, tenantId: string): string {
  switch (form) {
    case 'device':
      return `./Device/Vendor/MSFT/PassportForWork/${tenantId}/Policies/EnablePinRecovery`;
    case 'user':
      return `./User/Vendor/MSFT/PassportForWork/${tenantId}/Policies/EnablePinRecovery`;
    case 'doc':
      return `./Vendor/MSFT/Policy/PassportForWork/${tenantId}/Policies/EnablePinRecovery`;
    case 'noScope':
      return `./Vendor/MSFT/PassportForWork/${tenantId}/Policies/EnablePinRecovery`;
    case 'braces':
      return `./Device/Vendor/MSFT/PassportForWork/{${tenantId}}/Policies/EnablePinRecovery`;
  }
}

export type OmaValueType = 'boolean' | 'integer' | 'string';

export function omaSetting(
  omaUri: string,
  valueType: OmaValueType,
  enabled: boolean,
  displayName?: string,
): OmaSetting {
  const common = {
    displayName: displayName ?? 'Enable PIN recovery',
    description: null,
    omaUri,
    isEncrypted: false,
    secretReferenceValueId: null,
  };
  switch (valueType) {
    case 'boolean':
      return { '@odata.type': '#microsoft.graph.omaSettingBoolean', ...common, value: enabled };
    case 'integer':
      return { '@odata.type': '#microsoft.graph.omaSettingInteger', ...common, value: enabled ? 1 : 0 };
    case 'string':
      return {
        '@odata.type': '#microsoft.graph.omaSettingString',
        ...common,
        value: enabled ? 'true' : 'false',
      };
  }
}

/** null: the template leaves the setting "Not configured", which Intune returns as valueJson "null". */
export function pinRecoveryIntentSetting(id: string, enabled: boolean | null): IntentSetting {
  return {
    '@odata.type': '#microsoft.graph.deviceManagementBooleanSettingInstance',
    id,
    definitionId: PIN_RECOVERY_INTENT_DEFINITION_ID,
    valueJson: JSON.stringify(enabled),
    value: enabled,
  };
}

export interface FilterSpec {
  id: string;
  type: 'include' | 'exclude';
}

/** How tests and the generator describe an assignment; group references are object ids. */
export type AssignmentSpec =
  | { include: string; filter?: FilterSpec }
  | { exclude: string }
  | { allDevices: true; filter?: FilterSpec }
  | { allUsers: true; filter?: FilterSpec };

export function assignmentTarget(spec: AssignmentSpec): AssignmentTarget {
  const filter = 'filter' in spec && spec.filter ? spec.filter : null;
  const filterProps = {
    deviceAndAppManagementAssignmentFilterId: filter ? filter.id : null,
    deviceAndAppManagementAssignmentFilterType: filter ? filter.type : ('none' as const),
  };
  if ('include' in spec) {
    return { '@odata.type': '#microsoft.graph.groupAssignmentTarget', ...filterProps, groupId: spec.include };
  }
  if ('exclude' in spec) {
    // Intune does not allow filters on exclusions.
    return {
      '@odata.type': '#microsoft.graph.exclusionGroupAssignmentTarget',
      ...filterProps,
      groupId: spec.exclude,
    };
  }
  if ('allDevices' in spec)
    return { '@odata.type': '#microsoft.graph.allDevicesAssignmentTarget', ...filterProps };
  return { '@odata.type': '#microsoft.graph.allLicensedUsersAssignmentTarget', ...filterProps };
}
