/**
 * A seeded, realistic tenant of any size: nested device and user groups, every kind of
 * PIN-recovery policy (settings catalog, Account protection, OMA-URI in every form,
 * identity protection, intents) with include/exclude/filters and true/false conflicts,
 * devices outside every policy, non-Windows devices, and the PIN reset apps in a chosen state.
 * Same options → identical tenant. 100,000 devices build in a couple of seconds.
 */
import type { Assignment, EntraDevice, Group, ManagedDevice, PinResetAppsState, User } from './model.js';
import {
  type AssignmentSpec,
  assignmentTarget,
  type OmaForm,
  type OmaValueType,
  omaSetting,
  pinRecoveryOmaUri,
  pinRecoverySettingInstance,
  policySettings,
  unrelatedSettingInstance,
} from './policies.js';
import { Prng } from './prng.js';
import {
  identityProtectionProperties,
  makeConfigurationPolicy,
  makeDeviceConfiguration,
  makeHealthScript,
  makeIntent,
  makeRunState,
  Tenant,
  ZERO_GUID,
} from './tenant.js';

export interface GenerateOptions {
  /** Number of Intune managed devices. */
  devices: number;
  seed?: number | string;
  tenantId?: string;
  pinResetApps?: PinResetAppsState;
  /** Share of managed devices that are not Windows (default 0.1). */
  nonWindowsShare?: number;
  /** Unrelated settings-catalog policies (default 20 + devices/1000, at most 200). */
  fillerPolicies?: number;
  /** Share of Windows devices with a Remediations run state (default 0.6). */
  runStateShare?: number;
  now?: string;
}

/** Well-known names of the generated groups and policies, so tests can find them. */
export const GENERATED = {
  allWindowsGroup: 'All Windows devices',
  exclusionGroup: 'WHfB - PIN recovery exclusions',
  kioskGroup: 'Kiosk devices',
  pilotUserGroup: 'WHfB - pilot users',
  emptyGroup: 'Retired - empty',
  healthScript: 'ResetReady - PIN reset posture',
} as const;

export const WINDOWS_VERSIONS: readonly (readonly [string, number])[] = [
  ['10.0.22631.4317', 40],
  ['10.0.26100.2033', 25],
  ['10.0.19045.5011', 30],
  ['10.0.17763.6414', 4],
  // Before 1703 (10.0.15063): EnablePinRecovery does not apply.
  ['10.0.14393.7428', 1],
];
export const CAN_RESET: readonly (readonly [string, number])[] = [
  ['DestructiveAndNonDestructive', 55],
  ['DestructiveOnly', 35],
  ['NonDestructiveOnly', 2],
  ['Unknown', 8],
];

