/**
 * A generated tenant of any size that is never stored: managed device k, Entra device k, user
 * k, group members and Remediations run states are rendered from the seed when a page asks for
 * them, and ids turn back into indexes (id-space.ts), so a 1,000,000-device tenant serves
 * Graph's wire format from a few megabytes. Policies, groups' metadata, service principals
 * and scripts are small and live in an ordinary Tenant (`meta`).
 *
 * The mix follows generate.ts (Windows and other OSes, join types, 1% without an Entra record,
 * Entra-only devices, department and region groups nested two levels, exclusion and kiosk
 * samples, pilot users, every kind of PIN-recovery policy), but each device draws from its own
 * seeded stream instead of one sequential stream, so any page can be rendered alone.
 * `materialize()` builds the same tenant as a plain `Tenant`: both serve identical pages
 * (test/integration/graph-sim-streaming.test.ts holds them to it).
 *
 * Read-only: the mutators of Tenant (certificates, account state) are not offered.
 */
import { addGeneratedPolicies, CAN_RESET, GENERATED, WINDOWS_VERSIONS } from './generate.js';
import { hash3, hashString, IdSpace } from './id-space.js';
import type {
  DeviceHealthScript,
  DeviceRunState,
  EntraDevice,
  Group,
  JoinTypeGraph,
  ManagedDevice,
  PinResetAppsState,
  User,
} from './model.js';
import { INTUNE_MDM_APP_ID } from './model.js';
import { Prng } from './prng.js';
import { arraySeq, concatSeq, rangeSeq, type Seq, toArray } from './seq.js';
import type { MemberObject, ObjectKind, SimTenant } from './sim-tenant.js';
import {
  entraDeviceRecord,
  makeHealthScript,
  makeRunState,
  managedDeviceRecord,
  Tenant,
  ZERO_GUID,
} from './tenant.js';

export interface StreamingTenantOptions {
  /** Intune managed devices (any OS). */
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

/** What device k is, drawn first and cheaply: enough to decide group membership without rendering. */
interface DeviceBase {
  userIndex: number;
  windows: boolean;
  os: string;
  joinType: JoinTypeGraph;
  hasEntra: boolean;
  osVersion: string;
  excluded: boolean;
  kiosk: boolean;
  runState: boolean;
}

/** Direct members of a group: explicit ids (users, groups) or a rendered sequence of member ids. */
type Segment = { ids: string[] } | { seq: Seq<string> };

const STREAM = { base: 0, managed: 1, entra: 2, runState: 3 } as const;

export class StreamingTenant implements SimTenant {
  readonly meta: Tenant;
  readonly deviceCount: number;
  readonly userCount: number;
  readonly departments: number;
  readonly unmanagedCount: number;
  /** Object ids of the generated groups, by role. */
  readonly groupIds: {
    allWindows: string;
    deptDevices: string[];
    deptUsers: string[];
    regions: string[];
    allRegions: string;
    pilotUsers: string;
    exclusions: string;
    kiosk: string;
    empty: string;
  };
  readonly healthScriptId: string;

  private readonly key: number;
  private readonly nonWindowsShare: number;
  private readonly runStateShare: number;
  private readonly managedIds: IdSpace;
  private readonly entraObjectIds: IdSpace;
  private readonly entraDeviceIds: IdSpace;
  private readonly userIds: IdSpace;
  private readonly runStateIds: IdSpace;
  private readonly segments = new Map<string, Segment[]>();
  /** Counts over whole collections (a filtered @odata.count), computed once: nothing here changes. */
  private readonly memo = new Map<string, number>();

