/**
 * The canonical string a device signs (agent protocol v1). The format is data: one
 * ordered list of line names that the builder, the docs and the PowerShell agent all
 * carry, so a test can compare them instead of trusting prose.
 */
import { createHash } from 'node:crypto';

export const CANONICAL_VERSION = 'RESETREADY-V1';

/** Line order of the canonical string. `version` is the literal CANONICAL_VERSION. */
export const CANONICAL_LINES = [
  'version',
  'method',
  'path',
  'deviceId',
  'timestamp',
  'nonce',
  'bodySha256Hex',
] as const;

export type CanonicalLine = (typeof CANONICAL_LINES)[number];

export interface CanonicalInput {
  method: string;
  path: string;
  /** Lower-cased here: the header must already be lower-case, this only guards the builder. */
  deviceId: string;
  /** Exactly as sent in X-ResetReady-Timestamp. */
  timestamp: string;
  /** Exactly as sent in X-ResetReady-Nonce. */
  nonce: string;
  /** Lower-case hex SHA-256 of the exact body bytes. */
  bodySha256Hex: string;
}

/** UTF-8 text, lines joined by \n, no trailing newline. */
export function canonicalString(input: CanonicalInput): string {
  const values: Record<CanonicalLine, string> = {
    version: CANONICAL_VERSION,
    method: input.method.toUpperCase(),
    path: input.path,
    deviceId: input.deviceId.toLowerCase(),
    timestamp: input.timestamp,
    nonce: input.nonce,
    bodySha256Hex: input.bodySha256Hex.toLowerCase(),
  };
  for (const name of CANONICAL_LINES) {
    // A newline inside a value would let one request's lines pose as another's.
    if (/[\r\n]/.test(values[name])) throw new Error(`canonical line ${name} contains a line break`);
  }
  return CANONICAL_LINES.map((name) => values[name]).join('\n');
}

export function sha256Hex(bytes: Uint8Array | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}
