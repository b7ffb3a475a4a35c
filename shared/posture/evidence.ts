/**
 * What the posture rules can know about a device and each of its users beyond CanReset: the
 * evidence an agent reads from the device's registry (report schema v2, docs/agent-protocol.md)
 * and what follows from it. Pure data and pure helpers; the ingest path maps raw uploads to these
 * types in one place (shared/ingest/evidence.ts) and stores them with the report.
 *
 * ONE CONVENTION, everywhere in this file:
 * - Every group has `state`. `'notReported'`: the agent did not send it (a v1 report, a
 *   Remediation line without it, or the agent could not read that location). Rules must treat it
 *   as "we don't know", never as "absent".
 * - Inside a `'reported'` group, `null` means the device was read and has NO such key or value
 *   (reported absent: Windows' default applies). A value is never invented.
 *
 * Sources (tags as in the handbook, domain.md §0):
 * - [csp] PassportForWork CSP, learn.microsoft.com/windows/client-management/mdm/passportforwork-csp
 * - [admx] MSPassport_EnablePinRecovery / Passport.admx (registry under SOFTWARE\Policies\Microsoft\PassportForWork)
 * - [manage] "Configure Windows Hello for Business" (GPO/MDM precedence), learn.microsoft.com/windows/security/identity-protection/hello-for-business/configure
 * - [pinreset] learn.microsoft.com/windows/security/identity-protection/hello-for-business/pin-reset
 * - [sspr-win] learn.microsoft.com/entra/identity/authentication/howto-sspr-windows ("General limitations",
 *   ms.date 2025-03-04; its note: "These limitations also apply to Windows Hello for Business PIN reset
 *   from the device lock screen")
 * - [dsreg] learn.microsoft.com/entra/identity/devices/troubleshoot-device-dsregcmd (ms.date 2025-06-27)
 */

/** Registry data as Windows stores it: DWORD/QWORD as numbers, SZ/EXPAND_SZ as the raw string, MULTI_SZ as a list. */
export type RegistryData = number | string | readonly string[];

/** A group the agent may not have sent. See the convention at the top of this file. */
export type Reported<T> = { state: 'notReported' } | ({ state: 'reported' } & T);

export const NOT_REPORTED = { state: 'notReported' } as const;

// ---------------------------------------------------------------------------------------------
// Windows Hello for Business (PassportForWork) policy as the device sees it
// ---------------------------------------------------------------------------------------------

/**
 * One PassportForWork policy key as read on the device (Group Policy or MDM, device or user).
 * The key being present at all matters: [manage] "If you mix group policy and MDM policy
 * settings, the MDM settings are ignored until all group policy settings are cleared."
 */
export interface PassportForWorkKey {
  /**
   * Every value under the key, and under its subkeys as `Subkey\Value` (e.g.
   * `PINComplexity\MinimumPINLength`), names exactly as Windows wrote them. Empty when the key
   * exists without values.
   */
  values: Readonly<Record<string, RegistryData>>;
  /**
   * More values exist than `values` lists (the agent's per-key cap, or a Remediation line that
   * sends only the names it knows): an absent name may just not have been sent.
   */
  truncated: boolean;
  /**
   * `EnablePinRecovery`: true for 1 (any non-zero DWORD), false for 0, null when the key has no
   * such value (then Windows' default applies: false [csp]). GPO value name per [admx]; the MDM
   * value name is the CSP node name (see mdm below).
   */
  enablePinRecovery: boolean | null;
  /**
   * Windows Hello for Business itself: GPO value `Enabled` [admx], MDM value `UsePassportForWork`
   * [csp] (falling back to `Enabled`, which one Microsoft support blog names under the MDM key).
   */
  helloEnabled: boolean | null;
  /** `UseCloudTrustForOnPremAuth`: cloud Kerberos trust [csp]. */
  useCloudTrustForOnPremAuth: boolean | null;
  /** `UseCertificateForOnPremAuth`: certificate trust [csp]. */
  useCertificateForOnPremAuth: boolean | null;
}

