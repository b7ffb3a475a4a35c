import { createPrivateKey, generateKeyPairSync, type KeyObject, X509Certificate } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildSignedUpload, rfc3339Now } from '../../agent/reference/signed-upload.js';
import {
  createDeviceIdentity,
  type DeviceIdentity,
  issueDeviceCertificate,
} from '../../dev/device-identity.js';
import { CANONICAL_LINES, canonicalString, sha256Hex } from '../../shared/trust/canonical.js';
import { checkCertificateIdentity } from '../../shared/trust/certificate.js';
import {
  TRUST_REJECTION_STATUS,
  TrustRejection,
  type TrustRejectionCode,
} from '../../shared/trust/errors.js';
import { parseUploadHeaders, UPLOAD_HEADERS, type UploadHeaders } from '../../shared/trust/headers.js';
import { verifyRequestSignature } from '../../shared/trust/signature.js';
import { checkTimestamp, parseRfc3339 } from '../../shared/trust/timestamp.js';

/** Header names as buildSignedUpload spells them (lower case). */
const H = Object.fromEntries(Object.entries(UPLOAD_HEADERS).map(([k, v]) => [k, v.toLowerCase()])) as Record<
  keyof typeof UPLOAD_HEADERS,
  string
>;
const DEVICE = '0f8fad5b-d9cb-469f-a165-70867728950e';
const NOW = new Date('2026-11-24T09:30:00Z');
const DAY = 86_400_000;
/** An instant `ms` after NOW: every certificate date in this file is derived from the fixed clock. */
const at = (ms: number) => new Date(NOW.getTime() + ms);

function rejection(fn: () => unknown): TrustRejection {
  try {
    fn();
  } catch (err) {
    if (err instanceof TrustRejection) return err;
    throw err;
  }
  throw new Error('expected a TrustRejection');
}

function expectRejection(fn: () => unknown, code: TrustRejectionCode, status: number): TrustRejection {
  const r = rejection(fn);
  expect(r.code).toBe(code);
  expect(r.status).toBe(status);
  return r;
}

/** The service side, in the protocol's order, as the ingest handler composes it. */
function verifyUpload(headers: Record<string, string>, body: Buffer, now = NOW, path = '/api/reports') {
  const h: UploadHeaders = parseUploadHeaders((n) => headers[n.toLowerCase()] ?? null);
  checkTimestamp(h.timestamp, now, 300);
  const canonical = canonicalString({
    method: 'POST',
    path,
    deviceId: h.deviceId,
    timestamp: h.timestamp,
    nonce: h.nonce,
    bodySha256Hex: sha256Hex(body),
  });
  const info = verifyRequestSignature(h.certificateDer, canonical, h.signature);
  checkCertificateIdentity(info, h.deviceId, now);
  return info;
}

describe('TrustRejection', () => {
  it('carries the status the protocol assigns to each code', () => {
    expect(new TrustRejection('missing_header', 'x').status).toBe(400);
    expect(new TrustRejection('device_unknown', 'x').status).toBe(403);
    expect(new TrustRejection('certificate_not_registered', 'x').status).toBe(401);
    expect(new TrustRejection('directory_unavailable', 'x').status).toBe(503);
    expect(Object.keys(TRUST_REJECTION_STATUS)).toHaveLength(13);
  });
});

describe('canonicalString', () => {
  const input = {
    method: 'post',
    path: '/api/reports',
    deviceId: DEVICE.toUpperCase(),
    timestamp: '2026-11-24T09:30:00Z',
    nonce: 'q0mYcE7d3V5r9nM2xPz8Tg4LbW1kHs6A',
    bodySha256Hex: sha256Hex('{}'),
  };

  it('is the seven protocol lines joined by \\n with no trailing newline', () => {
    const s = canonicalString(input);
    expect(s.split('\n')).toEqual([
      'RESETREADY-V1',
      'POST',
      '/api/reports',
      DEVICE,
      '2026-11-24T09:30:00Z',
      'q0mYcE7d3V5r9nM2xPz8Tg4LbW1kHs6A',
      '44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a',
    ]);
    expect(s.endsWith('\n')).toBe(false);
    expect(CANONICAL_LINES).toEqual([
      'version',
      'method',
      'path',
      'deviceId',
      'timestamp',
      'nonce',
      'bodySha256Hex',
    ]);
  });

  it('refuses a value that would smuggle in an extra line', () => {
    expect(() => canonicalString({ ...input, nonce: 'abc\nPOST' })).toThrow(/line break/);
  });
});

