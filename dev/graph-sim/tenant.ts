/**
 * The simulated tenant: plain Graph-shaped data plus the few lookups the server needs
 * (by object id, by deviceId, by UPN, flattened group membership). Tests build small
 * scenarios with TenantBuilder; generate.ts builds large seeded ones.
 */
import {
  certificateBinding,
  encodeAlternativeSecurityId,
} from '../../shared/trust/alternative-security-id.js';
import {
  ACCOUNT_PROTECTION_TEMPLATE_ID,
  type Assignment,
  type ConfigurationPolicy,
  type DeviceConfiguration,
  type DeviceHealthScript,
  type DeviceRunState,
  type EntraDevice,
  type Group,
  INTUNE_MDM_APP_ID,
  type Intent,
  type JoinTypeGraph,
  type ManagedDevice,
  MICROSOFT_SERVICES_TENANT_ID,
  type Organization,
  PIN_RESET_CLIENT_APP_ID,
  PIN_RESET_SERVICE_APP_ID,
  type PinResetAppsState,
  type ServicePrincipal,
  type User,
} from './model.js';
import {
  type AssignmentSpec,
  assignmentTarget,
  type OmaForm,
  type OmaValueType,
  omaSetting,
  pinRecoveryIntentSetting,
  pinRecoveryOmaUri,
  pinRecoverySettingInstance,
  policySettings,
  unrelatedSettingInstance,
} from './policies.js';
import { Prng } from './prng.js';
import { arraySeq, type Seq } from './seq.js';
import type { MemberObject, ObjectKind, SimTenant } from './sim-tenant.js';

export * from './model.js';
export * from './policies.js';

export const ZERO_GUID = '00000000-0000-0000-0000-000000000000';
/** A fixed clock, so generated dates (and therefore JSON) do not depend on when tests run. */
export const DEFAULT_NOW = '2025-06-02T08:00:00.000Z';

export type { ObjectKind } from './sim-tenant.js';

export interface TenantOptions {
  tenantId?: string;
  displayName?: string;
  /** Primary domain for UPNs, e.g. contoso.onmicrosoft.com. */
  domain?: string;
  seed?: number | string;
  now?: string;
}

export class Tenant implements SimTenant {
  readonly organization: Organization;
  readonly domain: string;
  readonly now: Date;
  readonly users: User[] = [];
  readonly devices: EntraDevice[] = [];
  readonly managedDevices: ManagedDevice[] = [];
  readonly groups: Group[] = [];
  readonly configurationPolicies: ConfigurationPolicy[] = [];
  readonly deviceConfigurations: DeviceConfiguration[] = [];
  readonly intents: Intent[] = [];
  readonly servicePrincipals: ServicePrincipal[] = [];
  readonly deviceHealthScripts: DeviceHealthScript[] = [];

  /** Id source for anything added without an id; seeded so the same calls give the same ids. */
  readonly ids: Prng;
  private readonly kinds = new Map<string, ObjectKind>();
  private readonly usersById = new Map<string, User>();
  private readonly usersByUpn = new Map<string, User>();
  private readonly devicesById = new Map<string, EntraDevice>();
  private readonly devicesByDeviceId = new Map<string, EntraDevice>();
  private readonly managedById = new Map<string, ManagedDevice>();
  private readonly groupsById = new Map<string, Group>();
  private readonly names = new Map<string, string>();
  private transitiveCache = new Map<string, string[]>();
  private readonly isoCache = new Map<number, string>();

  constructor(options: TenantOptions = {}) {
    this.ids = new Prng(options.seed ?? 1);
    const tenantId = (options.tenantId ?? this.ids.guid()).toLowerCase();
    this.domain = options.domain ?? 'contoso.onmicrosoft.com';
    this.now = new Date(options.now ?? DEFAULT_NOW);
    this.organization = {
      id: tenantId,
      displayName: options.displayName ?? 'Contoso',
      tenantType: 'AAD',
      verifiedDomains: [
        {
          name: this.domain,
          isDefault: true,
          isInitial: true,
          type: 'Managed',
          capabilities: 'Email, OfficeCommunicationsOnline',
        },
      ],
    };
  }

  get tenantId(): string {
    return this.organization.id;
  }

  /** ISO date `daysAgo` before the tenant clock. */
  isoDaysAgo(daysAgo: number): string {
    // Cached: a 100,000-device tenant asks for the same few hundred dates half a million times.
    let iso = this.isoCache.get(daysAgo);
    if (iso === undefined) {
      iso = new Date(this.now.getTime() - daysAgo * 86_400_000).toISOString();
      this.isoCache.set(daysAgo, iso);
    }
    return iso;
  }

