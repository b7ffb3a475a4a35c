/** Parsing of Graph payloads: stored doc fixtures (generator quirks included) and hand-made wire shapes. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseAssignments } from '../../shared/graph/collectors/assignments.js';
import { MANAGED_DEVICES_PATH, parseManagedDevice } from '../../shared/graph/collectors/managed-devices.js';
import {
  findCatalogPinRecovery,
  findIntentPinRecovery,
  identityProtectionPinRecovery,
  parseOmaPinRecovery,
} from '../../shared/graph/collectors/pin-recovery-settings.js';
import { toPolicies } from '../../shared/graph/collectors/policies.js';
import { readinessFrom } from '../../shared/posture/inputs.js';

const fixture = (name: string) =>
  JSON.parse(readFileSync(new URL(`../fixtures/graph/${name}`, import.meta.url), 'utf8')) as {
    value: unknown[];
  };

const TENANT = '11111111-2222-3333-4444-555555555555';
const OTHER_TENANT = '99999999-2222-3333-4444-555555555555';

function catalogTree(scope: 'device' | 'user', option: string, typePrefix = '#') {
  const root = `${scope}_vendor_msft_passportforwork_{tenantid}`;
  return {
    id: '0',
    settingInstance: {
      '@odata.type': `${typePrefix}microsoft.graph.deviceManagementConfigurationGroupSettingCollectionInstance`,
      settingDefinitionId: root,
      groupSettingCollectionValue: [
        {
          children: [
            {
              '@odata.type': `${typePrefix}microsoft.graph.deviceManagementConfigurationChoiceSettingInstance`,
              settingDefinitionId: `${root}_policies_usepassportforwork`,
              choiceSettingValue: { value: `${root}_policies_usepassportforwork_true`, children: [] },
            },
            {
              '@odata.type': `${typePrefix}microsoft.graph.deviceManagementConfigurationChoiceSettingInstance`,
              settingDefinitionId: `${root}_policies_enablepinrecovery`,
              choiceSettingValue: { value: `${root}_policies_enablepinrecovery_${option}`, children: [] },
            },
          ],
        },
      ],
    },
  };
}

describe('managed devices', () => {
  it('parses the docs fixture and drops it when the OS is not Windows (filters can be ignored)', () => {
    const [raw] = fixture('v1.0-managedDevices-list.docs-example.json').value;
    expect(parseManagedDevice(raw)).toBeNull(); // "Operating System value"
    const d = parseManagedDevice({ ...(raw as object), operatingSystem: 'Windows' });
    expect(d).toMatchObject({
      id: '705c034c-034c-705c-4c03-5c704c035c70',
      complianceState: 'compliant',
      userId: null,
    });
  });

  it('normalises ids, maps the zero azureADDeviceId to null and keeps logged-on users', () => {
    const d = parseManagedDevice({
      id: 'AAAAAAAA-0000-0000-0000-000000000001',
      operatingSystem: 'Windows',
      azureADDeviceId: '00000000-0000-0000-0000-000000000000',
      userId: 'BBBBBBBB-0000-0000-0000-000000000001',
      joinType: 'azureADJoined',
      usersLoggedOn: [
        { userId: 'CCCCCCCC-0000-0000-0000-000000000001', lastLogOnDateTime: '2025-01-01T00:00:00Z' },
      ],
    });
    expect(d).toMatchObject({
      id: 'aaaaaaaa-0000-0000-0000-000000000001',
      azureADDeviceId: null,
      userId: 'bbbbbbbb-0000-0000-0000-000000000001',
      joinType: 'azureADJoined',
      usersLoggedOn: [
        { userId: 'cccccccc-0000-0000-0000-000000000001', lastLogOnDateTime: '2025-01-01T00:00:00Z' },
      ],
    });
    expect(parseManagedDevice({ id: 'x', operatingSystem: 'iOS' })).toBeNull();
  });

  it('asks beta for Windows only, with $select and a 1000 page', () => {
    const q = new URL(MANAGED_DEVICES_PATH, 'https://g').searchParams;
    expect(q.get('$filter')).toBe("operatingSystem eq 'Windows'");
    expect(q.get('$top')).toBe('1000');
    expect(q.get('$select')?.split(',')).toEqual(
      expect.arrayContaining(['azureADDeviceId', 'usersLoggedOn', 'joinType']),
    );
  });
});

describe('settings catalog EnablePinRecovery', () => {
  it('finds the device and user settings nested in group collections, with or without # in @odata.type', () => {
    expect(findCatalogPinRecovery([catalogTree('device', 'true')])).toEqual([
      { scope: 'device', value: true, effective: true, issues: [] },
    ]);
    expect(findCatalogPinRecovery([catalogTree('user', 'false', '')])).toEqual([
      { scope: 'user', value: false, effective: true, issues: [] },
    ]);
  });

  it('matches ids case-insensitively and searches every children array', () => {
    const id = 'Device_Vendor_MSFT_PassportForWork_{TenantId}_Policies_EnablePinRecovery';
    const deep = {
      settingInstance: {
        settingDefinitionId: 'something_else',
        choiceSettingValue: {
          value: 'x',
          children: [
            {
              settingDefinitionId: 'group',
              groupSettingValue: {
                children: [
                  { settingDefinitionId: id, choiceSettingValue: { value: `${id}_TRUE`, children: [] } },
                ],
              },
            },
          ],
        },
      },
    };
    expect(findCatalogPinRecovery([deep])).toEqual([
      { scope: 'device', value: true, effective: true, issues: [] },
    ]);
  });

  it('flags an unreadable option and ignores unrelated settings', () => {
    const t = catalogTree('device', 'maybe');
    expect(findCatalogPinRecovery([t])[0]).toMatchObject({
      value: null,
      issues: ['POLICY_UNREADABLE_VALUE'],
    });
    expect(
      findCatalogPinRecovery([{ settingInstance: { settingDefinitionId: 'device_vendor_msft_x' } }]),
    ).toEqual([]);
  });
});

describe('OMA-URI EnablePinRecovery', () => {
  const oma = (omaUri: string, type = '#microsoft.graph.omaSettingBoolean', value: unknown = true) => ({
    '@odata.type': type,
    omaUri,
    value,
  });

  it('reads the CSP device and user URIs for our tenant', () => {
    expect(
      parseOmaPinRecovery(
        oma(`./Device/Vendor/MSFT/PassportForWork/${TENANT}/Policies/EnablePinRecovery`),
        TENANT,
      ),
    ).toEqual({
      scope: 'device',
      value: true,
      effective: true,
      issues: [],
    });
    expect(
      parseOmaPinRecovery(
        oma(
          `./user/vendor/msft/passportforwork/${TENANT.toUpperCase()}/policies/enablepinrecovery`,
          '#microsoft.graph.omaSettingBoolean',
          false,
        ),
        TENANT,
      ),
    ).toEqual({ scope: 'user', value: false, effective: true, issues: [] });
  });

  it("makes another tenant's id ineffective", () => {
    expect(
      parseOmaPinRecovery(
        oma(`./Device/Vendor/MSFT/PassportForWork/${OTHER_TENANT}/Policies/EnablePinRecovery`),
        TENANT,
      ),
    ).toMatchObject({
      effective: false,
      issues: ['POLICY_BAD_OMA_URI', 'OMA_URI_OTHER_TENANT'],
    });
  });

  it('marks braces, the PIN reset page form and a missing ./Device as non-canonical (effective), non-boolean types as wrong', () => {
    expect(
      parseOmaPinRecovery(
        oma(`./Device/Vendor/MSFT/PassportForWork/{${TENANT}}/Policies/EnablePinRecovery`),
        TENANT,
      ),
    ).toMatchObject({
      effective: true,
      issues: ['OMA_URI_NONCANONICAL', 'OMA_URI_BRACES'],
    });
    expect(
      parseOmaPinRecovery(
        oma(`./Vendor/MSFT/Policy/PassportForWork/${TENANT}/Policies/EnablePinRecovery`),
        TENANT,
      ),
    ).toMatchObject({
      scope: 'device',
      value: true,
      effective: true,
      issues: ['OMA_URI_NONCANONICAL', 'OMA_URI_DOC_FORM'],
    });
    // "By default, if no prefix with ./device or ./user, it's a device-targeted configuration".
    expect(
      parseOmaPinRecovery(oma(`./Vendor/MSFT/PassportForWork/${TENANT}/Policies/EnablePinRecovery`), TENANT),
    ).toEqual({
      scope: 'device',
      value: true,
      effective: true,
      issues: ['OMA_URI_NONCANONICAL', 'OMA_URI_NO_SCOPE'],
    });
    const uri = `./Device/Vendor/MSFT/PassportForWork/${TENANT}/Policies/EnablePinRecovery`;
    expect(parseOmaPinRecovery(oma(uri, 'microsoft.graph.omaSettingInteger', 1), TENANT)).toMatchObject({
      value: true,
      issues: ['POLICY_BAD_OMA_URI', 'OMA_VALUE_NOT_BOOLEAN'],
    });
    expect(parseOmaPinRecovery(oma(uri, '#microsoft.graph.omaSettingString', 'false'), TENANT)).toMatchObject(
      { value: false },
    );
    expect(parseOmaPinRecovery(oma(uri, '#microsoft.graph.omaSettingString', '****'), TENANT)).toMatchObject({
      value: null,
      issues: expect.arrayContaining(['POLICY_UNREADABLE_VALUE']),
    });
  });

  it('ignores other URIs', () => {
    expect(
      parseOmaPinRecovery(
        oma(`./Device/Vendor/MSFT/PassportForWork/${TENANT}/Policies/UsePassportForWork`),
        TENANT,
      ),
    ).toBeNull();
  });
});

describe('identity protection and intents', () => {
  it('reads pinRecoveryEnabled true, and treats false as not configured', () => {
    const cfg = {
      '@odata.type': '#microsoft.graph.windowsIdentityProtectionConfiguration',
      pinRecoveryEnabled: true,
    };
    expect(identityProtectionPinRecovery(cfg)).toEqual({
      scope: 'device',
      value: true,
      effective: true,
      issues: [],
    });
    expect(identityProtectionPinRecovery({ ...cfg, pinRecoveryEnabled: false })).toBeNull();
    expect(
      identityProtectionPinRecovery({ '@odata.type': '#microsoft.graph.windows10GeneralConfiguration' }),
    ).toBeNull();
  });

  it('reads the intent setting valueJson', () => {
    const s = (valueJson: string) => ({
      definitionId: 'deviceConfiguration--windowsIdentityProtectionConfiguration_pinRecoveryEnabled',
      valueJson,
    });
    expect(findIntentPinRecovery([s('true')])).toEqual([
      { scope: 'device', value: true, effective: true, issues: [] },
    ]);
    expect(findIntentPinRecovery([s('false'), { definitionId: 'other', valueJson: 'true' }])).toMatchObject([
      { value: false },
    ]);
    expect(findIntentPinRecovery([s('not json')])).toMatchObject([
      { value: null, issues: ['POLICY_UNREADABLE_VALUE'] },
    ]);
    // "null" is "not configured": no setting at all, so the intent does not count as a PIN recovery policy.
    expect(findIntentPinRecovery([s('null')])).toEqual([]);
  });
});

describe('assignments', () => {
  it('skips the ConfigMgr collection target of the docs fixture and reports it', () => {
    expect(
      parseAssignments(fixture('beta-configurationPolicy-assignments-list.docs-example.json').value),
    ).toEqual({
      assignments: [],
      issues: ['ASSIGNMENT_CONFIGMGR_COLLECTION'],
    });
  });

  it('maps every target kind with filters (none → no filter; no filter on exclusions)', () => {
    const t = (type: string, extra: Record<string, unknown> = {}) => ({
      target: { '@odata.type': type, ...extra },
    });
    expect(
      parseAssignments([
        t('#microsoft.graph.groupAssignmentTarget', {
          groupId: 'G1',
          deviceAndAppManagementAssignmentFilterId: 'f1',
          deviceAndAppManagementAssignmentFilterType: 'include',
        }),
        t('microsoft.graph.exclusionGroupAssignmentTarget', {
          groupId: 'g2',
          deviceAndAppManagementAssignmentFilterType: 'none',
        }),
        t('#microsoft.graph.allDevicesAssignmentTarget', {
          deviceAndAppManagementAssignmentFilterId: 'f2',
          deviceAndAppManagementAssignmentFilterType: 'exclude',
        }),
        t('#microsoft.graph.allLicensedUsersAssignmentTarget', {
          deviceAndAppManagementAssignmentFilterId: null,
          deviceAndAppManagementAssignmentFilterType: 'none',
        }),
      ]).assignments,
    ).toEqual([
      { target: 'group', groupId: 'g1', filterId: 'f1', filterType: 'include' },
      { target: 'exclusionGroup', groupId: 'g2' },
      { target: 'allDevices', filterId: 'f2', filterType: 'exclude' },
      { target: 'allUsers' },
    ]);
  });
});

describe('toPolicies', () => {
  const base = { graphId: 'p1', name: 'WHfB', kind: 'settingsCatalog' as const, lastModifiedDateTime: null };
  const assign = [{ target: { '@odata.type': '#microsoft.graph.allDevicesAssignmentTarget' } }];

  it('splits a policy carrying both scopes into <id> and <id>:user', () => {
    const found = [
      { scope: 'device' as const, value: true, effective: true, issues: [] },
      { scope: 'user' as const, value: false, effective: true, issues: [] },
    ];
    expect(toPolicies({ ...base, found }, assign).map((p) => [p.id, p.scope, p.value, p.graphId])).toEqual([
      ['p1', 'device', true, 'p1'],
      ['p1:user', 'user', false, 'p1'],
    ]);
  });

  it('turns disagreeing same-scope duplicates into an unreadable value', () => {
    const found = [
      { scope: 'device' as const, value: true, effective: true, issues: [] },
      { scope: 'device' as const, value: false, effective: true, issues: [] },
    ];
    expect(toPolicies({ ...base, found }, assign)).toMatchObject([
      {
        id: 'p1',
        value: null,
        issues: ['POLICY_DUPLICATE_SETTING'],
        assignments: [{ target: 'allDevices' }],
      },
    ]);
  });
});

describe('tenant readiness', () => {
  const present = { present: true, enabled: true, servicePrincipalId: 'x' };
  const missing = { present: false, enabled: null, servicePrincipalId: null };
  const disabled = { present: true, enabled: false, servicePrincipalId: 'y' };
  const unknown = { present: null, enabled: null, servicePrincipalId: null };
  it.each([
    [present, present, 'ready'],
    [missing, present, 'missing'],
    [present, missing, 'missing'],
    [missing, disabled, 'missing'],
    [disabled, present, 'disabled'],
    [unknown, present, 'unknown'],
    [missing, unknown, 'unknown'],
  ] as const)('%o + %o → %s', (s, c, state) => {
    expect(readinessFrom(s, c).state).toBe(state);
  });
});
