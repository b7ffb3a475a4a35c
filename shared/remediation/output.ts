/**
 * The one JSON line agent/windows/remediation/Detect-CanReset.ps1 prints, as Graph returns
 * it in deviceRunStates.preRemediationDetectionScriptOutput. Intune keeps at most 2048
 * characters and only the last line, so a cut line is told apart from a broken script.
 * Version 1 is the dsregcmd facts; version 2 adds a compact encoding of the report schema v2
 * evidence (`e`) and the dsregcmd trust signals (`t`), decoded here into the upload's raw
 * evidence shape so the one mapper (shared/ingest/evidence.ts) reads both paths.
 * Pure: no I/O. Field meanings: docs/agent.md.
 */
import { z } from 'zod';
import type {
  RawCredentialProvider,
  RawDeviceEvidence,
  RawPassportForWork,
  RawPolicyKey,
  RawRegistryData,
  RawUserEvidence,
} from '../ingest/report-schema.js';
import type { DsregTrustSignals } from '../posture/trust-model.js';

/** Intune's limit on a detection script's kept output. */
export const REMEDIATION_OUTPUT_MAX_CHARS = 2048;

const nullableText = z.string().max(REMEDIATION_OUTPUT_MAX_CHARS).nullable().optional();
const yesNo = z.boolean().nullable().optional();
const dword = z.number().int().min(0).max(4294967295).nullable();
const text = z.string().max(REMEDIATION_OUTPUT_MAX_CHARS).nullable();

/**
 * A PassportForWork key, compact: null when absent, else
 * [value count, EnablePinRecovery, Enabled (GPO) | UsePassportForWork (MDM),
 *  UseCloudTrustForOnPremAuth, UseCertificateForOnPremAuth], each value a DWORD or null.
 */
const compactKey = z.tuple([z.number().int().min(0), dword, dword, dword, dword]).nullable();

/** The `e` object: every group optional (left out = not reported). */
const compactEvidence = z.object({
  /** Device Group Policy key (HKLM\SOFTWARE\Policies\Microsoft\PassportForWork). */
  pg: compactKey.optional(),
  /** Device MDM key of the device's tenant (…\PassportForWork\<tenantId>\Device\Policies). */
  pm: compactKey.optional(),
  /** The user's Group Policy key (HKCU\SOFTWARE\Policies\Microsoft\PassportForWork). */
  ug: compactKey.optional(),
  /** The user's MDM key (…\PassportForWork\<tenantId>\<SID>\Policies). */
  um: compactKey.optional(),
  /** [EditionID, ProductName, CurrentBuild, UBR, DisplayVersion, InstallationType]. */
  w: z.tuple([text, text, text, dword, text, text]).optional(),
  /** ConfigureWebSignInAllowedUrls, raw. */
  ws: text.optional(),
  /**
   * [NoLockScreen, DontDisplayLastUserName, HideFastUserSwitching, BlockNonAdminUserInstall (GPO),
   *  BlockNonAdminUserInstall (Policy CSP), scforceoption, EnableLUA, DisableLockScreenAppNotifications,
   *  DisableCAD, Shell].
   */
  l: z.tuple([dword, dword, dword, dword, dword, dword, dword, dword, dword, text]).optional(),
  /** Third-party credential providers: [clsid, name, dll file]. Sent with `l`. */
  cp: z
    .array(
      z.tuple([
        z.string().regex(/^\{[0-9a-fA-F-]{36}\}$/),
        z.string().max(256).nullable(),
        z.string().max(260).nullable(),
      ]),
    )
    .max(32)
    .optional(),
  /** [NoToastApplicationNotificationOnLockScreen, NOC_GLOBAL_SETTING_ALLOW_TOASTS_ABOVE_LOCK, Shell]. */
  lu: z.tuple([dword, dword, text]).optional(),
});