  // --- names (builder keys) -------------------------------------------------------------

  /** Gives an object a test-friendly name; `idOf(name)` then returns its id. */
  nameObject(name: string, id: string): void {
    this.names.set(name, id);
  }

  idOf(nameOrId: string): string {
    return this.names.get(nameOrId) ?? nameOrId;
  }

  // --- lookups ----------------------------------------------------------------------------

  objectKind(id: string): ObjectKind | undefined {
    return this.kinds.get(id.toLowerCase());
  }

  user(idOrUpnOrName: string): User | undefined {
    const key = this.idOf(idOrUpnOrName).toLowerCase();
    return this.usersById.get(key) ?? this.usersByUpn.get(key);
  }

  /** Entra device by object id, deviceId or builder name. */
  entraDevice(idOrDeviceIdOrName: string): EntraDevice | undefined {
    const key = this.idOf(idOrDeviceIdOrName).toLowerCase();
    return this.devicesByDeviceId.get(key) ?? this.devicesById.get(key);
  }

  /** Strictly by directory object id (what /devices/{id} addresses). */
  entraDeviceByObjectId(id: string): EntraDevice | undefined {
    return this.devicesById.get(id.toLowerCase());
  }

  /** Strictly by registration deviceId (the alternate key, = managedDevice.azureADDeviceId). */
  entraDeviceByDeviceId(deviceId: string): EntraDevice | undefined {
    return this.devicesByDeviceId.get(deviceId.toLowerCase());
  }

  managedDevice(idOrName: string): ManagedDevice | undefined {
    return this.managedById.get(this.idOf(idOrName).toLowerCase());
  }

  group(idOrName: string): Group | undefined {
    return this.groupsById.get(this.idOf(idOrName).toLowerCase());
  }

  servicePrincipalByAppId(appId: string): ServicePrincipal | undefined {
    const a = appId.toLowerCase();
    return this.servicePrincipals.find((s) => s.appId === a);
  }

  /** Every member reached through nested groups, each once, nested groups included (like Graph). */
  transitiveMembers(groupId: string): string[] {
    const start = this.idOf(groupId).toLowerCase();
    const cached = this.transitiveCache.get(start);
    if (cached) return cached;
    const seen = new Set<string>([start]);
    const out: string[] = [];
    const stack = [start];
    while (stack.length > 0) {
      const g = this.groupsById.get(stack.pop() as string);
      if (!g) continue;
      for (const m of g.members) {
        if (seen.has(m)) continue;
        seen.add(m);
        out.push(m);
        if (this.kinds.get(m) === 'group') stack.push(m);
      }
    }
    this.transitiveCache.set(start, out);
    return out;
  }

  memberObject(id: string): MemberObject | undefined {
    const k = id.toLowerCase();
    switch (this.kinds.get(k)) {
      case 'user':
        return { kind: 'user', value: this.usersById.get(k) as User };
      case 'device':
        return { kind: 'device', value: this.devicesById.get(k) as EntraDevice };
      case 'group':
        return { kind: 'group', value: this.groupsById.get(k) as Group };
      default:
        return undefined;
    }
  }

  // --- sequences the routes page through (views of the arrays, so changes show at once) ---

  managedDeviceSeq(): Seq<ManagedDevice> {
    return arraySeq(this.managedDevices);
  }

  entraDeviceSeq(): Seq<EntraDevice> {
    return arraySeq(this.devices);
  }

  transitiveMemberSeq(groupId: string): Seq<string> {
    return arraySeq(this.transitiveMembers(groupId));
  }

  runStateSeq(script: DeviceHealthScript): Seq<DeviceRunState> {
    return arraySeq(script.deviceRunStates);
  }

  // --- adding ----------------------------------------------------------------------------

  addUser(partial: Partial<User> & { userPrincipalName?: string }): User {
    const id = (partial.id ?? this.ids.guid()).toLowerCase();
    const upn = partial.userPrincipalName ?? `user${this.users.length + 1}@${this.domain}`;
    const user: User = {
      id,
      displayName: partial.displayName ?? upn.split('@')[0] ?? upn,
      userPrincipalName: upn,
      mail: partial.mail === undefined ? upn : partial.mail,
      accountEnabled: partial.accountEnabled ?? true,
      userType: partial.userType ?? 'Member',
      onPremisesSecurityIdentifier: partial.onPremisesSecurityIdentifier ?? null,
    };
    this.users.push(user);
    this.usersById.set(id, user);
    this.usersByUpn.set(upn.toLowerCase(), user);
    this.kinds.set(id, 'user');
    return user;
  }

