/**
 * Why an upload was not trusted. Each protocol check throws one of these; the ingest
 * handler maps it to HTTP as-is (status + `{ error: { code, message } }`). Messages never
 * carry the certificate, signature or body, so they are safe to log and to answer.
 */
export const TRUST_REJECTION_STATUS = {
  missing_header: 400,
  invalid_header: 400,
  stale_timestamp: 401,
  invalid_certificate: 401,
  unsupported_key: 401,
  bad_signature: 401,
  certificate_subject_mismatch: 401,
  certificate_expired: 401,
  certificate_not_yet_valid: 401,
  certificate_not_registered: 401,
  device_unknown: 403,
  device_disabled: 403,
  directory_unavailable: 503,
} as const;

export type TrustRejectionCode = keyof typeof TRUST_REJECTION_STATUS;

export class TrustRejection extends Error {
  readonly status: number;

  constructor(
    readonly code: TrustRejectionCode,
    message: string,
  ) {
    super(message);
    this.name = 'TrustRejection';
    this.status = TRUST_REJECTION_STATUS[code];
  }
}