describe('parseUploadHeaders', () => {
  const valid: Record<string, string> = {
    [UPLOAD_HEADERS.device]: DEVICE,
    [UPLOAD_HEADERS.timestamp]: '2026-11-24T09:30:00Z',
    [UPLOAD_HEADERS.nonce]: 'q0mYcE7d3V5r9nM2xPz8Tg',
    [UPLOAD_HEADERS.certificate]: Buffer.from('not really DER').toString('base64'),
    [UPLOAD_HEADERS.signature]: Buffer.from('sig').toString('base64'),
  };
  const parse = (over: Record<string, string | null>) =>
    parseUploadHeaders((n) => (n in over ? over[n]! : (valid[n] ?? null)));

  it('returns the values exactly as sent and the certificate decoded', () => {
    const h = parse({});
    expect(h.deviceId).toBe(DEVICE);
    expect(h.nonce).toBe('q0mYcE7d3V5r9nM2xPz8Tg');
    expect(h.certificateDer.toString()).toBe('not really DER');
  });

  it.each(Object.values(UPLOAD_HEADERS))('400 missing_header names %s when absent or empty', (name) => {
    for (const value of [null, '', '  ']) {
      const r = expectRejection(() => parse({ [name]: value }), 'missing_header', 400);
      expect(r.message).toContain(name);
    }
  });

  it.each([
    [UPLOAD_HEADERS.device, DEVICE.toUpperCase(), /lower-case/],
    [UPLOAD_HEADERS.device, `{${DEVICE}}`, /GUID/],
    [UPLOAD_HEADERS.device, 'PC-0042', /GUID/],
    [UPLOAD_HEADERS.timestamp, '2026-11-24 09:30:00Z', /RFC 3339/],
    [UPLOAD_HEADERS.timestamp, 'Tue, 24 Nov 2026 09:30:00 GMT', /RFC 3339/],
    [UPLOAD_HEADERS.timestamp, '2026-11-24T09:30:00', /RFC 3339/],
    [UPLOAD_HEADERS.timestamp, '2026-02-30T09:30:00Z', /RFC 3339/],
    [UPLOAD_HEADERS.timestamp, '2026-11-24T24:00:00Z', /RFC 3339/],
    [UPLOAD_HEADERS.nonce, 'q0mYcE7d3V5r9nM2xPz8T', /base64url/], // 21 chars < 16 bytes
    [UPLOAD_HEADERS.nonce, 'a'.repeat(65), /base64url/],
    [UPLOAD_HEADERS.nonce, 'q0mYcE7d3V5r9nM2xPz8Tg==', /base64url/], // padding
    [UPLOAD_HEADERS.nonce, 'q0mYcE7d3V5r9nM2xPz8T+g/', /base64url/], // base64, not base64url
    [UPLOAD_HEADERS.nonce, 'q0mYcE7d3V5r9nM2xPz8Tgabc', /base64url/], // 25 chars: no byte string
    [UPLOAD_HEADERS.certificate, '-----BEGIN CERTIFICATE-----', /base64 DER/],
    [UPLOAD_HEADERS.certificate, 'QUJD=', /base64 DER/],
    [UPLOAD_HEADERS.certificate, 'A'.repeat(16_388), /base64 DER/],
    [UPLOAD_HEADERS.signature, 'not base64!', /base64/],
  ])('400 invalid_header for %s = %j', (name, value, why) => {
    const r = expectRejection(() => parse({ [name]: value }), 'invalid_header', 400);
    expect(r.message).toContain(name);
    expect(r.message).toMatch(why);
  });

  it('accepts fractional seconds, offsets and the longest nonce', () => {
    expect(() => parse({ [UPLOAD_HEADERS.timestamp]: '2026-11-24T09:30:00.123456Z' })).not.toThrow();
    expect(() => parse({ [UPLOAD_HEADERS.timestamp]: '2026-11-24T10:30:00+01:00' })).not.toThrow();
    expect(() => parse({ [UPLOAD_HEADERS.nonce]: 'A_-z'.repeat(16) })).not.toThrow();
  });
});