const outputSchema = z.object({
  v: z.union([z.literal(1), z.literal(2)]),
  /** Raw CanReset value as printed (DestructiveOnly, NO, ...); null when the line is absent. */
  canReset: nullableText,
  ngcSet: yesNo,
  ngcKeyId: nullableText,
  aadJoined: yesNo,
  domainJoined: yesNo,
  deviceId: nullableText,
  tenantId: nullableText,
  upn: nullableText,
  os: nullableText,
  ts: nullableText,
  err: nullableText,
  /** v2: [SSO State OnPremTgt, Ngc Prerequisite Check OnPremTGT/CloudTGT, CertEnrollment]. */
  t: z.tuple([z.boolean().nullable(), z.boolean().nullable(), text]).optional(),
  /** v2: registry evidence, compact. */
  e: compactEvidence.optional(),
});
// Unknown fields are dropped, not refused: a newer script may add some.

/** Field names the script may print; a test holds Detect-CanReset.ps1 to this list. */
export const REMEDIATION_OUTPUT_FIELDS = Object.keys(outputSchema.shape) as readonly string[];
/** Keys of the evidence object `e`; a test holds Detect-CanReset.ps1 to this list. */
export const REMEDIATION_EVIDENCE_FIELDS = Object.keys(compactEvidence.shape) as readonly string[];

export interface RemediationOutput {
  v: 1 | 2;
  canReset: string | null;
  ngcSet: boolean | null;
  ngcKeyId: string | null;
  aadJoined: boolean | null;
  domainJoined: boolean | null;
  deviceId: string | null;
  tenantId: string | null;
  upn: string | null;
  os: string | null;
  ts: string | null;
  /** The script's own error text, when it could not read dsregcmd. */
  err: string | null;
  /** dsregcmd trust signals; all null when the line has none (v1). */
  trustSignals: DsregTrustSignals;
  /** Registry evidence in the upload's raw shape; undefined groups were not reported. */
  deviceEvidence: RawDeviceEvidence | undefined;
  userEvidence: RawUserEvidence | undefined;
}

export type RemediationOutputFailure = 'empty' | 'not_json' | 'truncated' | 'schema';

export type RemediationOutputResult =
  | { ok: true; value: RemediationOutput }
  | { ok: false; reason: RemediationOutputFailure; message: string };

function lastNonEmptyLine(text: string): string {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  return (lines[lines.length - 1] ?? '').trim();
}

type CompactKey = z.infer<typeof compactKey>;
type CompactEvidence = z.infer<typeof compactEvidence>;

/** A compact key → the upload's raw key: the named values it carries, `truncated` when it counted more. */
function rawKey(k: CompactKey, kind: 'gpo' | 'mdm'): RawPolicyKey | null {
  if (k === null) return null;
  const [count, pinRecovery, hello, cloud, cert] = k;
  const values: Record<string, RawRegistryData> = {};
  const put = (name: string, v: number | null) => {
    if (v !== null) values[name] = v;
  };
  put('EnablePinRecovery', pinRecovery);
  put(kind === 'gpo' ? 'Enabled' : 'UsePassportForWork', hello);
  put('UseCloudTrustForOnPremAuth', cloud);
  put('UseCertificateForOnPremAuth', cert);
  const named = Object.keys(values).length;
  return count > named ? { values, truncated: true } : { values };
}

function rawScope(
  gpo: CompactKey | undefined,
  mdm: CompactKey | undefined,
  tenantId: string | null,
): RawPassportForWork | undefined {
  // Both halves are needed for the effective value; one without the other is not reported.
  if (gpo === undefined || mdm === undefined) return undefined;
  const mdmKey = rawKey(mdm, 'mdm');
  if (mdmKey !== null && tenantId === null) return undefined;
  return { gpo: rawKey(gpo, 'gpo'), mdm: mdmKey && tenantId ? { [tenantId]: mdmKey } : {} };
}