/**
 * The PassportForWork policy locations for one scope (the device, or one user).
 *
 * - `gpo`: device: `HKLM\SOFTWARE\Policies\Microsoft\PassportForWork`;
 *   user: `HKU\<SID>\SOFTWARE\Policies\Microsoft\PassportForWork`. Null when the key is absent.
 * - `mdm`: by tenant id (lower-case GUID), device:
 *   `HKLM\SOFTWARE\Microsoft\Policies\PassportForWork\<tenantId>\Device\Policies`; user:
 *   `HKLM\SOFTWARE\Microsoft\Policies\PassportForWork\<tenantId>\<SID>\Policies`. Only tenants
 *   whose key exists are listed, so `{}` = no MDM PassportForWork policy reached this scope.
 *
 * The MDM value names are the CSP leaf node names (`UsePassportForWork`, `RequireSecurityDevice`,
 * `UseCertificateForOnPremAuth`, `UseCloudTrustForOnPremAuth` are read under exactly these names
 * by public tooling, e.g. Microsoft365-adjacent Autopilot monitors and Remediation scripts), so
 * PIN recovery is read as `EnablePinRecovery`. No Microsoft page documents these registry names:
 * UNVERIFIED, which is why `values` carries every name the device has; a different name shows
 * there and is fixed in shared/ingest/evidence.ts alone.
 */
export type PassportForWorkScope = Reported<{
  gpo: PassportForWorkKey | null;
  mdm: Readonly<Record<string, PassportForWorkKey>>;
}>;

// ---------------------------------------------------------------------------------------------
// Windows edition and build
// ---------------------------------------------------------------------------------------------

/** From `HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion`; each null when that value is absent. */
export interface WindowsEditionFacts {
  /** `EditionID`, e.g. Enterprise, Professional, Education, Core, EnterpriseS, IoTEnterprise, ServerRdsh. The one to decide on. */
  editionId: string | null;
  /**
   * `ProductName`. Display only: Windows 11 keeps "Windows 10 …" here, so never read the
   * version from it.
   */
  productName: string | null;
  /** `CurrentBuild` (CurrentBuildNumber on old builds), e.g. 22631. */
  currentBuild: number | null;
  /** `UBR`, the update build revision, e.g. 4460. */
  ubr: number | null;
  /** `DisplayVersion` (20H2 and later), e.g. 23H2. */
  displayVersion: string | null;
  /** `InstallationType`: Client, Server, Server Core. */
  installationType: string | null;
}

export type WindowsEdition = Reported<WindowsEditionFacts>;

/** Editions grouped the way [pinreset] and the CSP applicability ([csp]) speak of them. */
export type EditionFamily =
  | 'home'
  | 'pro'
  | 'enterprise'
  | 'education'
  | 'iotEnterprise'
  | 'windowsSe'
  | 'server'
  | 'other';

/**
 * EditionID → family. Pro for Workstations and Pro Education count as Pro, LTSC (EnterpriseS)
 * and multi-session (ServerRdsh) as Enterprise, Windows SE is "CloudEdition". An id outside
 * this list is `other` (the raw id stays in editionId).
 */
export function editionFamily(editionId: string | null): EditionFamily | null {
  if (!editionId) return null;
  const e = editionId.trim().toLowerCase();
  if (/^core/.test(e)) return 'home';
  if (e === 'serverrdsh' || /^enterprise/.test(e)) return 'enterprise';
  if (/^education/.test(e)) return 'education';
  if (/^professional/.test(e)) return 'pro';
  if (/^iotenterprise/.test(e)) return 'iotEnterprise';
  if (/^cloudedition/.test(e)) return 'windowsSe';
  if (/^server/.test(e)) return 'server';
  return 'other';
}

// ---------------------------------------------------------------------------------------------
// Web sign-in allowed URLs (federated identity providers, [pinreset])
// ---------------------------------------------------------------------------------------------

