/**
 * Check 4 of the protocol: the signature over the canonical string verifies with the
 * public key of the certificate the device sent. node:crypto does the RSA maths, so any
 * modulus size works (no fixed byte offsets). Trust in the certificate itself comes later
 * (checks 5 and 6); here it is only a carrier of a public key.
 */
import { constants, type KeyObject, X509Certificate as NodeX509, verify } from 'node:crypto';
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { type CertificateBinding, certificateBinding } from './alternative-security-id.js';
import { TrustRejection } from './errors.js';

export interface CertificateInfo {
  /** The subject CN when there is exactly one (as on a device certificate), else null. */
  subjectCommonName: string | null;
  /** Every CN of the subject, in order. */
  subjectCommonNames: string[];
  notBefore: Date;
  notAfter: Date;
  /** Modulus size of the RSA key. */
  keyBits: number;
  binding: CertificateBinding;
}

const CN_OID = '2.5.4.3';

interface ParsedCertificate {
  node: NodeX509;
  subjectCommonNames: string[];
  notBefore: Date;
  notAfter: Date;
}

function parseCertificate(certDer: Uint8Array): ParsedCertificate {
  try {
    const node = new NodeX509(certDer);
    // The subject is read structurally: Node's text form can be confused by a CN
    // that itself contains "\nCN=...".
    const peculiar = new x509.X509Certificate(Buffer.from(certDer));
    const subjectCommonNames = peculiar.subjectName.getField(CN_OID);
    return { node, subjectCommonNames, notBefore: peculiar.notBefore, notAfter: peculiar.notAfter };
  } catch {
    throw new TrustRejection(
      'invalid_certificate',
      'X-ResetReady-Certificate is not a DER X.509 certificate',
    );
  }
}

function rsaKeyBits(key: KeyObject): number {
  if (key.asymmetricKeyType !== 'rsa') {
    throw new TrustRejection(
      'unsupported_key',
      `the certificate's key is ${key.asymmetricKeyType ?? 'unknown'}; only RSA device certificates (PKCS#1 v1.5, SHA-256) are accepted`,
    );
  }
  return key.asymmetricKeyDetails?.modulusLength ?? 0;
}

/** Verifies RSASSA-PKCS1-v1_5 / SHA-256 over the UTF-8 canonical string. */
export function verifyRequestSignature(
  certDer: Uint8Array,
  canonical: string,
  signatureB64: string,
): CertificateInfo {
  const { node, subjectCommonNames, notBefore, notAfter } = parseCertificate(certDer);
  const keyBits = rsaKeyBits(node.publicKey);
  const signature = Buffer.from(signatureB64, 'base64');
  let ok = false;
  try {
    ok = verify(
      'sha256',
      Buffer.from(canonical, 'utf8'),
      { key: node.publicKey, padding: constants.RSA_PKCS1_PADDING },
      signature,
    );
  } catch {
    ok = false; // e.g. a signature longer than the modulus
  }
  if (!ok) {
    throw new TrustRejection(
      'bad_signature',
      'X-ResetReady-Signature does not verify over the canonical string with the certificate key (wrong key, body, path, timestamp or nonce)',
    );
  }
  return {
    subjectCommonName: subjectCommonNames.length === 1 ? subjectCommonNames[0]! : null,
    subjectCommonNames,
    notBefore,
    notAfter,
    keyBits,
    binding: certificateBinding(certDer),
  };
}
