/**
 * Check 5 of the protocol: the certificate names the device that claims to send, and is
 * within its validity period. Issuer and chain are deliberately not checked here: the
 * anchor is Entra's record of this exact certificate (check 6), as for the device itself.
 */
import { TrustRejection } from './errors.js';
import type { CertificateInfo } from './signature.js';

export function checkCertificateIdentity(
  certInfo: Pick<CertificateInfo, 'subjectCommonNames' | 'notBefore' | 'notAfter'>,
  deviceId: string,
  now: Date,
): void {
  const cns = certInfo.subjectCommonNames;
  // Exactly one CN: with several, "which one counts" would be a choice an attacker makes.
  if (cns.length !== 1 || cns[0]!.toLowerCase() !== deviceId.toLowerCase()) {
    throw new TrustRejection(
      'certificate_subject_mismatch',
      cns.length > 1
        ? 'the certificate subject has several CNs; a device certificate has one, CN=<device id>'
        : 'the certificate subject CN is not the device id in X-ResetReady-Device',
    );
  }
  if (now.getTime() < certInfo.notBefore.getTime()) {
    throw new TrustRejection(
      'certificate_not_yet_valid',
      `the certificate is valid from ${certInfo.notBefore.toISOString()}`,
    );
  }
  if (now.getTime() > certInfo.notAfter.getTime()) {
    throw new TrustRejection(
      'certificate_expired',
      `the certificate expired at ${certInfo.notAfter.toISOString()}`,
    );
  }
}