describe('checkTimestamp', () => {
  it('accepts the edges of the window and returns the instant', () => {
    expect(checkTimestamp('2026-11-24T09:35:00Z', NOW, 300).toISOString()).toBe('2026-11-24T09:35:00.000Z');
    expect(checkTimestamp('2026-11-24T09:25:00Z', NOW, 300).getTime()).toBe(NOW.getTime() - 300_000);
    expect(checkTimestamp('2026-11-24T10:31:00.5+01:00', NOW, 300).toISOString()).toBe(
      '2026-11-24T09:31:00.500Z',
    );
  });

  it('401 stale_timestamp just outside the window, either way', () => {
    expectRejection(() => checkTimestamp('2026-11-24T09:35:01Z', NOW, 300), 'stale_timestamp', 401);
    expectRejection(() => checkTimestamp('2026-11-24T09:24:59Z', NOW, 300), 'stale_timestamp', 401);
    // A replay of a request captured yesterday.
    expectRejection(() => checkTimestamp('2026-11-23T09:30:00Z', NOW, 300), 'stale_timestamp', 401);
  });

  it('honours a configured window', () => {
    expect(() => checkTimestamp('2026-11-24T09:40:00Z', NOW, 600)).not.toThrow();
    expectRejection(() => checkTimestamp('2026-11-24T09:40:00Z', NOW, 300), 'stale_timestamp', 401);
  });

  it('parses offsets and leap days exactly and refuses impossible dates', () => {
    expect(parseRfc3339('2028-02-29T23:59:59-00:30')?.toISOString()).toBe('2028-03-01T00:29:59.000Z');
    expect(parseRfc3339('2027-02-29T00:00:00Z')).toBeNull();
    expect(parseRfc3339('2026-13-01T00:00:00Z')).toBeNull();
    expect(parseRfc3339('0099-01-01T00:00:00Z')?.getUTCFullYear()).toBe(99);
  });
});

describe('signature and certificate checks with real keys', () => {
  let identity: DeviceIdentity;
  let other: DeviceIdentity;
  const body = Buffer.from(JSON.stringify({ schemaVersion: 1, users: [] }));
  const sign = (id: DeviceIdentity, over: Partial<Parameters<typeof buildSignedUpload>[0]> = {}) =>
    buildSignedUpload({
      deviceId: id.deviceId,
      certDer: id.certDer,
      privateKey: id.privateKeyPem,
      body,
      timestamp: rfc3339Now(NOW),
      ...over,
    });

  beforeAll(async () => {
    identity = await createDeviceIdentity({ deviceId: DEVICE, now: NOW });
    other = await createDeviceIdentity({ deviceId: '9b2d1c3e-0000-4000-8000-000000000001', now: NOW });
  });

  it('accepts a correctly signed upload and reports the key, validity and Entra binding', () => {
    const up = sign(identity);
    const info = verifyUpload(up.headers, up.body);
    expect(info.keyBits).toBe(2048);
    expect(info.subjectCommonNames).toEqual([DEVICE]);
    expect(info.subjectCommonName).toBe(DEVICE);
    expect(info.binding).toEqual(identity.binding);
    expect(info.binding.thumbprint).toMatch(/^[0-9A-F]{40}$/);
  });

  it.each([3072, 4096])('accepts RSA-%i keys (no fixed byte offsets)', async (bits) => {
    const id = await createDeviceIdentity({ deviceId: DEVICE, keyBits: bits, now: NOW });
    const up = sign(id);
    expect(verifyUpload(up.headers, up.body).keyBits).toBe(bits);
  });

  it('401 bad_signature when the body was changed after signing', () => {
    const up = sign(identity);
    const tampered = Buffer.from(up.body.toString().replace('"users":[]', '"users":[{}]'));
    expectRejection(() => verifyUpload(up.headers, tampered), 'bad_signature', 401);
  });

  it('401 bad_signature when the request is replayed to another path', () => {
    const up = sign(identity);
    expectRejection(() => verifyUpload(up.headers, up.body, NOW, '/api/other'), 'bad_signature', 401);
  });

  it('401 bad_signature when the nonce or timestamp header was swapped', () => {
    const up = sign(identity);
    const swapped = { ...up.headers, [H.nonce]: 'AAAAAAAAAAAAAAAAAAAAAAAA' };
    expectRejection(() => verifyUpload(swapped, up.body), 'bad_signature', 401);
    const later = { ...up.headers, [H.timestamp]: rfc3339Now(at(60_000)) };
    expectRejection(() => verifyUpload(later, up.body), 'bad_signature', 401);
  });

  it("401 bad_signature when signed with another key than the certificate's", () => {
    const up = sign(identity, { privateKey: other.privateKeyPem });
    expectRejection(() => verifyUpload(up.headers, up.body), 'bad_signature', 401);
  });

  it('401 bad_signature for a truncated or oversized signature', () => {
    const up = sign(identity);
    const sig = Buffer.from(up.headers[H.signature]!, 'base64');
    for (const bad of [sig.subarray(0, 128), Buffer.concat([sig, sig])]) {
      const h = { ...up.headers, [H.signature]: bad.toString('base64') };
      expectRejection(() => verifyUpload(h, up.body), 'bad_signature', 401);
    }
  });

  it('401 invalid_certificate for bytes that are not a certificate', () => {
    const up = sign(identity);
    const h = { ...up.headers, [H.certificate]: Buffer.from('garbage').toString('base64') };
    expectRejection(() => verifyUpload(h, up.body), 'invalid_certificate', 401);
  });

  it('401 unsupported_key for a certificate with an EC key, with a clear message', async () => {
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const certDer = await issueDeviceCertificate({
      subject: `CN=${DEVICE}`,
      publicKeySpkiDer: ec.publicKey.export({ type: 'spki', format: 'der' }),
      notBefore: at(-300 * DAY),
      notAfter: at(3 * 365 * DAY),
    });
    const canonical = 'RESETREADY-V1';
    const r = expectRejection(
      () => verifyRequestSignature(certDer, canonical, Buffer.alloc(64).toString('base64')),
      'unsupported_key',
      401,
    );
    expect(r.message).toMatch(/\bec\b.*only RSA/);
  });

  it('401 certificate_subject_mismatch when the certificate names another device', () => {
    // Signed correctly, but with another device's certificate while claiming to be DEVICE.
    const up = sign(other, { deviceId: DEVICE });
    expectRejection(() => verifyUpload(up.headers, up.body), 'certificate_subject_mismatch', 401);
  });

  it('matches the CN case-insensitively and ignores other RDNs', async () => {
    const key = createKey();
    const id = await createDeviceIdentity({
      deviceId: DEVICE,
      privateKey: key,
      now: NOW,
      subject: `CN=${DEVICE.toUpperCase()}, O=Contoso, C=NL`,
    });
    const up = sign(id);
    expect(verifyUpload(up.headers, up.body).subjectCommonNames).toEqual([DEVICE.toUpperCase()]);
  });

  it('401 certificate_subject_mismatch when the subject carries two CNs', async () => {
    const id = await createDeviceIdentity({
      deviceId: DEVICE,
      privateKey: createKey(),
      now: NOW,
      subject: `CN=${DEVICE}, CN=9b2d1c3e-0000-4000-8000-000000000001`,
    });
    const up = sign(id);
    expectRejection(() => verifyUpload(up.headers, up.body), 'certificate_subject_mismatch', 401);
  });

  it('401 certificate_expired and certificate_not_yet_valid outside the validity period', async () => {
    const key = createKey();
    const expired = await createDeviceIdentity({
      deviceId: DEVICE,
      privateKey: key,
      notBefore: at(-700 * DAY),
      notAfter: at(-1_000),
    });
    const future = await createDeviceIdentity({
      deviceId: DEVICE,
      privateKey: key,
      notBefore: at(1_000),
      notAfter: at(3 * 365 * DAY),
    });
    const e = sign(expired);
    expectRejection(() => verifyUpload(e.headers, e.body), 'certificate_expired', 401);
    const f = sign(future);
    expectRejection(() => verifyUpload(f.headers, f.body), 'certificate_not_yet_valid', 401);
    // The same certificates pass once "now" is inside their window.
    expect(() => verifyUpload(e.headers, e.body, at(-60_000))).not.toThrow();
    expect(() => verifyUpload(f.headers, f.body, at(60_000))).not.toThrow();
  });

  it('rejections never echo the certificate or the signature', () => {
    const up = sign(identity, { privateKey: other.privateKeyPem });
    const r = rejection(() => verifyUpload(up.headers, up.body));
    expect(r.message).not.toContain(up.headers[H.signature]!.slice(0, 16));
    expect(r.message).not.toContain(up.headers[H.certificate]!.slice(0, 16));
  });
});

