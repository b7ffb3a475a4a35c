/**
 * Check 2 of the protocol: every X-ResetReady-* header present and well formed, before
 * any cryptography runs. Sizes are bounded so a hostile header cannot make us decode
 * megabytes. Content-Type (415) is the ingest handler's job, not this module's.
 */
import { TrustRejection } from './errors.js';
import { parseRfc3339 } from './timestamp.js';

export const UPLOAD_HEADERS = {
  device: 'X-ResetReady-Device',
  timestamp: 'X-ResetReady-Timestamp',
  nonce: 'X-ResetReady-Nonce',
  certificate: 'X-ResetReady-Certificate',
  signature: 'X-ResetReady-Signature',
} as const;

/** Upper bounds on header text (characters). A device certificate is 1-2 KB of DER. */
export const HEADER_LIMITS = {
  nonceMinChars: 22, // 16 bytes in base64url without padding
  nonceMaxChars: 64,
  certificateMaxChars: 16_384,
  signatureMaxChars: 2_732, // RSA-16384: 2048 bytes in base64
} as const;

export interface UploadHeaders {
  /** Lower-case GUID, exactly as sent. */
  deviceId: string;
  /** Exactly as sent (it is signed as text). */
  timestamp: string;
  /** Exactly as sent (it is signed as text). */
  nonce: string;
  certificateDer: Buffer;
  /** Base64 as sent; decoded by the signature check. */
  signature: string;
}

const LOWER_GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const ANY_GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const BASE64URL_NO_PAD = /^[A-Za-z0-9_-]+$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

function invalid(header: string, why: string): TrustRejection {
  return new TrustRejection('invalid_header', `${header} ${why}`);
}

export function parseUploadHeaders(get: (name: string) => string | null): UploadHeaders {
  const read = (name: string): string => {
    const v = get(name)?.trim();
    if (!v) throw new TrustRejection('missing_header', `${name} is required`);
    return v;
  };

  const deviceId = read(UPLOAD_HEADERS.device);
  if (!LOWER_GUID.test(deviceId)) {
    throw invalid(
      UPLOAD_HEADERS.device,
      ANY_GUID.test(deviceId) ? 'must be lower-case' : 'must be the Entra device ID (a GUID)',
    );
  }

  const timestamp = read(UPLOAD_HEADERS.timestamp);
  if (timestamp.length > 40 || !parseRfc3339(timestamp)) {
    throw invalid(UPLOAD_HEADERS.timestamp, 'must be an RFC 3339 date-time, e.g. 2026-11-24T09:30:00Z');
  }

  const nonce = read(UPLOAD_HEADERS.nonce);
  if (
    nonce.length < HEADER_LIMITS.nonceMinChars ||
    nonce.length > HEADER_LIMITS.nonceMaxChars ||
    !BASE64URL_NO_PAD.test(nonce) ||
    nonce.length % 4 === 1 // no byte string encodes to this length
  ) {
    throw invalid(
      UPLOAD_HEADERS.nonce,
      `must be base64url without padding, ${HEADER_LIMITS.nonceMinChars}-${HEADER_LIMITS.nonceMaxChars} characters (at least 16 random bytes)`,
    );
  }

  const certificate = read(UPLOAD_HEADERS.certificate);
  if (certificate.length > HEADER_LIMITS.certificateMaxChars || !BASE64.test(certificate)) {
    throw invalid(UPLOAD_HEADERS.certificate, 'must be the base64 DER of the device certificate');
  }

  const signature = read(UPLOAD_HEADERS.signature);
  if (signature.length > HEADER_LIMITS.signatureMaxChars || !BASE64.test(signature)) {
    throw invalid(UPLOAD_HEADERS.signature, 'must be base64');
  }

  return { deviceId, timestamp, nonce, certificateDer: Buffer.from(certificate, 'base64'), signature };
}