  addEntraDevice(partial: Partial<EntraDevice> & { displayName: string }): EntraDevice {
    const id = (partial.id ?? this.ids.guid()).toLowerCase();
    const deviceId = (partial.deviceId ?? this.ids.guid()).toLowerCase();
    const device = entraDeviceRecord(partial, id, deviceId, (d) => this.isoDaysAgo(d));
    if (this.devicesById.has(id) || this.devicesByDeviceId.has(deviceId)) {
      throw new Error(`an Entra device with id ${id} or deviceId ${deviceId} already exists`);
    }
    this.devices.push(device);
    this.devicesById.set(id, device);
    this.devicesByDeviceId.set(deviceId, device);
    this.kinds.set(id, 'device');
    return device;
  }

  addManagedDevice(partial: Partial<ManagedDevice> & { deviceName: string }): ManagedDevice {
    const id = (partial.id ?? this.ids.guid()).toLowerCase();
    const user = partial.userId ? this.usersById.get(partial.userId) : undefined;
    const md = managedDeviceRecord(partial, id, user, (d) => this.isoDaysAgo(d));
    this.managedDevices.push(md);
    this.managedById.set(id, md);
    return md;
  }

  addGroup(partial: Partial<Group> & { displayName: string }): Group {
    const id = (partial.id ?? this.ids.guid()).toLowerCase();
    const group: Group = {
      id,
      displayName: partial.displayName,
      description: partial.description ?? null,
      securityEnabled: partial.securityEnabled ?? true,
      mailEnabled: partial.mailEnabled ?? false,
      groupTypes: partial.groupTypes ?? [],
      membershipRule: partial.membershipRule ?? null,
      createdDateTime: partial.createdDateTime ?? this.isoDaysAgo(365),
      members: (partial.members ?? []).map((m) => m.toLowerCase()),
    };
    this.groups.push(group);
    this.groupsById.set(id, group);
    this.kinds.set(id, 'group');
    this.transitiveCache.clear();
    return group;
  }

  addMembers(groupId: string, memberIds: readonly string[]): void {
    const g = this.group(groupId);
    if (!g) throw new Error(`no group ${groupId}`);
    for (const m of memberIds) {
      const id = this.idOf(m).toLowerCase();
      if (!this.kinds.has(id))
        throw new Error(`group member ${m} is not a user, device or group of this tenant`);
      if (!g.members.includes(id)) g.members.push(id);
    }
    this.transitiveCache.clear();
  }

  removeMember(groupId: string, memberId: string): void {
    const g = this.group(groupId);
    if (!g) throw new Error(`no group ${groupId}`);
    const id = this.idOf(memberId).toLowerCase();
    g.members = g.members.filter((m) => m !== id);
    this.transitiveCache.clear();
  }

  addConfigurationPolicy(policy: ConfigurationPolicy): ConfigurationPolicy {
    this.configurationPolicies.push(policy);
    return policy;
  }

  addDeviceConfiguration(config: DeviceConfiguration): DeviceConfiguration {
    this.deviceConfigurations.push(config);
    return config;
  }

  addIntent(intent: Intent): Intent {
    this.intents.push(intent);
    return intent;
  }

  addDeviceHealthScript(script: DeviceHealthScript): DeviceHealthScript {
    this.deviceHealthScripts.push(script);
    return script;
  }

  addServicePrincipal(
    partial: Partial<ServicePrincipal> & { appId: string; displayName: string },
  ): ServicePrincipal {
    const sp: ServicePrincipal = {
      id: (partial.id ?? this.ids.guid()).toLowerCase(),
      appId: partial.appId.toLowerCase(),
      displayName: partial.displayName,
      appDisplayName: partial.appDisplayName ?? partial.displayName,
      accountEnabled: partial.accountEnabled ?? true,
      servicePrincipalType: partial.servicePrincipalType ?? 'Application',
      appOwnerOrganizationId: partial.appOwnerOrganizationId ?? MICROSOFT_SERVICES_TENANT_ID,
      signInAudience: partial.signInAudience ?? 'AzureADMultipleOrgs',
      tags: partial.tags ?? [],
      servicePrincipalNames: partial.servicePrincipalNames ?? [partial.appId.toLowerCase()],
    };
    this.servicePrincipals.push(sp);
    return sp;
  }