function createKey(): KeyObject {
  return generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
}

it('createDeviceIdentity refuses a non-RSA key (Entra device keys are RSA)', async () => {
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
  await expect(createDeviceIdentity({ deviceId: DEVICE, privateKey: ec })).rejects.toThrow(/RSA/);
});

it('createDeviceIdentity reuses a given key and issues CN=<device id> from an MS-Organization-Access-like CA', async () => {
  const key = createKey();
  const a = await createDeviceIdentity({ deviceId: DEVICE.toUpperCase(), privateKey: key });
  const b = await createDeviceIdentity({
    deviceId: '9b2d1c3e-0000-4000-8000-000000000001',
    privateKey: key.export({ type: 'pkcs8', format: 'pem' }) as string,
  });
  expect(a.deviceId).toBe(DEVICE);
  expect(a.binding.publicKeyHash).toBe(b.binding.publicKeyHash);
  expect(a.binding.thumbprint).not.toBe(b.binding.thumbprint);
  const cert = new X509Certificate(a.certDer);
  expect(cert.subject).toBe(`CN=${DEVICE}`);
  expect(cert.issuer).toContain('CN=MS-Organization-Access');
  expect(cert.checkPrivateKey(createPrivateKey(a.privateKeyPem))).toBe(true);
  expect(a.certPem).toContain('-----BEGIN CERTIFICATE-----');
});