  constructor(options: StreamingTenantOptions) {
    const n = Math.max(0, Math.floor(options.devices));
    const seed = String(options.seed ?? 1);
    this.deviceCount = n;
    this.key = hashString(`${seed}:stream`);
    this.nonWindowsShare = options.nonWindowsShare ?? 0.1;
    this.runStateShare = options.runStateShare ?? 0.6;
    this.userCount = Math.max(2, Math.ceil(n * 0.8));
    this.departments = Math.max(5, Math.min(50, Math.ceil(n / 2000)));
    this.unmanagedCount = Math.floor(n * 0.02);
    const entraSize = n + this.unmanagedCount;
    this.managedIds = new IdSpace(seed, 'managedDevice', n);
    this.entraObjectIds = new IdSpace(seed, 'entraObject', entraSize);
    this.entraDeviceIds = new IdSpace(seed, 'entraDevice', entraSize);
    this.userIds = new IdSpace(seed, 'user', this.userCount);
    this.runStateIds = new IdSpace(seed, 'runState', n);

    const t = new Tenant({ seed: `${seed}:ids`, tenantId: options.tenantId, now: options.now });
    this.meta = t;
    const D = this.departments;
    const group = (displayName: string, segments: Segment[], extra: Partial<Group> = {}): string => {
      const g = t.addGroup({ displayName, ...extra });
      this.segments.set(g.id, segments);
      return g.id;
    };
    const entraWhere = (pred: (p: number) => boolean): Segment => ({
      seq: rangeSeq(entraSize, (p) =>
        this.entraExists(p) && pred(p) ? this.entraObjectIds.guid(p) : undefined,
      ),
    });
    const windowsWhere = (pred: (b: DeviceBase) => boolean): Segment =>
      entraWhere((p) => {
        if (p >= n) return false;
        const b = this.base(p);
        return b.windows && pred(b);
      });

    const allWindows = group(GENERATED.allWindowsGroup, [windowsWhere(() => true)], {
      groupTypes: ['DynamicMembership'],
      membershipRule: '(device.deviceOSType -eq "Windows")',
    });
    const deptDevices: string[] = [];
    const deptUsers: string[] = [];
    for (let k = 0; k < D; k++) {
      deptDevices.push(group(`Devices - Dept ${k}`, [entraWhere((p) => this.deptOfEntra(p) === k)]));
      const size = Math.max(0, Math.ceil((this.userCount - k) / D));
      deptUsers.push(
        group(`Users - Dept ${k}`, [{ seq: rangeSeq(size, (j) => this.userIds.guid(k + j * D)) }]),
      );
    }
    const R = Math.max(2, Math.ceil(D / 5));
    const regions: string[] = [];
    for (let g = 0; g < R; g++) {
      regions.push(group(`Devices - Region ${g}`, [{ ids: deptDevices.filter((_, k) => k % R === g) }]));
    }
    const allRegions = group('Devices - All regions', [{ ids: regions }]);
    // Department 0's users, plus users 1-4 (other departments, since there are at least 5).
    const pilotUsers = group(GENERATED.pilotUserGroup, [
      {
        ids: [
          deptUsers[0] as string,
          ...[1, 2, 3, 4].filter((u) => u < this.userCount).map((u) => this.userIds.guid(u)),
        ],
      },
    ]);
    const exclusions = group(GENERATED.exclusionGroup, [windowsWhere((b) => b.hasEntra && b.excluded)]);
    const kiosk = group(GENERATED.kioskGroup, [windowsWhere((b) => b.hasEntra && b.kiosk)]);
    const empty = group(GENERATED.emptyGroup, []);
    this.groupIds = {
      allWindows,
      deptDevices,
      deptUsers,
      regions,
      allRegions,
      pilotUsers,
      exclusions,
      kiosk,
      empty,
    };

    addGeneratedPolicies(t, new Prng(`${seed}:data`), {
      regions,
      exclusions,
      kiosk,
      pilotUsers,
      deptDevices,
      deptUsers,
      allWindows,
      allRegions,
      fillers: options.fillerPolicies ?? Math.min(200, 20 + Math.floor(n / 1000)),
    });
    t.setPinResetApps(options.pinResetApps ?? 'both');
    t.addServicePrincipal({ appId: '00000003-0000-0000-c000-000000000000', displayName: 'Microsoft Graph' });
    t.addServicePrincipal({ appId: INTUNE_MDM_APP_ID, displayName: 'Microsoft Intune' });
    this.healthScriptId = t.addDeviceHealthScript(makeHealthScript(t, GENERATED.healthScript)).id;
    t.addDeviceHealthScript(makeHealthScript(t, 'Unrelated - disk cleanup'));
  }