  // --- changes tests make ----------------------------------------------------------------

  /** Binds a device certificate to the Entra device (alternativeSecurityIds, type 2), replacing earlier ones. */
  setDeviceCertificate(deviceId: string, certDer: Uint8Array): void {
    const d = this.requireDevice(deviceId);
    d.alternativeSecurityIds = [encodeAlternativeSecurityId(certificateBinding(certDer))];
  }

  setAccountEnabled(deviceId: string, enabled: boolean): void {
    this.requireDevice(deviceId).accountEnabled = enabled;
  }

  /** Puts the two PIN reset service principals in the given state (domain.md §4). */
  setPinResetApps(state: PinResetAppsState): void {
    for (const appId of [PIN_RESET_SERVICE_APP_ID, PIN_RESET_CLIENT_APP_ID]) {
      const i = this.servicePrincipals.findIndex((s) => s.appId === appId);
      if (i >= 0) this.servicePrincipals.splice(i, 1);
    }
    const service = {
      appId: PIN_RESET_SERVICE_APP_ID,
      displayName: 'Microsoft Pin Reset Service Production',
    };
    const client = { appId: PIN_RESET_CLIENT_APP_ID, displayName: 'Microsoft Pin Reset Client Production' };
    if (state !== 'service-missing' && state !== 'both-missing') {
      this.addServicePrincipal({ ...service, accountEnabled: state !== 'service-disabled' });
    }
    if (state !== 'client-missing' && state !== 'both-missing') {
      this.addServicePrincipal({ ...client, accountEnabled: state !== 'client-disabled' });
    }
  }

  /** Plain data of the whole tenant (what the determinism test compares). */
  toJSON(): Record<string, unknown> {
    return {
      organization: this.organization,
      users: this.users,
      devices: this.devices,
      managedDevices: this.managedDevices,
      groups: this.groups,
      configurationPolicies: this.configurationPolicies,
      deviceConfigurations: this.deviceConfigurations,
      intents: this.intents,
      servicePrincipals: this.servicePrincipals,
      deviceHealthScripts: this.deviceHealthScripts,
    };
  }

  private requireDevice(deviceId: string): EntraDevice {
    const d = this.entraDevice(deviceId);
    if (!d) throw new Error(`no Entra device with deviceId or id ${deviceId}`);
    return d;
  }
}

/** An Entra device with every property Graph returns, defaults filled in (shared by both tenant kinds). */
export function entraDeviceRecord(
  partial: Partial<EntraDevice> & { displayName: string },
  id: string,
  deviceId: string,
  isoDaysAgo: (days: number) => string,
): EntraDevice {
  return {
    id,
    deviceId,
    displayName: partial.displayName,
    accountEnabled: partial.accountEnabled ?? true,
    operatingSystem: partial.operatingSystem ?? 'Windows',
    operatingSystemVersion: partial.operatingSystemVersion ?? '10.0.22631.4317',
    trustType: partial.trustType === undefined ? 'AzureAd' : partial.trustType,
    isCompliant: partial.isCompliant ?? null,
    isManaged: partial.isManaged ?? null,
    mdmAppId: partial.mdmAppId ?? null,
    manufacturer: partial.manufacturer ?? null,
    model: partial.model ?? null,
    profileType: partial.profileType ?? 'RegisteredDevice',
    deviceOwnership: partial.deviceOwnership ?? 'Company',
    approximateLastSignInDateTime: partial.approximateLastSignInDateTime ?? isoDaysAgo(1),
    registrationDateTime: partial.registrationDateTime ?? isoDaysAgo(200),
    createdDateTime: partial.createdDateTime ?? isoDaysAgo(200),
    physicalIds: partial.physicalIds ?? [],
    systemLabels: partial.systemLabels ?? [],
    alternativeSecurityIds: partial.alternativeSecurityIds ?? [],
  };
}

