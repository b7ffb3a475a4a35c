/**
 * Which Windows Hello for Business trust model a hybrid joined device's user is on: cloud
 * Kerberos, key or certificate trust. It matters because a destructive reset is not supported
 * above the lock screen on hybrid key trust [pinreset note], so a DestructiveOnly hybrid
 * key-trust user has no lock-screen reset at all (domain.md §7.2). Pure.
 *
 * Evidence, strongest first:
 * 1. The effective PassportForWork policy ([manage] precedence, evidence.ts
 *    effectivePassportPolicy): `UseCloudTrustForOnPremAuth` = cloud Kerberos trust,
 *    `UseCertificateForOnPremAuth` = certificate trust ([csp]). Hello configured with neither is
 *    key trust: it has no policy of its own (INFERENCE from the three deployment guides).
 * 2. Without policy evidence (v1 reports, Remediation lines without it), the user's dsregcmd [dsreg]:
 *    - Ngc Prerequisite Check `CertEnrollment : enrollment authority` ("specific to WHFB
 *      Certificate Trust deployment", with AdfsRefreshToken/AdfsRaIsReady) → certificate.
 *      "mobile device management" is recorded as a signal but does not decide: the doc ties it to
 *      the policy's source, and no capture shows it on a certificate-trust device.
 *    - An on-premises cloud Kerberos ticket: SSO State `OnPremTgt : YES`, or the Ngc Prerequisite
 *      Check's `OnPremTGT : YES` (named `CloudTGT` before Windows 11 23H2; the SSO State's
 *      `CloudTgt` is a ticket for *cloud* resources and says nothing here) → cloud Kerberos.
 *    dsregcmd never proves key trust: its absence of signals is also what an unprovisioned or
 *    not-yet-signed-in user shows, and the prerequisite check "might not" be printed after
 *    provisioning [dsreg].
 */
import type { DsregField, JoinType } from '../dsregcmd/types.js';
import type { EffectivePassportPolicy, HybridTrustModel, TrustSignal } from './evidence.js';

/** The parts of one user's dsregcmd run the trust model reads (see trustSignalsFromDsregcmd). */
export interface DsregTrustSignals {
  /** SSO State `OnPremTgt`. */
  ssoOnPremTgt: boolean | null;
  /** Ngc Prerequisite Check `OnPremTGT`, or `CloudTGT` on builds before Windows 11 23H2. */
  ngcOnPremTgt: boolean | null;
  /** Ngc Prerequisite Check `CertEnrollment`, raw (`none`, `enrollment authority`, `mobile device management`). */
  certEnrollment: string | null;
}

function yesNo(v: string | undefined): boolean | null {
  const u = v?.trim().toUpperCase();
  if (u === 'YES') return true;
  if (u === 'NO') return false;
  return null;
}

/**
 * Reads the signals by section, because `CloudTgt` means different things in SSO State and in
 * the Ngc Prerequisite Check. The old layout had no SSO State section: there `OnPremTgt` is
 * taken wherever it appears outside the prerequisite check.
 */
export function trustSignalsFromDsregcmd(rawFields: readonly DsregField[]): DsregTrustSignals {
  const signals: DsregTrustSignals = { ssoOnPremTgt: null, ngcOnPremTgt: null, certEnrollment: null };
  for (const f of rawFields) {
    const ngc = /^ngc prerequisite check$/i.test(f.section);
    if (ngc) {
      if (/^(onpremtgt|cloudtgt)$/i.test(f.key) && signals.ngcOnPremTgt === null) {
        signals.ngcOnPremTgt = yesNo(f.value);
      } else if (/^certenrollment$/i.test(f.key) && signals.certEnrollment === null && f.value !== '') {
        signals.certEnrollment = f.value;
      }
    } else if (
      /^onpremtgt$/i.test(f.key) &&
      signals.ssoOnPremTgt === null &&
      !/^work account\b|proxy/i.test(f.section)
    ) {
      signals.ssoOnPremTgt = yesNo(f.value);
    }
  }
  return signals;
}