  // --- SimTenant: small collections from meta -----------------------------------------------

  get organization() {
    return this.meta.organization;
  }
  get tenantId() {
    return this.meta.tenantId;
  }
  get domain() {
    return this.meta.domain;
  }
  get now() {
    return this.meta.now;
  }
  get ids() {
    return this.meta.ids;
  }
  get configurationPolicies() {
    return this.meta.configurationPolicies;
  }
  get deviceConfigurations() {
    return this.meta.deviceConfigurations;
  }
  get intents() {
    return this.meta.intents;
  }
  get servicePrincipals() {
    return this.meta.servicePrincipals;
  }
  get deviceHealthScripts() {
    return this.meta.deviceHealthScripts;
  }
  group(id: string): Group | undefined {
    return this.meta.group(id);
  }
  servicePrincipalByAppId(appId: string) {
    return this.meta.servicePrincipalByAppId(appId);
  }

  // --- rendering ------------------------------------------------------------------------------

  private base(i: number): DeviceBase {
    const r = new Prng(hash3(this.key, i, STREAM.base));
    const userIndex = r.int(0, this.userCount - 1);
    const windows = !r.chance(this.nonWindowsShare);
    const os = windows ? 'Windows' : r.pick(['iOS', 'Android', 'macOS']);
    const joinType: JoinTypeGraph = windows
      ? r.weighted([
          ['azureADJoined', 60],
          ['hybridAzureADJoined', 30],
          ['azureADRegistered', 10],
        ] as const)
      : 'unknown';
    const hasEntra = !r.chance(0.01);
    const osVersion = windows ? r.weighted(WINDOWS_VERSIONS) : '17.5.1';
    return {
      userIndex,
      windows,
      os,
      joinType,
      hasEntra,
      osVersion,
      excluded: r.chance(0.01),
      kiosk: r.chance(0.02),
      runState: windows && r.chance(this.runStateShare),
    };
  }

  private entraExists(p: number): boolean {
    return p >= this.deviceCount ? p < this.deviceCount + this.unmanagedCount : this.base(p).hasEntra;
  }

  /** Department whose device group holds Entra position p (its primary user's; Entra-only devices round-robin). */
  private deptOfEntra(p: number): number {
    return p >= this.deviceCount
      ? (p - this.deviceCount) % this.departments
      : this.base(p).userIndex % this.departments;
  }

  private deviceName(i: number, b: DeviceBase): string {
    return b.windows
      ? `${b.joinType === 'hybridAzureADJoined' ? 'HQ' : 'CPC'}-${String(i + 1).padStart(6, '0')}`
      : `${b.os}-${i + 1}`;
  }

  private iso = (days: number) => this.meta.isoDaysAgo(days);

  renderUser(u: number): User {
    const upn = `user${u + 1}@${this.domain}`;
    return {
      id: this.userIds.guid(u),
      displayName: `User ${u + 1}`,
      userPrincipalName: upn,
      mail: upn,
      accountEnabled: true,
      userType: 'Member',
      onPremisesSecurityIdentifier: null,
    };
  }

  renderEntra(p: number): EntraDevice | undefined {
    if (!this.entraExists(p)) return undefined;
    const id = this.entraObjectIds.guid(p);
    const deviceId = this.entraDeviceIds.guid(p);
    if (p >= this.deviceCount) {
      const j = p - this.deviceCount;
      return entraDeviceRecord(
        {
          displayName: `BYOD-${j + 1}`,
          trustType: 'Workplace',
          isManaged: false,
          operatingSystem: 'Windows',
        },
        id,
        deviceId,
        this.iso,
      );
    }
    const b = this.base(p);
    const r = new Prng(hash3(this.key, p, STREAM.entra));
    return entraDeviceRecord(
      {
        displayName: this.deviceName(p, b),
        operatingSystem: b.os,
        operatingSystemVersion: b.osVersion,
        trustType: b.windows
          ? b.joinType === 'hybridAzureADJoined'
            ? 'ServerAd'
            : b.joinType === 'azureADRegistered'
              ? 'Workplace'
              : 'AzureAd'
          : 'Workplace',
        accountEnabled: !r.chance(0.005),
        isManaged: true,
        isCompliant: true,
        mdmAppId: INTUNE_MDM_APP_ID,
        approximateLastSignInDateTime: this.iso(r.int(0, 30)),
      },
      id,
      deviceId,
      this.iso,
    );
  }