/** An Intune managed device with every property, defaults filled in (shared by both tenant kinds). */
export function managedDeviceRecord(
  partial: Partial<ManagedDevice> & { deviceName: string },
  id: string,
  user: User | undefined,
  isoDaysAgo: (days: number) => string,
): ManagedDevice {
  const os = partial.operatingSystem ?? 'Windows';
  const aad = (partial.azureADDeviceId ?? ZERO_GUID).toLowerCase();
  const owner = partial.managedDeviceOwnerType ?? 'company';
  return {
    id,
    deviceName: partial.deviceName,
    managedDeviceName:
      partial.managedDeviceName ?? `${user?.userPrincipalName.split('@')[0] ?? 'device'}_${os}`,
    azureADDeviceId: aad,
    azureActiveDirectoryDeviceId: aad,
    operatingSystem: os,
    osVersion: partial.osVersion ?? (os === 'Windows' ? '10.0.22631.4317' : '17.5'),
    joinType: partial.joinType ?? (os === 'Windows' ? 'azureADJoined' : 'unknown'),
    complianceState: partial.complianceState ?? 'compliant',
    managementAgent: partial.managementAgent ?? 'mdm',
    managementState: partial.managementState ?? 'managed',
    deviceEnrollmentType:
      partial.deviceEnrollmentType ?? (os === 'Windows' ? 'windowsAzureADJoin' : 'userEnrollment'),
    deviceRegistrationState: partial.deviceRegistrationState ?? 'registered',
    managedDeviceOwnerType: owner,
    ownerType: partial.ownerType ?? owner,
    lastSyncDateTime: partial.lastSyncDateTime ?? isoDaysAgo(1),
    enrolledDateTime: partial.enrolledDateTime ?? isoDaysAgo(180),
    complianceGracePeriodExpirationDateTime:
      partial.complianceGracePeriodExpirationDateTime ?? '9999-12-31T23:59:59Z',
    userPrincipalName: partial.userPrincipalName ?? user?.userPrincipalName ?? '',
    userId: partial.userId ?? '',
    userDisplayName: partial.userDisplayName ?? user?.displayName ?? '',
    emailAddress: partial.emailAddress ?? user?.mail ?? '',
    manufacturer: partial.manufacturer ?? 'Microsoft Corporation',
    model: partial.model ?? 'Surface Laptop 5',
    serialNumber: partial.serialNumber ?? `SN${id.slice(0, 8).toUpperCase()}`,
    isEncrypted: partial.isEncrypted ?? true,
    isSupervised: partial.isSupervised ?? false,
    azureADRegistered: partial.azureADRegistered ?? aad !== ZERO_GUID,
    enrollmentProfileName: partial.enrollmentProfileName ?? null,
    deviceCategoryDisplayName: partial.deviceCategoryDisplayName ?? 'Unknown',
    skuFamily: partial.skuFamily ?? (os === 'Windows' ? 'Enterprise' : ''),
    chassisType: partial.chassisType ?? (os === 'Windows' ? 'laptop' : 'phone'),
    deviceType: partial.deviceType ?? (os === 'Windows' ? 'windowsRT' : 'iPhone'),
    processorArchitecture: partial.processorArchitecture ?? 'x64',
    autopilotEnrolled: partial.autopilotEnrolled ?? false,
    roleScopeTagIds: partial.roleScopeTagIds ?? ['0'],
    usersLoggedOn:
      partial.usersLoggedOn ?? (user ? [{ userId: user.id, lastLogOnDateTime: isoDaysAgo(1) }] : []),
    hardwareInformation:
      partial.hardwareInformation ??
      (os === 'Windows' ? { tpmVersion: '2.0', operatingSystemEdition: 'Enterprise' } : null),
    physicalMemoryInBytes: partial.physicalMemoryInBytes ?? 17_179_869_184,
    ethernetMacAddress: partial.ethernetMacAddress ?? null,
    udid: partial.udid ?? null,
    iccid: partial.iccid ?? null,
    notes: partial.notes ?? null,
    activationLockBypassCode: partial.activationLockBypassCode ?? null,
    imei: partial.imei ?? '',
    jailBroken: partial.jailBroken ?? 'Unknown',
    exchangeAccessState: partial.exchangeAccessState ?? 'none',
    phoneNumber: partial.phoneNumber ?? '',
  };
}

// --- fluent builder ------------------------------------------------------------------------

/** Assignment as tests write it: group references are builder names or object ids. */
export type AssignmentRef = AssignmentSpec;

export interface DeviceSpec {
  /** Builder name of the primary user. */
  user?: string;
  operatingSystem?: string;
  osVersion?: string;
  joinType?: JoinTypeGraph;
  /** Users (names) in usersLoggedOn besides the primary user. */
  loggedOn?: string[];
  accountEnabled?: boolean;
  /** false: an Entra device Intune does not manage. */
  managed?: boolean;
  /** false: an Intune device with no Entra record (azureADDeviceId all zeros). */
  entra?: boolean;
  deviceId?: string;
  complianceState?: string;
}