export function generateTenant(options: GenerateOptions): Tenant {
  const n = Math.max(0, Math.floor(options.devices));
  const seed = options.seed ?? 1;
  const r = new Prng(`${seed}:data`);
  const t = new Tenant({ seed: `${seed}:ids`, tenantId: options.tenantId, now: options.now });
  const nonWindowsShare = options.nonWindowsShare ?? 0.1;

  // --- users --------------------------------------------------------------------------
  const userCount = Math.max(2, Math.ceil(n * 0.8));
  const users: User[] = [];
  for (let i = 0; i < userCount; i++) {
    users.push(t.addUser({ userPrincipalName: `user${i + 1}@${t.domain}`, displayName: `User ${i + 1}` }));
  }
  const departments = Math.max(5, Math.min(50, Math.ceil(n / 2000)));
  const deptOfUser = (u: number) => u % departments;

  // --- devices ------------------------------------------------------------------------
  const windowsEntra: EntraDevice[] = [];
  const windowsManaged: ManagedDevice[] = [];
  const entraByDept: string[][] = Array.from({ length: departments }, () => []);
  for (let i = 0; i < n; i++) {
    const userIndex = r.int(0, userCount - 1);
    const user = users[userIndex] as User;
    const windows = !r.chance(nonWindowsShare);
    const os = windows ? 'Windows' : r.pick(['iOS', 'Android', 'macOS']);
    const joinType = windows
      ? r.weighted([
          ['azureADJoined', 60],
          ['hybridAzureADJoined', 30],
          ['azureADRegistered', 10],
        ] as const)
      : 'unknown';
    const name = windows
      ? `${joinType === 'hybridAzureADJoined' ? 'HQ' : 'CPC'}-${String(i + 1).padStart(6, '0')}`
      : `${os}-${i + 1}`;
    // A few Intune devices have no Entra record (graph.md §3: all-zero azureADDeviceId).
    const entra = r.chance(0.01)
      ? null
      : t.addEntraDevice({
          displayName: name,
          operatingSystem: os,
          operatingSystemVersion: windows ? r.weighted(WINDOWS_VERSIONS) : '17.5.1',
          trustType: windows
            ? joinType === 'hybridAzureADJoined'
              ? 'ServerAd'
              : joinType === 'azureADRegistered'
                ? 'Workplace'
                : 'AzureAd'
            : 'Workplace',
          accountEnabled: !r.chance(0.005),
          isManaged: true,
          isCompliant: true,
          mdmAppId: '0000000a-0000-0000-c000-000000000000',
          approximateLastSignInDateTime: t.isoDaysAgo(r.int(0, 30)),
        });
    const logged = [{ userId: user.id, lastLogOnDateTime: t.isoDaysAgo(r.int(0, 10)) }];
    if (windows && r.chance(0.1)) {
      logged.push({
        userId: (users[r.int(0, userCount - 1)] as User).id,
        lastLogOnDateTime: t.isoDaysAgo(r.int(0, 20)),
      });
    }
    const owner = r.chance(0.9) ? 'company' : 'personal';
    const md = t.addManagedDevice({
      deviceName: name,
      operatingSystem: os,
      osVersion: entra?.operatingSystemVersion ?? (windows ? '10.0.22631.4317' : '17.5.1'),
      joinType,
      azureADDeviceId: entra?.deviceId ?? ZERO_GUID,
      userId: user.id,
      complianceState: r.weighted([
        ['compliant', 80],
        ['noncompliant', 12],
        ['inGracePeriod', 3],
        ['unknown', 5],
      ] as const),
      managementAgent:
        joinType === 'hybridAzureADJoined' && r.chance(0.3) ? 'configurationManagerClientMdm' : 'mdm',
      managedDeviceOwnerType: owner,
      lastSyncDateTime: t.isoDaysAgo(r.chance(0.03) ? r.int(60, 120) : r.int(0, 7)),
      enrolledDateTime: t.isoDaysAgo(r.int(30, 900)),
      manufacturer: windows
        ? r.pick(['Microsoft Corporation', 'Dell Inc.', 'HP', 'LENOVO'])
        : os === 'macOS'
          ? 'Apple'
          : 'Apple',
      model: windows
        ? r.pick([
            'Surface Laptop 5',
            'Latitude 7440',
            'EliteBook 840 G10',
            'ThinkPad T14 Gen 4',
            'Virtual Machine',
          ])
        : 'iPhone 15',
      serialNumber: `SN${r.uint32().toString(36).toUpperCase()}${i}`,
      usersLoggedOn: logged,
      deviceEnrollmentType: windows
        ? joinType === 'azureADRegistered'
          ? 'userEnrollment'
          : 'windowsAzureADJoin'
        : 'userEnrollment',
    });
    if (windows) {
      windowsManaged.push(md);
      if (entra) windowsEntra.push(entra);
    }
    if (entra) entraByDept[deptOfUser(userIndex)]?.push(entra.id);
  }
  // Entra devices Intune does not manage (personal registrations, servers).
  const unmanaged = Math.floor(n * 0.02);
  for (let i = 0; i < unmanaged; i++) {
    const d = t.addEntraDevice({
      displayName: `BYOD-${i + 1}`,
      trustType: 'Workplace',
      isManaged: false,
      operatingSystem: 'Windows',
    });
    entraByDept[i % departments]?.push(d.id);
  }

  // --- groups (nested) -----------------------------------------------------------------
  const allWindows = t.addGroup({
    displayName: GENERATED.allWindowsGroup,
    groupTypes: ['DynamicMembership'],
    membershipRule: '(device.deviceOSType -eq "Windows")',
    members: windowsEntra.map((d) => d.id),
  });
  const deptDevices: Group[] = [];
  const deptUsers: Group[] = [];
  for (let k = 0; k < departments; k++) {
    deptDevices.push(t.addGroup({ displayName: `Devices - Dept ${k}`, members: entraByDept[k] }));
    deptUsers.push(
      t.addGroup({
        displayName: `Users - Dept ${k}`,
        members: users.filter((_, u) => deptOfUser(u) === k).map((u) => u.id),
      }),
    );
  }
  // Regions nest department groups (two levels), so only transitive membership finds the devices.
  const regions = Math.max(2, Math.ceil(departments / 5));
  const regionGroups: Group[] = [];
  for (let g = 0; g < regions; g++) {
    regionGroups.push(
      t.addGroup({
        displayName: `Devices - Region ${g}`,
        members: deptDevices.filter((_, k) => k % regions === g).map((x) => x.id),
      }),
    );
  }
  const allRegions = t.addGroup({
    displayName: 'Devices - All regions',
    members: regionGroups.map((g) => g.id),
  });
  const pilotUsers = t.addGroup({
    displayName: GENERATED.pilotUserGroup,
    members: [
      (deptUsers[0] as { id: string }).id,
      ...users.slice(0, Math.min(5, users.length)).map((u) => u.id),
    ],
  });
  const sample = (share: number) => windowsEntra.filter(() => r.chance(share)).map((d) => d.id);
  const exclusions = t.addGroup({ displayName: GENERATED.exclusionGroup, members: sample(0.01) });
  const kiosk = t.addGroup({ displayName: GENERATED.kioskGroup, members: sample(0.02) });
  t.addGroup({ displayName: GENERATED.emptyGroup });
  addGeneratedPolicies(t, r, {
    regions: regionGroups.map((g) => g.id),
    exclusions: exclusions.id,
    kiosk: kiosk.id,
    pilotUsers: pilotUsers.id,
    deptDevices: deptDevices.map((g) => g.id),
    deptUsers: deptUsers.map((g) => g.id),
    allWindows: allWindows.id,
    allRegions: allRegions.id,
    fillers: options.fillerPolicies ?? Math.min(200, 20 + Math.floor(n / 1000)),
  });

  // --- apps, remediations -------------------------------------------------------------
  t.setPinResetApps(options.pinResetApps ?? 'both');
  t.addServicePrincipal({ appId: '00000003-0000-0000-c000-000000000000', displayName: 'Microsoft Graph' });
  t.addServicePrincipal({ appId: '0000000a-0000-0000-c000-000000000000', displayName: 'Microsoft Intune' });

  const script = t.addDeviceHealthScript(makeHealthScript(t, GENERATED.healthScript));
  const share = options.runStateShare ?? 0.6;
  for (const md of windowsManaged) {
    if (!r.chance(share)) continue;
    const state = r.weighted([
      ['success', 90],
      ['fail', 6],
      ['scriptError', 2],
      ['pending', 2],
    ] as const);
    let output: string | null = null;
    if (state === 'success' || state === 'fail') {
      output = JSON.stringify({
        v: 1,
        canReset: r.weighted(CAN_RESET),
        ngcSet: true,
        aadJoined: md.joinType === 'azureADJoined',
        deviceId: md.azureADDeviceId,
      });
      // A few scripts print far too much; Intune keeps 2048 characters.
      if (r.chance(0.005)) output = `${'x'.repeat(2500)}\n${output}`;
    }
    script.deviceRunStates.push(makeRunState(t, md.id, output, state, r.int(0, 6)));
  }
  t.addDeviceHealthScript(makeHealthScript(t, 'Unrelated - disk cleanup'));
  return t;
}

