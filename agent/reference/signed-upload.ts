/**
 * The client half of agent protocol v1, in Node: what the Windows agent does in
 * PowerShell. It is the executable specification the test vectors are generated from,
 * and the load generator's and simulator's way to act as a device.
 */
import { constants, createPrivateKey, type KeyObject, randomBytes, sign } from 'node:crypto';
import { canonicalString, sha256Hex } from '../../shared/trust/canonical.js';
import { UPLOAD_HEADERS } from '../../shared/trust/headers.js';

export const REPORTS_PATH = '/api/reports';

export interface SignedUploadInput {
  /** Request path as the service sees it, default /api/reports. */
  path?: string;
  deviceId: string;
  certDer: Uint8Array;
  privateKey: KeyObject | string;
  /** An object is sent as JSON.stringify(body); a string or bytes exactly as given. */
  body: unknown;
  /** Default: now, RFC 3339 UTC to the second. */
  timestamp?: string;
  /** Default: 24 random bytes, base64url without padding. */
  nonce?: string;
}

export interface SignedUpload {
  /** Header names in lower case. */
  headers: Record<string, string>;
  body: Buffer;
  /** What was signed (for debugging an implementation against this one; not secret). */
  canonical: string;
}

export function rfc3339Now(now = new Date()): string {
  return now.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function newNonce(): string {
  return randomBytes(24).toString('base64url');
}

function bodyBytes(body: unknown): Buffer {
  if (Buffer.isBuffer(body)) return body;
  if (body instanceof Uint8Array) return Buffer.from(body);
  if (typeof body === 'string') return Buffer.from(body, 'utf8');
  return Buffer.from(JSON.stringify(body), 'utf8');
}

export function buildSignedUpload(input: SignedUploadInput): SignedUpload {
  const body = bodyBytes(input.body);
  const deviceId = input.deviceId.toLowerCase();
  const timestamp = input.timestamp ?? rfc3339Now();
  const nonce = input.nonce ?? newNonce();
  const canonical = canonicalString({
    method: 'POST',
    path: input.path ?? REPORTS_PATH,
    deviceId,
    timestamp,
    nonce,
    bodySha256Hex: sha256Hex(body),
  });
  const key = typeof input.privateKey === 'string' ? createPrivateKey(input.privateKey) : input.privateKey;
  const signature = sign('sha256', Buffer.from(canonical, 'utf8'), {
    key,
    padding: constants.RSA_PKCS1_PADDING,
  }).toString('base64');
  // Lower-case names: HTTP names are case-insensitive, and lower case is how Node, fetch
  // and HTTP/2 spell them, so callers can read or override a header without a second key.
  const h = (name: string) => name.toLowerCase();
  return {
    headers: {
      'content-type': 'application/json; charset=utf-8',
      [h(UPLOAD_HEADERS.device)]: deviceId,
      [h(UPLOAD_HEADERS.timestamp)]: timestamp,
      [h(UPLOAD_HEADERS.nonce)]: nonce,
      [h(UPLOAD_HEADERS.certificate)]: Buffer.from(input.certDer).toString('base64'),
      [h(UPLOAD_HEADERS.signature)]: signature,
    },
    body,
    canonical,
  };
}