export interface OmaSpec {
  form: OmaForm;
  enabled: boolean;
  valueType?: OmaValueType;
  /** Another tenant's GUID in the URI (default: this tenant). */
  tenantId?: string;
}

export interface RunStateSpec {
  /** Builder name (or id) of the device. */
  device: string;
  output: string | null;
  detectionState?: DeviceRunState['detectionState'];
}

/** The Intune and Entra ids of one builder device. */
export interface BuiltDevice {
  entra?: EntraDevice;
  managed?: ManagedDevice;
}

const TRUST_BY_JOIN: Record<JoinTypeGraph, EntraDevice['trustType']> = {
  azureADJoined: 'AzureAd',
  hybridAzureADJoined: 'ServerAd',
  azureADRegistered: 'Workplace',
  unknown: null,
};

/**
 * Hand-made scenarios: `new TenantBuilder().user('alice').device('pc1', { user: 'alice' })
 * .group('pilot', ['pc1']).settingsCatalogPolicy('p', { pinRecovery: { device: true },
 * assignments: [{ include: 'pilot' }] }).build()`. Names may be used before they are defined.
 */
export class TenantBuilder {
  private readonly tenant: Tenant;
  private readonly entities: (() => void)[] = [];
  private readonly deviceOps: (() => void)[] = [];
  private readonly links: (() => void)[] = [];
  private readonly builtDevices = new Map<string, BuiltDevice>();
  private appsState: PinResetAppsState = 'both';

  constructor(options: TenantOptions = {}) {
    this.tenant = new Tenant(options);
  }

  /** `onPremisesSid`: a user synced from AD (hybrid), with that SID. */
  user(name: string, opts: { upn?: string; displayName?: string; onPremisesSid?: string } = {}): this {
    this.entities.push(() => {
      const u = this.tenant.addUser({
        userPrincipalName: opts.upn ?? `${name}@${this.tenant.domain}`,
        displayName: opts.displayName ?? name,
        onPremisesSecurityIdentifier: opts.onPremisesSid ?? null,
      });
      this.tenant.nameObject(name, u.id);
    });
    return this;
  }

  device(name: string, spec: DeviceSpec = {}): this {
    this.deviceOps.push(() => {
      const t = this.tenant;
      const os = spec.operatingSystem ?? 'Windows';
      const joinType = spec.joinType ?? (os === 'Windows' ? 'azureADJoined' : 'azureADRegistered');
      const user = spec.user ? t.user(spec.user) : undefined;
      if (spec.user && !user) throw new Error(`device ${name}: no user named ${spec.user}`);
      const built: BuiltDevice = {};
      if (spec.entra !== false) {
        built.entra = t.addEntraDevice({
          displayName: name,
          deviceId: spec.deviceId,
          operatingSystem: os,
          trustType: TRUST_BY_JOIN[joinType],
          accountEnabled: spec.accountEnabled ?? true,
          isManaged: spec.managed !== false,
          mdmAppId: spec.managed !== false ? INTUNE_MDM_APP_ID : null,
        });
        t.nameObject(name, built.entra.id);
      }
      if (spec.managed !== false) {
        const loggedOn = [user, ...(spec.loggedOn ?? []).map((n) => t.user(n))].filter((u): u is User => !!u);
        built.managed = t.addManagedDevice({
          deviceName: name,
          operatingSystem: os,
          osVersion: spec.osVersion,
          joinType: os === 'Windows' ? joinType : 'unknown',
          azureADDeviceId: built.entra?.deviceId ?? ZERO_GUID,
          userId: user?.id,
          complianceState: spec.complianceState,
          usersLoggedOn: loggedOn.map((u) => ({ userId: u.id, lastLogOnDateTime: t.isoDaysAgo(1) })),
        });
        if (!built.entra) t.nameObject(name, built.managed.id);
      }
      this.builtDevices.set(name, built);
    });
    return this;
  }

  /** A security group; members are names (users, devices, groups) or object ids. */
  group(name: string, members: string[] = []): this {
    this.entities.push(() => this.tenant.nameObject(name, this.tenant.addGroup({ displayName: name }).id));
    this.links.push(() => this.tenant.addMembers(name, members));
    return this;
  }

