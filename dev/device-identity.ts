/**
 * Device identities for tests, the Graph simulator and the reference agent: an RSA key
 * and a certificate `CN=<deviceId>` issued by a local "MS-Organization-Access"-like CA,
 * shaped like the certificate Entra issues at join. The CA is made once per process
 * (ECDSA P-256: fast) and never written to disk; nothing trusts it but our own tests.
 */
import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  webcrypto,
} from 'node:crypto';
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { type CertificateBinding, certificateBinding } from '../shared/trust/alternative-security-id.js';

// lib has no DOM types here, so name Node's webcrypto types explicitly.
type CryptoKey = webcrypto.CryptoKey;
type CryptoKeyPair = webcrypto.CryptoKeyPair;
x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

const CA_KEY = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const CA_SIGN = { name: 'ECDSA', hash: 'SHA-256' } as const;
/** Real device certificates are issued by "CN=MS-Organization-Access"; the OU marks ours as a test CA. */
export const TEST_DEVICE_CA_NAME = 'CN=MS-Organization-Access, OU=ResetReady test CA';

export interface DeviceIdentity {
  deviceId: string;
  certDer: Buffer;
  certPem: string;
  privateKeyPem: string;
  /** What Entra stores in alternativeSecurityIds for this certificate. */
  binding: CertificateBinding;
}

export interface DeviceIdentityOptions {
  /** Lower-cased into the subject CN. */
  deviceId: string;
  /** RSA modulus size of a new key (ignored when privateKey is given). */
  keyBits?: number;
  /**
   * The clock the default validity window is derived from: one day before `now` to ten years
   * after. A test that fixes "now" passes it here, so the certificate is valid at that instant
   * whatever the date the test runs on.
   */
  now?: Date;
  notBefore?: Date;
  notAfter?: Date;
  /** Reuse one RSA key for many identities: key generation dominates the cost. */
  privateKey?: KeyObject | string;
  /** Subject override (e.g. extra RDNs, or a wrong CN for negative tests). Default `CN=<deviceId>`. */
  subject?: string;
}

interface DevCa {
  cert: x509.X509Certificate;
  key: CryptoKey;
}

let caPromise: Promise<DevCa> | undefined;
const CA_NOT_BEFORE = new Date('2000-01-01T00:00:00Z');
const CA_NOT_AFTER = new Date('2099-12-31T23:59:59Z');
const DAY_MS = 86_400_000;

function testDeviceCa(): Promise<DevCa> {
  caPromise ??= (async () => {
    const keys = (await webcrypto.subtle.generateKey(CA_KEY, false, ['sign', 'verify'])) as CryptoKeyPair;
    // The CA is made once per process, before any test's clock is known, and nothing checks
    // its validity (the service pins device certificates through Entra, not through a chain).
    // A window wide enough for any clock a test or a demo uses keeps it out of the way.
    const cert = await x509.X509CertificateGenerator.createSelfSigned({
      serialNumber: randomSerial(),
      name: TEST_DEVICE_CA_NAME,
      notBefore: CA_NOT_BEFORE,
      notAfter: CA_NOT_AFTER,
      signingAlgorithm: CA_SIGN,
      keys,
      extensions: [
        new x509.BasicConstraintsExtension(true, 0, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
        await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      ],
    });
    return { cert, key: keys.privateKey };
  })();
  return caPromise;
}

function randomSerial(): string {
  const bytes = webcrypto.getRandomValues(new Uint8Array(16));
  bytes[0] = (bytes[0]! & 0x7f) | 0x01; // positive and without a leading zero byte
  return Buffer.from(bytes).toString('hex');
}

/**
 * Issues a device-style certificate for any public key (SPKI DER). Exposed so tests can
 * make certificates Entra would never issue, e.g. for an EC key.
 */
export async function issueDeviceCertificate(opts: {
  subject: string;
  publicKeySpkiDer: Uint8Array;
  notBefore: Date;
  notAfter: Date;
}): Promise<Buffer> {
  const ca = await testDeviceCa();
  const spki = new x509.PublicKey(Buffer.from(opts.publicKeySpkiDer));
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerial(),
    subject: opts.subject,
    issuer: ca.cert.subject,
    notBefore: opts.notBefore,
    notAfter: opts.notAfter,
    signingAlgorithm: CA_SIGN,
    publicKey: spki,
    signingKey: ca.key,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(
        x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment,
        true,
      ),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.clientAuth]),
      await x509.AuthorityKeyIdentifierExtension.create(ca.cert, false),
    ],
  });
  return Buffer.from(cert.rawData);
}

export function toPem(der: Uint8Array, label = 'CERTIFICATE'): string {
  const b64 = Buffer.from(der)
    .toString('base64')
    .replace(/(.{64})/g, '$1\n')
    .trimEnd();
  return `-----BEGIN ${label}-----\n${b64}\n-----END ${label}-----\n`;
}

export async function createDeviceIdentity(opts: DeviceIdentityOptions): Promise<DeviceIdentity> {
  const deviceId = opts.deviceId.toLowerCase();
  const privateKey =
    opts.privateKey === undefined
      ? generateKeyPairSync('rsa', { modulusLength: opts.keyBits ?? 2048 }).privateKey
      : typeof opts.privateKey === 'string'
        ? createPrivateKey(opts.privateKey)
        : opts.privateKey;
  if (privateKey.asymmetricKeyType !== 'rsa') throw new Error('a device identity needs an RSA private key');
  const now = (opts.now ?? new Date()).getTime();
  const certDer = await issueDeviceCertificate({
    subject: opts.subject ?? `CN=${deviceId}`,
    publicKeySpkiDer: createPublicKey(privateKey).export({ type: 'spki', format: 'der' }),
    notBefore: opts.notBefore ?? new Date(now - DAY_MS),
    notAfter: opts.notAfter ?? new Date(now + 10 * 365 * DAY_MS),
  });
  return {
    deviceId,
    certDer,
    certPem: toPem(certDer),
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
    binding: certificateBinding(certDer),
  };
}