/** Groups the generated policies are assigned to (object ids). */
export interface PolicyGroupRefs {
  /** At least two. */
  regions: string[];
  exclusions: string;
  kiosk: string;
  pilotUsers: string;
  deptDevices: string[];
  deptUsers: string[];
  allWindows: string;
  allRegions: string;
  /** Unrelated settings-catalog policies to add. */
  fillers: number;
}

/**
 * Every kind of PIN-recovery policy (settings catalog, Account protection, OMA-URI in every
 * form, identity protection, intents) with include/exclude/filters and true/false conflicts,
 * then unrelated filler policies. Shared by the materialized and the streaming generator, so
 * both tenants carry the same policy set for a seed.
 */
export function addGeneratedPolicies(t: Tenant, r: Prng, g: PolicyGroupRefs): void {
  const departments = g.deptDevices.length;
  const dept = (k: number) => g.deptDevices[k % departments] as string;
  const deptU = (k: number) => g.deptUsers[k % departments] as string;
  const region = (k: number) => g.regions[k] as string;

  // --- PIN recovery policies ------------------------------------------------------------
  const filterA = t.ids.guid();
  const filterB = t.ids.guid();
  const assign = (specs: AssignmentSpec[]): Assignment[] =>
    specs.map((s) => ({ id: t.ids.guid(), target: assignmentTarget(s), source: 'direct', sourceId: null }));
  const sc = (
    name: string,
    instances: Parameters<typeof policySettings>[0],
    specs: AssignmentSpec[],
    accountProtection = false,
  ) =>
    t.addConfigurationPolicy(
      makeConfigurationPolicy(t, name, policySettings(instances), assign(specs), accountProtection),
    );

  sc(
    'WHfB - Enable PIN recovery (devices)',
    [
      unrelatedSettingInstance(
        'device_vendor_msft_passportforwork_{tenantid}_policies_usepassportforwork',
        1,
      ),
      pinRecoverySettingInstance('device', true),
    ],
    [{ include: region(0) }, { exclude: g.exclusions }],
  );
  sc(
    'Account protection - WHfB',
    [pinRecoverySettingInstance('device', true), pinRecoverySettingInstance('user', true)],
    [{ include: g.pilotUsers }],
    true,
  );
  sc(
    'WHfB - Kiosk (PIN recovery off)',
    [pinRecoverySettingInstance('device', false)],
    [{ include: g.kiosk }],
  );
  sc(
    'WHfB - user settings',
    [pinRecoverySettingInstance('user', true)],
    [{ allUsers: true, filter: { id: filterA, type: 'include' } }],
  );
  sc(
    'Account protection - legacy (disabled)',
    [pinRecoverySettingInstance('device', false)],
    [{ include: dept(3) }, { exclude: g.exclusions }],
    true,
  );
  sc('WHfB - unassigned draft', [pinRecoverySettingInstance('device', true)], []);

  const oma = (
    name: string,
    form: OmaForm,
    valueType: OmaValueType,
    enabled: boolean,
    specs: AssignmentSpec[],
    tenantId = t.tenantId,
  ) =>
    t.addDeviceConfiguration(
      makeDeviceConfiguration(
        t,
        '#microsoft.graph.windows10CustomConfiguration',
        name,
        { omaSettings: [omaSetting(pinRecoveryOmaUri(form, tenantId), valueType, enabled)] },
        assign(specs),
      ),
    );
  oma('OMA - PassportForWork PIN recovery (device)', 'device', 'boolean', true, [{ include: region(1) }]);
  oma('OMA - PassportForWork PIN recovery (user)', 'user', 'integer', true, [{ include: deptU(1) }]);
  oma('OMA - PIN recovery (doc path)', 'doc', 'string', true, [{ include: dept(2) }]);
  oma(
    'OMA - PIN recovery (old tenant)',
    'device',
    'boolean',
    true,
    [{ allDevices: true, filter: { id: filterB, type: 'exclude' } }],
    t.ids.guid(),
  );
  oma('OMA - PIN recovery off (kiosk)', 'device', 'integer', false, [{ include: g.kiosk }]);
  t.addDeviceConfiguration(
    makeDeviceConfiguration(
      t,
      '#microsoft.graph.windowsIdentityProtectionConfiguration',
      'Identity protection - WHfB',
      identityProtectionProperties(true),
      assign([{ include: dept(4) }]),
    ),
  );
  t.addDeviceConfiguration(
    makeDeviceConfiguration(
      t,
      '#microsoft.graph.windowsIdentityProtectionConfiguration',
      'Identity protection - no recovery',
      identityProtectionProperties(false),
      assign([{ include: dept(0) }, { exclude: g.exclusions }]),
    ),
  );
  t.addIntent(makeIntent(t, 'Account protection (legacy template)', true, assign([{ include: dept(5) }])));
  t.addIntent(makeIntent(t, 'Account protection (legacy, off)', false, assign([{ include: g.kiosk }])));

  // --- filler -----------------------------------------------------------------------------
  const fillers = g.fillers;
  for (let i = 0; i < fillers; i++) {
    const settings = Array.from({ length: r.int(1, 30) }, (_, j) =>
      unrelatedSettingInstance(`device_vendor_msft_policy_config_filler${i}_setting${j}`, j),
    );
    const specs: AssignmentSpec[] = r.chance(0.2)
      ? []
      : r.chance(0.3)
        ? [{ allDevices: true }]
        : [{ include: dept(r.int(0, departments - 1)) }, ...(r.chance(0.3) ? [{ exclude: g.kiosk }] : [])];
    sc(`Baseline ${i + 1}`, settings, specs);
  }
  for (let i = 0; i < Math.ceil(fillers / 2); i++) {
    t.addDeviceConfiguration(
      makeDeviceConfiguration(
        t,
        '#microsoft.graph.windows10GeneralConfiguration',
        `Device restrictions ${i + 1}`,
        { passwordRequired: true },
        assign(r.chance(0.5) ? [{ include: g.allWindows }] : [{ include: g.allRegions }]),
      ),
    );
  }
}