  renderManaged(i: number): ManagedDevice {
    const b = this.base(i);
    const r = new Prng(hash3(this.key, i, STREAM.managed));
    const user = this.renderUser(b.userIndex);
    const logged = [{ userId: user.id, lastLogOnDateTime: this.iso(r.int(0, 10)) }];
    if (b.windows && r.chance(0.1)) {
      logged.push({
        userId: this.userIds.guid(r.int(0, this.userCount - 1)),
        lastLogOnDateTime: this.iso(r.int(0, 20)),
      });
    }
    const owner = r.chance(0.9) ? 'company' : 'personal';
    return managedDeviceRecord(
      {
        deviceName: this.deviceName(i, b),
        operatingSystem: b.os,
        osVersion: b.hasEntra ? b.osVersion : b.windows ? '10.0.22631.4317' : '17.5.1',
        joinType: b.joinType,
        azureADDeviceId: b.hasEntra ? this.entraDeviceIds.guid(i) : ZERO_GUID,
        userId: user.id,
        complianceState: r.weighted([
          ['compliant', 80],
          ['noncompliant', 12],
          ['inGracePeriod', 3],
          ['unknown', 5],
        ] as const),
        managementAgent:
          b.joinType === 'hybridAzureADJoined' && r.chance(0.3) ? 'configurationManagerClientMdm' : 'mdm',
        managedDeviceOwnerType: owner,
        lastSyncDateTime: this.iso(r.chance(0.03) ? r.int(60, 120) : r.int(0, 7)),
        enrolledDateTime: this.iso(r.int(30, 900)),
        manufacturer: b.windows ? r.pick(['Microsoft Corporation', 'Dell Inc.', 'HP', 'LENOVO']) : 'Apple',
        model: b.windows
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
        deviceEnrollmentType: b.windows
          ? b.joinType === 'azureADRegistered'
            ? 'userEnrollment'
            : 'windowsAzureADJoin'
          : 'userEnrollment',
      },
      this.managedIds.guid(i),
      user,
      this.iso,
    );
  }

  renderRunState(i: number): DeviceRunState | undefined {
    const b = this.base(i);
    if (!b.runState) return undefined;
    const r = new Prng(hash3(this.key, i, STREAM.runState));
    const state = r.weighted([
      ['success', 90],
      ['fail', 6],
      ['scriptError', 2],
      ['pending', 2],
    ] as const);
    const md = this.renderManaged(i);
    let output: string | null = null;
    if (state === 'success' || state === 'fail') {
      output = JSON.stringify({
        v: 1,
        canReset: r.weighted(CAN_RESET),
        ngcSet: true,
        aadJoined: md.joinType === 'azureADJoined',
        deviceId: md.azureADDeviceId,
      });
      if (r.chance(0.005)) output = `${'x'.repeat(2500)}\n${output}`;
    }
    return makeRunState(this.meta, md.id, output, state, r.int(0, 6), this.runStateIds.guid(i));
  }

  // --- SimTenant: sequences -------------------------------------------------------------------

  managedDeviceSeq(): Seq<ManagedDevice> {
    return rangeSeq(this.deviceCount, (i) => this.renderManaged(i), this.memo);
  }

  entraDeviceSeq(): Seq<EntraDevice> {
    return rangeSeq(this.deviceCount + this.unmanagedCount, (p) => this.renderEntra(p), this.memo);
  }

  runStateSeq(script: DeviceHealthScript): Seq<DeviceRunState> {
    if (script.id !== this.healthScriptId) return arraySeq(script.deviceRunStates);
    return rangeSeq(this.deviceCount, (i) => this.renderRunState(i), this.memo);
  }