export interface TrustModelInput {
  /** From the SYSTEM dsregcmd; null when the report carried no join state. */
  joinType: JoinType | null;
  /** Null when policy evidence was not reported (or a scope is missing). */
  policy: EffectivePassportPolicy | null;
  dsregcmd: DsregTrustSignals;
}

export function hybridTrustModel(input: TrustModelInput): HybridTrustModel {
  if (input.joinType === null) {
    return { model: 'unknown', why: 'the report carries no join state', signals: [] };
  }
  if (input.joinType !== 'hybridJoined') return { model: 'notHybrid' };

  const { policy, dsregcmd } = input;
  const dsregSignals: TrustSignal[] = [];
  if (dsregcmd.certEnrollment !== null) {
    dsregSignals.push({ source: 'dsregcmd', name: 'CertEnrollment', value: dsregcmd.certEnrollment });
  }
  if (dsregcmd.ssoOnPremTgt !== null) {
    dsregSignals.push({ source: 'dsregcmd', name: 'OnPremTgt', value: dsregcmd.ssoOnPremTgt ? 'YES' : 'NO' });
  }
  if (dsregcmd.ngcOnPremTgt !== null) {
    dsregSignals.push({
      source: 'dsregcmd',
      name: 'NgcPrerequisite.OnPremTGT',
      value: dsregcmd.ngcOnPremTgt ? 'YES' : 'NO',
    });
  }

  if (policy !== null) {
    const signals: TrustSignal[] = [];
    const note = (name: string, s: { value: boolean; source: string } | null) => {
      if (s)
        signals.push({
          source: s.source.startsWith('gpo') ? 'gpo' : 'mdm',
          name,
          value: s.value ? '1' : '0',
        });
    };
    note('UseCloudTrustForOnPremAuth', policy.useCloudTrustForOnPremAuth);
    note('UseCertificateForOnPremAuth', policy.useCertificateForOnPremAuth);
    note(policy.gpoManaged ? 'Enabled' : 'UsePassportForWork', policy.helloEnabled);
    const cloud = policy.useCloudTrustForOnPremAuth?.value === true;
    const cert = policy.useCertificateForOnPremAuth?.value === true;
    const all = [...signals, ...dsregSignals];
    if (cloud && cert) {
      return {
        model: 'unknown',
        why: 'both UseCloudTrustForOnPremAuth and UseCertificateForOnPremAuth are enabled',
        signals: all,
      };
    }
    if (cloud) return { model: 'cloudKerberos', basis: 'policy', signals: all };
    if (cert) return { model: 'certificate', basis: 'policy', signals: all };
    // Neither on-premises policy: key trust, when Hello is configured at all by a policy we read.
    // Hybrid devices get no Hello policy by default; an unconfigured device says nothing.
    if (policy.helloEnabled?.value === true || policy.gpoManaged || policy.mdmPresent) {
      return { model: 'key', basis: 'policy', signals: all };
    }
    return {
      model: 'unknown',
      why: 'no Windows Hello for Business policy was found on the device',
      signals: all,
    };
  }

  // Only "enrollment authority" decides: [dsreg] ties it to certificate trust (AD FS enrollment);
  // "mobile device management" names the policy's source and is not decisive on its own.
  const cert = dsregcmd.certEnrollment?.trim().toLowerCase() === 'enrollment authority';
  const cloud = dsregcmd.ssoOnPremTgt === true || dsregcmd.ngcOnPremTgt === true;
  if (cert && !cloud) return { model: 'certificate', basis: 'dsregcmd', signals: dsregSignals };
  if (cloud && !cert) return { model: 'cloudKerberos', basis: 'dsregcmd', signals: dsregSignals };
  return {
    model: 'unknown',
    why: cert
      ? 'dsregcmd shows both certificate enrollment and a cloud Kerberos ticket'
      : 'no policy evidence, and dsregcmd shows neither certificate enrollment nor a cloud Kerberos ticket',
    signals: dsregSignals,
  };
}