export interface WebSignInFacts {
  /**
   * `ConfigureWebSignInAllowedUrls` exactly as the PolicyManager current store has it
   * (`HKLM\SOFTWARE\Microsoft\PolicyManager\current\device\Authentication`, REG_SZ; the store
   * location is community-observed, the policy is Policy CSP Authentication/
   * ConfigureWebSignInAllowedUrls). Raw, so quotes stay visible: a value wrapped in double quotes
   * breaks the reset (MicrosoftDocs/windows-itpro-docs#9701). Null when the policy is not set.
   */
  allowedUrlsRaw: string | null;
  /** The raw value split on `;`, each entry trimmed, empty entries dropped; quotes kept. */
  allowedUrls: readonly string[];
  /** The raw value contains a double quote. */
  quoted: boolean;
}

export type WebSignIn = Reported<WebSignInFacts>;

/** The `;`-separated list as Windows reads it (quotes are not stripped: they break it). */
export function splitAllowedUrls(raw: string | null): { allowedUrls: string[]; quoted: boolean } {
  if (raw === null) return { allowedUrls: [], quoted: false };
  return {
    allowedUrls: raw
      .split(';')
      .map((s) => s.trim())
      .filter((s) => s !== ''),
    quoted: raw.includes('"'),
  };
}

// ---------------------------------------------------------------------------------------------
// Lock-screen settings that block a reset from the lock screen ([sspr-win] "General limitations")
// ---------------------------------------------------------------------------------------------

/**
 * Device-wide settings [sspr-win] lists. Each is the effective registry value (Group Policy and
 * the MDM Policy CSP both end in these values for the security options), null when absent.
 * Not collected, and why:
 * - `EnableLostMode`: listed by [sspr-win], but no documented Windows desktop registry or CSP
 *   location exists (Intune's enableLostMode action is for iOS/iPadOS). Left to 11b as a known gap.
 * - 802.1x "Perform immediately before user logon": per network profile, not a policy value.
 * - Remote Desktop / Hyper-V enhanced sessions: dsregcmd `SessionIsNotRemote` (user run) shows it.
 */
export interface LockScreenDeviceFacts {
  /** `HKLM\SOFTWARE\Policies\Microsoft\Windows\Personalization` `NoLockScreen` (1 = blocks). */
  noLockScreen: number | null;
  /** `HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Policies\System` `DontDisplayLastUserName` (1 = blocks). */
  dontDisplayLastUserName: number | null;
  /** Same key, `HideFastUserSwitching` (1 = blocks). */
  hideFastUserSwitching: number | null;
  /**
   * "Prevent non-admin users from installing packaged Windows apps": Group Policy
   * `HKLM\SOFTWARE\Policies\Microsoft\Windows\Appx` `BlockNonAdminUserInstall`, or the Policy CSP
   * ApplicationManagement/BlockNonAdminUserInstall in
   * `HKLM\SOFTWARE\Microsoft\PolicyManager\current\device\ApplicationManagement`; the larger of the two
   * (1 = blocks).
   */
  blockNonAdminUserInstall: number | null;
  /**
   * "Interactive logon: Require smart card": same System key, `scforceoption` (1 = blocks).
   */
  smartCardRequired: number | null;
  /** Same System key, `EnableLUA` (0 = UAC disabled: blocks; absent = Windows default 1). */
  enableLua: number | null;
  /**
   * "Turn off app notifications on the lock screen": `HKLM\SOFTWARE\Policies\Microsoft\Windows\System`
   * `DisableLockScreenAppNotifications` (1 = notifications off: blocks).
   */
  disableLockScreenAppNotifications: number | null;
  /**
   * "Interactive logon: Do not require CTRL+ALT+DEL": System key `DisableCAD`. Blocks only in
   * [sspr-win]'s combination (= 0 "Disabled", 1710 and earlier, with notifications off on Home).
   */
  disableCad: number | null;
  /**
   * `HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion\Winlogon` `Shell`, raw. Anything other
   * than `explorer.exe` is a custom shell (blocks).
   */
  shell: string | null;
  /**
   * Credential providers registered under
   * `HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Authentication\Credential Providers` whose
   * DLL is not signed by Microsoft ("third party credential providers are known to cause
   * problems"). Empty = none found. Providers disabled by policy are left out.
   */
  thirdPartyCredentialProviders: readonly CredentialProvider[];
}