function decodeEvidence(
  e: CompactEvidence | undefined,
  tenantId: string | null,
): { device: RawDeviceEvidence | undefined; user: RawUserEvidence | undefined } {
  if (!e) return { device: undefined, user: undefined };
  const device: RawDeviceEvidence = {};
  const pfw = rawScope(e.pg, e.pm, tenantId);
  if (pfw) device.passportForWork = pfw;
  if (e.w) {
    const [EditionID, ProductName, CurrentBuild, UBR, DisplayVersion, InstallationType] = e.w;
    device.windows = { EditionID, ProductName, CurrentBuild, UBR, DisplayVersion, InstallationType };
  }
  if (e.ws !== undefined) device.webSignIn = { ConfigureWebSignInAllowedUrls: e.ws };
  if (e.l) {
    const [a, b, c, d, f, g, h, i, j, shell] = e.l;
    device.lockScreen = {
      NoLockScreen: a,
      DontDisplayLastUserName: b,
      HideFastUserSwitching: c,
      BlockNonAdminUserInstall: d,
      'ApplicationManagement/BlockNonAdminUserInstall': f,
      scforceoption: g,
      EnableLUA: h,
      DisableLockScreenAppNotifications: i,
      DisableCAD: j,
      Shell: shell,
      thirdPartyCredentialProviders: (e.cp ?? []).map(
        ([clsid, name, dll]): RawCredentialProvider => ({ clsid, name, dll }),
      ),
    };
  }
  const user: RawUserEvidence = {};
  const upfw = rawScope(e.ug, e.um, tenantId);
  if (upfw) user.passportForWork = upfw;
  if (e.lu) {
    const [noToast, toasts, shell] = e.lu;
    user.lockScreen = {
      NoToastApplicationNotificationOnLockScreen: noToast,
      NOC_GLOBAL_SETTING_ALLOW_TOASTS_ABOVE_LOCK: toasts,
      Shell: shell,
    };
  }
  return {
    device: Object.keys(device).length > 0 ? device : undefined,
    user: Object.keys(user).length > 0 ? user : undefined,
  };
}

/** Never throws. Takes the last non-empty line, as Intune shows it. */
export function parseRemediationOutput(text: string | null | undefined): RemediationOutputResult {
  const raw = text ?? '';
  const line = lastNonEmptyLine(raw);
  if (line === '') return { ok: false, reason: 'empty', message: 'the detection script printed nothing' };
  let data: unknown;
  try {
    data = JSON.parse(line);
  } catch {
    // A JSON start cut at Intune's limit is a truncation, not a script error.
    if (line.startsWith('{') && raw.length >= REMEDIATION_OUTPUT_MAX_CHARS) {
      return {
        ok: false,
        reason: 'truncated',
        message: `the output was cut at ${REMEDIATION_OUTPUT_MAX_CHARS} characters`,
      };
    }
    return {
      ok: false,
      reason: 'not_json',
      message: `the last output line is not JSON (starts "${line.slice(0, 40)}")`,
    };
  }
  const parsed = outputSchema.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue && issue.path.length > 0 ? issue.path.join('.') : 'output';
    return { ok: false, reason: 'schema', message: `${where}: ${issue?.message ?? 'is invalid'}` };
  }
  const d = parsed.data;
  const tenantId = d.tenantId?.toLowerCase() ?? null;
  // Evidence is a version 2 field: a v1 line that carries `e` or `t` is read as v1.
  const evidence = d.v === 2 ? decodeEvidence(d.e, tenantId) : { device: undefined, user: undefined };
  const t = d.v === 2 ? d.t : undefined;
  return {
    ok: true,
    value: {
      v: d.v,
      canReset: d.canReset ?? null,
      ngcSet: d.ngcSet ?? null,
      ngcKeyId: d.ngcKeyId?.toLowerCase() ?? null,
      aadJoined: d.aadJoined ?? null,
      domainJoined: d.domainJoined ?? null,
      deviceId: d.deviceId?.toLowerCase() ?? null,
      tenantId,
      upn: d.upn ?? null,
      os: d.os ?? null,
      ts: d.ts ?? null,
      err: d.err ?? null,
      trustSignals: {
        ssoOnPremTgt: t?.[0] ?? null,
        ngcOnPremTgt: t?.[1] ?? null,
        certEnrollment: t?.[2] ?? null,
      },
      deviceEvidence: evidence.device,
      userEvidence: evidence.user,
    },
  };
}