  settingsCatalogPolicy(
    name: string,
    opts: {
      pinRecovery?: { device?: boolean; user?: boolean };
      /** Make it an Endpoint security > Account protection policy (template fcef01f2-…_1). */
      accountProtection?: boolean;
      /** Unrelated settings added before the PIN ones. */
      extraSettings?: number;
      assignments?: AssignmentRef[];
    } = {},
  ): this {
    this.links.push(() => {
      const t = this.tenant;
      const instances = [];
      for (let i = 0; i < (opts.extraSettings ?? 0); i++) {
        instances.push(unrelatedSettingInstance(`device_vendor_msft_policy_config_example_setting${i}`, i));
      }
      if (opts.pinRecovery?.device !== undefined)
        instances.push(pinRecoverySettingInstance('device', opts.pinRecovery.device));
      if (opts.pinRecovery?.user !== undefined)
        instances.push(pinRecoverySettingInstance('user', opts.pinRecovery.user));
      const p = t.addConfigurationPolicy(
        makeConfigurationPolicy(
          t,
          name,
          policySettings(instances),
          this.assignments(opts.assignments),
          opts.accountProtection ?? false,
        ),
      );
      t.nameObject(name, p.id);
    });
    return this;
  }

  customOmaPolicy(name: string, opts: { settings: OmaSpec[]; assignments?: AssignmentRef[] }): this {
    this.links.push(() => {
      const t = this.tenant;
      const omaSettings = opts.settings.map((s) =>
        omaSetting(pinRecoveryOmaUri(s.form, s.tenantId ?? t.tenantId), s.valueType ?? 'boolean', s.enabled),
      );
      const c = t.addDeviceConfiguration(
        makeDeviceConfiguration(
          t,
          '#microsoft.graph.windows10CustomConfiguration',
          name,
          { omaSettings },
          this.assignments(opts.assignments),
        ),
      );
      t.nameObject(name, c.id);
    });
    return this;
  }

  identityProtectionPolicy(
    name: string,
    opts: { pinRecoveryEnabled: boolean; assignments?: AssignmentRef[] },
  ): this {
    this.links.push(() => {
      const t = this.tenant;
      const c = t.addDeviceConfiguration(
        makeDeviceConfiguration(
          t,
          '#microsoft.graph.windowsIdentityProtectionConfiguration',
          name,
          identityProtectionProperties(opts.pinRecoveryEnabled),
          this.assignments(opts.assignments),
        ),
      );
      t.nameObject(name, c.id);
    });
    return this;
  }

  intent(name: string, opts: { pinRecoveryEnabled: boolean | null; assignments?: AssignmentRef[] }): this {
    this.links.push(() => {
      const t = this.tenant;
      const i = t.addIntent(makeIntent(t, name, opts.pinRecoveryEnabled, this.assignments(opts.assignments)));
      t.nameObject(name, i.id);
    });
    return this;
  }

  pinResetApps(state: PinResetAppsState): this {
    this.appsState = state;
    return this;
  }

  healthScript(name: string, opts: { runStates?: RunStateSpec[] } = {}): this {
    this.links.push(() => {
      const t = this.tenant;
      const s = t.addDeviceHealthScript(makeHealthScript(t, name));
      for (const rs of opts.runStates ?? []) {
        const md = this.builtDevices.get(rs.device)?.managed ?? t.managedDevice(rs.device);
        if (!md) throw new Error(`health script ${name}: no managed device ${rs.device}`);
        s.deviceRunStates.push(makeRunState(t, md.id, rs.output, rs.detectionState ?? 'success'));
      }
      t.nameObject(name, s.id);
    });
    return this;
  }

  build(): Tenant {
    // Users and groups first, then devices (they name users), then anything that links them.
    for (const f of this.entities) f();
    for (const f of this.deviceOps) f();
    for (const f of this.links) f();
    this.tenant.setPinResetApps(this.appsState);
    return this.tenant;
  }

  private assignments(refs: AssignmentRef[] = []): Assignment[] {
    const t = this.tenant;
    const resolve = (x: string) => {
      const g = t.group(x);
      if (!g) throw new Error(`assignment: no group ${x}`);
      return g.id;
    };
    return refs.map((r) => {
      const spec: AssignmentSpec =
        'include' in r
          ? { ...r, include: resolve(r.include) }
          : 'exclude' in r
            ? { exclude: resolve(r.exclude) }
            : r;
      return { id: t.ids.guid(), target: assignmentTarget(spec), source: 'direct', sourceId: null };
    });
  }
}

// --- entity factories shared with generate.ts ----------------------------------------------

