/**
 * What the simulator's routes read from a tenant. Two implementations serve the same wire
 * format: `Tenant` (tenant.ts) holds everything in arrays, for hand-built scenarios and tests
 * that change data between requests; `StreamingTenant` (streaming.ts) renders users, devices,
 * group members and run states on demand from a seed, so 1,000,000 devices fit in memory.
 * Small collections (policies, service principals, scripts) are plain arrays in both.
 */
import type {
  ConfigurationPolicy,
  DeviceConfiguration,
  DeviceHealthScript,
  DeviceRunState,
  EntraDevice,
  Group,
  Intent,
  ManagedDevice,
  Organization,
  ServicePrincipal,
  User,
} from './model.js';
import type { Prng } from './prng.js';
import type { Seq } from './seq.js';

export type ObjectKind = 'user' | 'device' | 'group';

export type MemberObject =
  | { kind: 'user'; value: User }
  | { kind: 'device'; value: EntraDevice }
  | { kind: 'group'; value: Group };

export interface SimTenant {
  readonly organization: Organization;
  readonly tenantId: string;
  readonly domain: string;
  readonly now: Date;
  /** Id source for objects the server creates (export jobs). */
  readonly ids: Prng;
  readonly configurationPolicies: ConfigurationPolicy[];
  readonly deviceConfigurations: DeviceConfiguration[];
  readonly intents: Intent[];
  readonly servicePrincipals: ServicePrincipal[];
  /** Scripts; their run states come from runStateSeq (a streaming tenant keeps none here). */
  readonly deviceHealthScripts: DeviceHealthScript[];

  /** Intune managed devices, every OS, in listing order. */
  managedDeviceSeq(): Seq<ManagedDevice>;
  /** Entra devices in listing order. */
  entraDeviceSeq(): Seq<EntraDevice>;
  /** Every object id reached through the group (nested groups flattened, each once), in Graph's order. */
  transitiveMemberSeq(groupId: string): Seq<string>;
  runStateSeq(script: DeviceHealthScript): Seq<DeviceRunState>;

  managedDevice(id: string): ManagedDevice | undefined;
  entraDeviceByDeviceId(deviceId: string): EntraDevice | undefined;
  entraDeviceByObjectId(id: string): EntraDevice | undefined;
  user(idOrUpn: string): User | undefined;
  group(id: string): Group | undefined;
  objectKind(id: string): ObjectKind | undefined;
  memberObject(id: string): MemberObject | undefined;
  servicePrincipalByAppId(appId: string): ServicePrincipal | undefined;
}
