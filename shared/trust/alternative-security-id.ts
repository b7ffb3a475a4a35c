/**
 * Entra's binding between a device object and its device certificate
 * ([MS-DVRE] 2.3.3): alternativeSecurityIds[].key (type 2) is base64 of the UTF-16LE text
 * `X509:<SHA1-TP-PUBKEY>` + 40-hex SHA-1 thumbprint + base64 SHA-256 of the PKCS#1
 * RSAPublicKey DER.
 */
import { createHash, X509Certificate } from 'node:crypto';

export const ALT_SEC_ID_PREFIX = 'X509:<SHA1-TP-PUBKEY>';
export const ALT_SEC_ID_TYPE_CERTIFICATE = 2;

export interface AlternativeSecurityId {
  type: number;
  identityProvider: string | null;
  key: string;
}

export interface CertificateBinding {
  /** 40 hex characters, upper-case as dsregcmd prints it. */
  thumbprint: string;
  /** Base64 SHA-256 of the PKCS#1 RSAPublicKey DER (44 characters). */
  publicKeyHash: string;
}

export function certificateBinding(certDer: Uint8Array): CertificateBinding {
  const cert = new X509Certificate(certDer);
  const thumbprint = createHash('sha1').update(cert.raw).digest('hex').toUpperCase();
  const pkcs1 = cert.publicKey.export({ type: 'pkcs1', format: 'der' });
  const publicKeyHash = createHash('sha256').update(pkcs1).digest('base64');
  return { thumbprint, publicKeyHash };
}

export function encodeAlternativeSecurityId(binding: CertificateBinding): AlternativeSecurityId {
  const text = `${ALT_SEC_ID_PREFIX}${binding.thumbprint}${binding.publicKeyHash}`;
  return {
    type: ALT_SEC_ID_TYPE_CERTIFICATE,
    identityProvider: null,
    key: Buffer.from(text, 'utf16le').toString('base64'),
  };
}

/** Decodes a type-2 entry; null when it is not one or does not have the expected shape. */
export function decodeAlternativeSecurityId(entry: AlternativeSecurityId): CertificateBinding | null {
  if (entry.type !== ALT_SEC_ID_TYPE_CERTIFICATE || typeof entry.key !== 'string') return null;
  const text = Buffer.from(entry.key, 'base64').toString('utf16le');
  if (!text.startsWith(ALT_SEC_ID_PREFIX)) return null;
  const rest = text.slice(ALT_SEC_ID_PREFIX.length);
  const thumbprint = rest.slice(0, 40);
  const publicKeyHash = rest.slice(40);
  if (!/^[0-9a-fA-F]{40}$/.test(thumbprint) || !/^[A-Za-z0-9+/]{43}=$/.test(publicKeyHash)) return null;
  return { thumbprint, publicKeyHash };
}

/** Exact comparison: full thumbprint (case-insensitive hex) and full key hash, on any type-2 entry. */
export function bindingMatches(entries: readonly AlternativeSecurityId[], cert: CertificateBinding): boolean {
  return entries.some((e) => {
    const b = decodeAlternativeSecurityId(e);
    return (
      b !== null &&
      b.thumbprint.toUpperCase() === cert.thumbprint.toUpperCase() &&
      b.publicKeyHash === cert.publicKeyHash
    );
  });
}
