/**
 * The committed agent-protocol vectors are what a Windows agent implementation is checked
 * against, so they must stay true: recompute everything from the committed inputs.
 */
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sampleBodyText, VECTOR_FILES, VECTOR_INPUT } from '../../agent/reference/generate-vectors.js';
import { buildSignedUpload } from '../../agent/reference/signed-upload.js';
import {
  bindingMatches,
  certificateBinding,
  decodeAlternativeSecurityId,
} from '../../shared/trust/alternative-security-id.js';
import { CANONICAL_LINES, canonicalString, sha256Hex } from '../../shared/trust/canonical.js';
import { checkCertificateIdentity } from '../../shared/trust/certificate.js';
import { TRUST_REJECTION_STATUS } from '../../shared/trust/errors.js';
import { parseUploadHeaders } from '../../shared/trust/headers.js';
import { verifyRequestSignature } from '../../shared/trust/signature.js';
import { checkTimestamp } from '../../shared/trust/timestamp.js';

const DIR = join(import.meta.dirname, '../fixtures/agent-protocol');
const read = (f: string) => readFileSync(join(DIR, f));
const text = (f: string) => read(f).toString('utf8');

const headers = JSON.parse(text(VECTOR_FILES.headers)) as Record<string, string>;
const manifest = JSON.parse(text(VECTOR_FILES.manifest));
const body = read(VECTOR_FILES.body);
const keyPem = text(VECTOR_FILES.privateKey);
const certDer = new X509Certificate(text(VECTOR_FILES.certificate)).raw;

describe('agent-protocol test vectors', () => {
  it('the body hash and canonical string follow from the committed inputs', () => {
    expect(sha256Hex(body)).toBe(manifest.bodySha256Hex);
    const h = parseUploadHeaders((n) => headers[n.toLowerCase()] ?? null);
    const canonical = canonicalString({
      method: 'POST',
      path: '/api/reports',
      deviceId: h.deviceId,
      timestamp: h.timestamp,
      nonce: h.nonce,
      bodySha256Hex: sha256Hex(body),
    });
    expect(canonical).toBe(text(VECTOR_FILES.canonical));
    expect(text(VECTOR_FILES.canonical).endsWith('\n')).toBe(false);
    expect(manifest.canonicalLines).toEqual([...CANONICAL_LINES]);
  });

  it('the committed signature verifies with the committed certificate, and passes every certificate check', () => {
    const h = parseUploadHeaders((n) => headers[n.toLowerCase()] ?? null);
    expect(h.certificateDer.equals(certDer)).toBe(true);
    expect(h.signature).toBe(text(VECTOR_FILES.signature));
    checkTimestamp(h.timestamp, new Date(VECTOR_INPUT.timestamp), 300);
    const info = verifyRequestSignature(h.certificateDer, text(VECTOR_FILES.canonical), h.signature);
    checkCertificateIdentity(info, h.deviceId, new Date(VECTOR_INPUT.timestamp));
    expect(info.keyBits).toBe(2048);
    expect(info.notBefore.toISOString()).toBe('2026-01-01T00:00:00.000Z');
    expect(info.notAfter.toISOString()).toBe('2036-01-01T00:00:00.000Z');
  });

  it('re-signing with the committed test key gives the same bytes (PKCS#1 v1.5 is deterministic)', () => {
    const again = buildSignedUpload({
      deviceId: VECTOR_INPUT.deviceId,
      certDer,
      privateKey: keyPem,
      body,
      timestamp: VECTOR_INPUT.timestamp,
      nonce: VECTOR_INPUT.nonce,
    });
    expect(again.headers).toEqual(headers);
    expect(again.canonical).toBe(text(VECTOR_FILES.canonical));
  });

  it('the key is marked TEST ONLY and belongs to the certificate', () => {
    expect(keyPem.split('\n')[0]).toMatch(/^TEST ONLY/);
    expect(new X509Certificate(certDer).checkPrivateKey(createPrivateKey(keyPem))).toBe(true);
  });

  it('the alternativeSecurityIds entry decodes to exactly the certificate binding', () => {
    const alt = JSON.parse(text(VECTOR_FILES.alternativeSecurityId));
    const binding = certificateBinding(certDer);
    expect(decodeAlternativeSecurityId(alt.entry)).toEqual(binding);
    expect(alt.decoded).toEqual(binding);
    expect(alt.entry.key).toHaveLength(280);
    expect(bindingMatches([alt.entry], binding)).toBe(true);
  });

  it('sample-body.json is the schemaVersion 1 body built from the dsregcmd fixtures, byte for byte', () => {
    expect(body.toString('utf8')).toBe(sampleBodyText(join(import.meta.dirname, '../fixtures/dsregcmd')));
    const parsed = JSON.parse(body.toString('utf8'));
    expect(parsed.schemaVersion).toBe(1);
    expect(parsed.system.dsregcmd).toContain(`DeviceId : ${VECTOR_INPUT.deviceId}`);
    expect(parsed.users[0].dsregcmd).toContain('CanReset : DestructiveAndNonDestructive');
  });
});

describe('docs/agent-protocol.md', () => {
  const doc = readFileSync(join(import.meta.dirname, '../../docs/agent-protocol.md'), 'utf8');
  const block = (marker: string) => {
    const m = new RegExp(
      `<!-- ${marker}:begin -->\\n\`\`\`text\\n([\\s\\S]*?)\\n\`\`\`\\n<!-- ${marker}:end -->`,
    ).exec(doc);
    if (!m) throw new Error(`block ${marker} not found`);
    return m[1]!;
  };

  it('shows the canonical line order of CANONICAL_LINES', () => {
    const names = block('canonical-lines')
      .split('\n')
      .map((l) => l.split(/\s+/)[0]);
    expect(names).toEqual([...CANONICAL_LINES]);
  });

  it('shows the vector canonical string verbatim', () => {
    expect(block('vector-canonical')).toBe(text(VECTOR_FILES.canonical));
  });

  it('lists every rejection code with its status', () => {
    for (const [code, status] of Object.entries(TRUST_REJECTION_STATUS)) {
      expect(doc).toMatch(new RegExp(`\\|\\s*${status}\\s*\\|\\s*\`${code}\``));
    }
  });
});
