/**
 * Effective PIN-recovery targeting: which EnablePinRecovery policies reach a device or its
 * users, and what they decide. Pure data; collectors (shared/graph/collectors) fill it.
 */

export type PolicyKind = 'settingsCatalog' | 'endpointSecurity' | 'omaUri' | 'identityProtection' | 'intent';
export type PolicyScope = 'device' | 'user';

/** Reason codes about the policy itself (domain.md §7.1), e.g. POLICY_BAD_OMA_URI. */
export type PolicyIssue = string;

export interface PolicyAssignment {
  target: 'group' | 'exclusionGroup' | 'allDevices' | 'allUsers';
  groupId?: string;
  /** Assignment filter; we never evaluate its rule (graph.md §6.4). */
  filterId?: string;
  filterType?: 'include' | 'exclude';
}

export interface PinRecoveryPolicy {
  /** Unique per entry: the Graph id, or `<graphId>:user` for the user half of a two-scope policy. */
  id: string;
  /** The Graph object id of the policy (several entries can share it). */
  graphId?: string;
  name: string;
  kind: PolicyKind;
  scope: PolicyScope;
  /** true/false when set; null when the policy mentions the setting without a readable value. */
  value: boolean | null;
  /** False when the policy cannot take effect (e.g. an OMA-URI naming another tenant); kept as evidence. */
  effective: boolean;
  issues: PolicyIssue[];
  lastModifiedDateTime: string | null;
  assignments: PolicyAssignment[];
}

export interface TargetDevice {
  /** Entra object id (device.id), the id group membership carries; null when unknown. */
  entraObjectId: string | null;
  /** Primary user and logged-on users (Entra user object ids). */
  userIds: string[];
}

export interface GroupMembership {
  devicesOf(groupId: string): ReadonlySet<string>;
  usersOf(groupId: string): ReadonlySet<string>;
}

export type TargetingResult =
  | 'enabled'
  | 'disabled'
  | 'notConfigured'
  | 'conflict'
  | 'dependsOnFilter'
  /**
   * The answer rests on a user-group inclusion while the device is in an excluded device
   * group: Intune documents that mix as not giving the expected result ("Including user groups
   * while excluding device groups might not create the results you expect … inclusion takes
   * precedence"), so no definite answer is given.
   */
  | 'unsupportedAssignment';

export interface PolicyReach {
  policyId: string;
  via: 'device' | 'user';
  value: boolean | null;
  /** Present when this reach exists only through a filtered assignment. */
  filter?: { filterId: string; filterType: 'include' | 'exclude' };
  /** A user-group inclusion of a device that sits in an excluded device group (not a definite reach). */
  mixedExclusion?: { groupId: string };
}

/** A user-scope inclusion that meets a device-group exclusion on this device. */
export interface MixedExclusion {
  policyId: string;
  /** The excluded device group the device is in. */
  groupId: string;
}

export interface FilterDependency {
  policyId: string;
  filterId: string;
  filterType: 'include' | 'exclude';
}

export interface Targeting {
  result: TargetingResult;
  /** Policies that decided the result (empty for notConfigured). */
  decidedBy: string[];
  /** Every reach of an effective policy (one entry per policy and path). */
  reaching: PolicyReach[];
  /** Filters the result depends on (reaches that exist only through a filtered assignment). */
  filters: FilterDependency[];
  /** Reaches of policies that cannot take effect (e.g. a bad OMA-URI): evidence, not decisions. */
  ineffective: PolicyReach[];
  /** User-group inclusions meeting a device-group exclusion (absent in rows stored before it existed). */
  mixedExclusions?: MixedExclusion[];
}