  /**
   * Graph's transitive order, as Tenant.transitiveMembers walks it: a group's direct members
   * in order, then each nested group (last pushed first). Leaf segments never overlap here, so
   * only groups need de-duplicating.
   */
  transitiveMemberSeq(groupId: string): Seq<string> {
    const start = groupId.toLowerCase();
    const parts: Seq<string>[] = [];
    const seen = new Set<string>([start]);
    const stack = [start];
    while (stack.length > 0) {
      for (const seg of this.segments.get(stack.pop() as string) ?? []) {
        if ('seq' in seg) {
          parts.push(seg.seq);
          continue;
        }
        const fresh = seg.ids.filter((id) => !seen.has(id));
        for (const id of fresh) {
          seen.add(id);
          if (this.meta.objectKind(id) === 'group') stack.push(id);
        }
        parts.push(arraySeq(fresh));
      }
    }
    const all = concatSeq(parts);
    return { length: all.length, at: (p) => all.at(p), memo: this.memo };
  }

  // --- SimTenant: lookups ---------------------------------------------------------------------

  managedDevice(id: string): ManagedDevice | undefined {
    const i = this.managedIds.indexOf(id);
    return i === undefined ? undefined : this.renderManaged(i);
  }

  entraDeviceByDeviceId(deviceId: string): EntraDevice | undefined {
    const p = this.entraDeviceIds.indexOf(deviceId);
    return p === undefined ? undefined : this.renderEntra(p);
  }

  entraDeviceByObjectId(id: string): EntraDevice | undefined {
    const p = this.entraObjectIds.indexOf(id);
    return p === undefined ? undefined : this.renderEntra(p);
  }

  user(idOrUpn: string): User | undefined {
    const u = this.userIds.indexOf(idOrUpn);
    if (u !== undefined) return this.renderUser(u);
    const m = /^user(\d+)@(.+)$/i.exec(idOrUpn);
    if (!m || (m[2] as string).toLowerCase() !== this.domain.toLowerCase()) return undefined;
    const k = Number(m[1]) - 1;
    return k >= 0 && k < this.userCount && String(k + 1) === m[1] ? this.renderUser(k) : undefined;
  }

  objectKind(id: string): ObjectKind | undefined {
    const known = this.meta.objectKind(id);
    if (known) return known;
    const p = this.entraObjectIds.indexOf(id);
    if (p !== undefined && this.entraExists(p)) return 'device';
    return this.userIds.indexOf(id) !== undefined ? 'user' : undefined;
  }

  memberObject(id: string): MemberObject | undefined {
    switch (this.objectKind(id)) {
      case 'group':
        return { kind: 'group', value: this.meta.group(id) as Group };
      case 'device':
        return { kind: 'device', value: this.entraDeviceByObjectId(id) as EntraDevice };
      case 'user':
        return { kind: 'user', value: this.user(id) as User };
      default:
        return undefined;
    }
  }

  // --- materialized twin ----------------------------------------------------------------------

  /**
   * The same tenant as an ordinary Tenant (arrays), for small seeds: the agreement test serves
   * both and compares every page. Memory grows with the size, as for generateTenant.
   */
  materialize(): Tenant {
    const src = this.meta;
    const t = new Tenant({ tenantId: this.tenantId, domain: this.domain, now: this.now.toISOString() });
    for (let u = 0; u < this.userCount; u++) t.addUser(this.renderUser(u));
    for (const d of toArray(this.entraDeviceSeq())) t.addEntraDevice(d);
    for (const md of toArray(this.managedDeviceSeq())) t.addManagedDevice(md);
    for (const g of src.groups) {
      const members = (this.segments.get(g.id) ?? []).flatMap((s) => ('seq' in s ? toArray(s.seq) : s.ids));
      t.addGroup({ ...g, members });
    }
    for (const p of src.configurationPolicies) t.addConfigurationPolicy(p);
    for (const c of src.deviceConfigurations) t.addDeviceConfiguration(c);
    for (const i of src.intents) t.addIntent(i);
    for (const sp of src.servicePrincipals) t.addServicePrincipal(sp);
    for (const s of src.deviceHealthScripts) {
      t.addDeviceHealthScript({ ...s, deviceRunStates: toArray(this.runStateSeq(s)) });
    }
    return t;
  }
}