export function makeConfigurationPolicy(
  t: Tenant,
  name: string,
  settings: ConfigurationPolicy['settings'],
  assignments: Assignment[],
  accountProtection: boolean,
): ConfigurationPolicy {
  const created = t.isoDaysAgo(120);
  return {
    id: t.ids.guid(),
    name,
    description: '',
    platforms: 'windows10',
    technologies: 'mdm',
    createdDateTime: created,
    lastModifiedDateTime: t.isoDaysAgo(10),
    settingCount: settings.length,
    creationSource: null,
    roleScopeTagIds: ['0'],
    isAssigned: assignments.length > 0,
    templateReference: accountProtection
      ? {
          templateId: ACCOUNT_PROTECTION_TEMPLATE_ID,
          templateFamily: 'endpointSecurityAccountProtection',
          templateDisplayName: 'Account Protection',
          templateDisplayVersion: 'Version 1',
        }
      : { templateId: '', templateFamily: 'none', templateDisplayName: null, templateDisplayVersion: null },
    priorityMetaData: null,
    settings,
    assignments,
  };
}

export function makeDeviceConfiguration(
  t: Tenant,
  type: DeviceConfiguration['@odata.type'],
  displayName: string,
  properties: Record<string, unknown>,
  assignments: Assignment[],
): DeviceConfiguration {
  return {
    '@odata.type': type,
    id: t.ids.guid(),
    displayName,
    description: null,
    createdDateTime: t.isoDaysAgo(300),
    lastModifiedDateTime: t.isoDaysAgo(30),
    version: 1,
    roleScopeTagIds: ['0'],
    supportsScopeTags: true,
    ...properties,
    assignments,
  };
}

export function identityProtectionProperties(pinRecoveryEnabled: boolean): Record<string, unknown> {
  return {
    useSecurityKeyForSignin: false,
    enhancedAntiSpoofingForFacialFeaturesEnabled: false,
    pinMinimumLength: 6,
    pinMaximumLength: 127,
    pinUppercaseCharactersUsage: 'blocked',
    pinLowercaseCharactersUsage: 'blocked',
    pinSpecialCharactersUsage: 'blocked',
    pinExpirationInDays: 0,
    pinPreviousBlockCount: 0,
    pinRecoveryEnabled,
    securityDeviceRequired: true,
    unlockWithBiometricsEnabled: true,
    useCertificatesForOnPremisesAuthEnabled: false,
    windowsHelloForBusinessBlocked: false,
  };
}

export function makeIntent(
  t: Tenant,
  displayName: string,
  pinRecoveryEnabled: boolean | null,
  assignments: Assignment[],
): Intent {
  return {
    id: t.ids.guid(),
    displayName,
    description: '',
    isAssigned: assignments.length > 0,
    isMigratingToConfigurationPolicy: false,
    lastModifiedDateTime: t.isoDaysAgo(400),
    templateId: '0f2b5d70-d4e9-4156-8c16-1397eb6c54a5',
    roleScopeTagIds: ['0'],
    settings: [pinRecoveryIntentSetting(t.ids.guid(), pinRecoveryEnabled)],
    assignments,
  };
}

export function makeHealthScript(t: Tenant, displayName: string): DeviceHealthScript {
  return {
    id: t.ids.guid(),
    publisher: 'ResetReady',
    version: '1',
    displayName,
    description: 'Detection only: prints the dsregcmd PIN reset posture as one JSON line.',
    detectionScriptContent: Buffer.from('dsregcmd /status | Out-String').toString('base64'),
    remediationScriptContent: '',
    runAsAccount: 'user',
    enforceSignatureCheck: false,
    runAs32Bit: false,
    isGlobalScript: false,
    highestAvailableVersion: null,
    deviceHealthScriptType: 'deviceHealthScript',
    roleScopeTagIds: ['0'],
    createdDateTime: t.isoDaysAgo(60),
    lastModifiedDateTime: t.isoDaysAgo(60),
    deviceRunStates: [],
  };
}

export function makeRunState(
  t: Tenant,
  managedDeviceId: string,
  output: string | null,
  detectionState: DeviceRunState['detectionState'],
  daysAgo = 1,
  id: string = t.ids.guid(),
): DeviceRunState {
  const when = t.isoDaysAgo(daysAgo);
  return {
    id,
    detectionState,
    lastStateUpdateDateTime: when,
    expectedStateUpdateDateTime: null,
    lastSyncDateTime: when,
    preRemediationDetectionScriptOutput: output,
    preRemediationDetectionScriptError: null,
    remediationScriptError: null,
    postRemediationDetectionScriptOutput: null,
    postRemediationDetectionScriptError: null,
    remediationState: 'skipped',
    assignmentFilterIds: [],
    managedDeviceId,
  };
}