export interface CredentialProvider {
  /** Registry key name, lower-case, with braces: {xxxxxxxx-…}. */
  clsid: string;
  /** The key's default value (the provider's name), null when empty. */
  name: string | null;
  /** File name of the InprocServer32 DLL (no directory), null when unreadable. */
  dll: string | null;
}

export type LockScreenDevice = Reported<LockScreenDeviceFacts>;

/** Per-user lock-screen settings, from `HKU\<SID>` (the user's own hive, loaded while they are signed in). */
export interface LockScreenUserFacts {
  /**
   * "Turn off toast notifications on the lock screen" (user Group Policy):
   * `SOFTWARE\Policies\Microsoft\Windows\CurrentVersion\PushNotifications`
   * `NoToastApplicationNotificationOnLockScreen` (1 = off: blocks).
   */
  noToastOnLockScreen: number | null;
  /**
   * The user's own Settings toggle "Show notifications on the lock screen":
   * `SOFTWARE\Microsoft\Windows\CurrentVersion\Notifications\Settings`
   * `NOC_GLOBAL_SETTING_ALLOW_TOASTS_ABOVE_LOCK` (0 = off). Community-observed location.
   */
  toastsAboveLock: number | null;
  /** User policy `SOFTWARE\Microsoft\Windows\CurrentVersion\Policies\System` `Shell` ("Custom User Interface"), raw. */
  shell: string | null;
}

export type LockScreenUser = Reported<LockScreenUserFacts>;

// ---------------------------------------------------------------------------------------------
// Hybrid trust model (read from dsregcmd and policy evidence, shared/posture/trust-model.ts)
// ---------------------------------------------------------------------------------------------

export type TrustModel = 'cloudKerberos' | 'key' | 'certificate';

/** One observation that went into the trust-model decision, for the reason's evidence. */
export interface TrustSignal {
  source: 'gpo' | 'mdm' | 'dsregcmd';
  /** e.g. `UseCloudTrustForOnPremAuth`, `OnPremTgt`, `CertEnrollment`. */
  name: string;
  value: string;
}

/**
 * How a hybrid joined device's users authenticate to AD with Windows Hello for Business.
 * - `notHybrid`: the device is not Entra hybrid joined; the question does not arise.
 * - a model with `basis: 'policy'`: the effective PassportForWork policy names it
 *   (UseCloudTrustForOnPremAuth / UseCertificateForOnPremAuth), or names neither while Hello is
 *   configured, which is key trust (it has no policy of its own).
 * - `basis: 'dsregcmd'`: no policy evidence (v1 report); the user's dsregcmd showed it
 *   (`CertEnrollment` other than none → certificate; an on-premises cloud Kerberos ticket →
 *   cloud Kerberos). dsregcmd never proves key trust.
 * - `unknown`: the evidence does not decide it (report "hybrid, trust model unknown",
 *   domain.md §7.2).
 */
export type HybridTrustModel =
  | { model: 'notHybrid' }
  | { model: TrustModel; basis: 'policy' | 'dsregcmd'; signals: readonly TrustSignal[] }
  | { model: 'unknown'; why: string; signals: readonly TrustSignal[] };

// ---------------------------------------------------------------------------------------------
// The two records the rules read
// ---------------------------------------------------------------------------------------------

/** Where a record's evidence came from. `none`: a v1 report, every group notReported. */
export type EvidenceSource = 'none' | 'agent' | 'remediation';

/** Device-wide evidence from one report (stored with it and in the latest device state). */
export interface DeviceEvidence {
  source: EvidenceSource;
  /** Device scope PassportForWork policy (GPO device key, MDM `…\Device\Policies` keys). */
  passportForWork: PassportForWorkScope;
  windows: WindowsEdition;
  webSignIn: WebSignIn;
  lockScreen: LockScreenDevice;
}

