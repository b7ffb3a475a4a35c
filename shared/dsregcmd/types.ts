/** Join state derived from AzureAdJoined / EnterpriseJoined / DomainJoined / WorkplaceJoined. */
export type JoinType = 'entraJoined' | 'hybridJoined' | 'entraRegistered' | 'domainJoined' | 'notJoined';

/** `NO` is an undocumented legacy value seen in old captures; kept as its own state. */
export type CanReset =
  | 'DestructiveOnly'
  | 'NonDestructiveOnly'
  | 'DestructiveAndNonDestructive'
  | 'Unknown'
  | 'NO';

export interface DsregField {
  key: string;
  value: string;
  /** Section title the field appeared under ('' before the first banner). */
  section: string;
}

/** Typed view of one `dsregcmd /status` output. Never produced by throwing: odd input gives warnings. */
export interface DsregcmdStatus {
  joinType: JoinType;
  /** Entra device id, lower-case, no braces; null when absent. */
  deviceId: string | null;
  tenantId: string | null;
  tenantName: string | null;
  deviceName: string | null;
  ngcSet: boolean | null;
  /** NgcKeyId lower-case without braces. */
  ngcKeyId: string | null;
  /** Recognised CanReset value; null when the line is absent or unrecognised (see canResetRaw). */
  canReset: CanReset | null;
  canResetRaw: string | null;
  /** Diagnostic `User Context` / executing account say this run was not the user's own session. */
  userContext: 'user' | 'system' | 'elevated' | null;
  /** Canonical value of every key: its first occurrence outside Work Account and proxy sections. */
  fields: Record<string, string>;
  /** Every field in order, with its section, duplicates included. */
  rawFields: DsregField[];
  sections: string[];
  warnings: string[];
}