/** One user's evidence from one report (stored with the user's latest state). */
export interface UserEvidence {
  source: EvidenceSource;
  /** User scope PassportForWork policy (the user's GPO key, MDM `…\<SID>\Policies` keys). */
  passportForWork: PassportForWorkScope;
  lockScreen: LockScreenUser;
  /** Always present; `unknown` when the evidence does not decide, `notHybrid` off hybrid devices. */
  trustModel: HybridTrustModel;
}

export function emptyDeviceEvidence(): DeviceEvidence {
  return {
    source: 'none',
    passportForWork: NOT_REPORTED,
    windows: NOT_REPORTED,
    webSignIn: NOT_REPORTED,
    lockScreen: NOT_REPORTED,
  };
}

export function emptyUserEvidence(trustModel: HybridTrustModel): UserEvidence {
  return { source: 'none', passportForWork: NOT_REPORTED, lockScreen: NOT_REPORTED, trustModel };
}

// ---------------------------------------------------------------------------------------------
// Effective PassportForWork policy ([manage] precedence)
// ---------------------------------------------------------------------------------------------

export type PolicySource = 'gpoUser' | 'gpoDevice' | 'mdmUser' | 'mdmDevice';

export interface EffectiveSetting {
  value: boolean;
  source: PolicySource;
}

export interface EffectivePassportPolicy {
  /**
   * Some Group Policy PassportForWork value is present (device or user key): then MDM values are
   * ignored [manage]. A key that exists with no value and no subkey value does not count.
   */
  gpoManaged: boolean;
  /** MDM keys exist for this tenant (device or user scope). */
  mdmPresent: boolean;
  enablePinRecovery: EffectiveSetting | null;
  helloEnabled: EffectiveSetting | null;
  useCloudTrustForOnPremAuth: EffectiveSetting | null;
  useCertificateForOnPremAuth: EffectiveSetting | null;
}

type SettingName =
  | 'enablePinRecovery'
  | 'helloEnabled'
  | 'useCloudTrustForOnPremAuth'
  | 'useCertificateForOnPremAuth';

/**
 * The PassportForWork setting values in effect for one user, under [manage]: "If you mix group
 * policy and MDM policy settings, the MDM settings are ignored until all group policy settings
 * are cleared", and user policy wins over computer policy. Null when either scope was not
 * reported (then nothing can be said). `tenantId` picks the MDM keys (lower-case GUID); null
 * reads no MDM key.
 */
export function effectivePassportPolicy(
  device: PassportForWorkScope,
  user: PassportForWorkScope,
  tenantId: string | null,
): EffectivePassportPolicy | null {
  if (device.state !== 'reported' || user.state !== 'reported') return null;
  // `truncated` means more values exist than were sent (the Remediation line sends only the
  // values it names): the key holds values even when none is listed.
  const hasValues = (k: PassportForWorkKey | null) =>
    k !== null && (k.truncated || Object.keys(k.values).length > 0);
  const gpoManaged = hasValues(device.gpo) || hasValues(user.gpo);
  const tenant = tenantId?.toLowerCase() ?? null;
  const mdmDevice = tenant ? (device.mdm[tenant] ?? null) : null;
  const mdmUser = tenant ? (user.mdm[tenant] ?? null) : null;
  const order: [PolicySource, PassportForWorkKey | null][] = gpoManaged
    ? [
        ['gpoUser', user.gpo],
        ['gpoDevice', device.gpo],
      ]
    : [
        ['mdmUser', mdmUser],
        ['mdmDevice', mdmDevice],
      ];
  const pick = (name: SettingName): EffectiveSetting | null => {
    for (const [source, key] of order) {
      const v = key?.[name];
      if (v !== null && v !== undefined) return { value: v, source };
    }
    return null;
  };
  return {
    gpoManaged,
    mdmPresent: mdmDevice !== null || mdmUser !== null,
    enablePinRecovery: pick('enablePinRecovery'),
    helloEnabled: pick('helloEnabled'),
    useCloudTrustForOnPremAuth: pick('useCloudTrustForOnPremAuth'),
    useCertificateForOnPremAuth: pick('useCertificateForOnPremAuth'),
  };
}
