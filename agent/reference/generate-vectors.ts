/**
 * (Re)generates the committed agent-protocol test vectors in test/fixtures/agent-protocol/.
 *
 *   npx tsc -p agent/reference/tsconfig.vectors.json && node dist/agent/reference/generate-vectors.js [--new-identity]
 *
 * The key and certificate are kept when present (so a regeneration only re-derives the
 * rest, byte for byte); --new-identity replaces them. The key is a TEST ONLY key: it
 * exists to be published.
 */
import { createPrivateKey, generateKeyPairSync } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createDeviceIdentity } from '../../dev/device-identity.js';
import {
  certificateBinding,
  encodeAlternativeSecurityId,
} from '../../shared/trust/alternative-security-id.js';
import { CANONICAL_LINES, sha256Hex } from '../../shared/trust/canonical.js';
import { buildReportBody } from './report-body.js';
import { buildSignedUpload, REPORTS_PATH } from './signed-upload.js';

/** The fixed inputs; the device id is the one in the system dsregcmd fixture. */
export const VECTOR_INPUT = {
  deviceId: '6e4cbe68-588b-499c-8c04-dcfff140a1ca',
  timestamp: '2026-11-24T09:30:00Z',
  nonce: 'q0mYcE7d3V5r9nM2xPz8Tg4LbW1kHs6A',
  notBefore: new Date('2026-01-01T00:00:00Z'),
  notAfter: new Date('2036-01-01T00:00:00Z'),
} as const;

export const VECTOR_FILES = {
  privateKey: 'TEST-ONLY-device-key.pem',
  certificate: 'device-cert.pem',
  body: 'sample-body.json',
  canonical: 'canonical.txt',
  headers: 'headers.json',
  signature: 'signature.b64',
  alternativeSecurityId: 'alternative-security-id.json',
  manifest: 'vector.json',
} as const;

const KEY_BANNER =
  'TEST ONLY - published on purpose for the ResetReady agent-protocol test vectors.\n' +
  'Never use this key, or a certificate for it, on a real device or service.\n';

/** Raw command output from a fixture file, without our "# source:" provenance lines. */
export function rawFixtureText(path: string): string {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => !l.startsWith('# '))
    .join('\n');
}

export function sampleBodyText(dsregcmdDir: string): string {
  const body = buildReportBody({
    deviceName: 'Win10-Client',
    osVersion: '10.0.19041.4291',
    collectedAt: '2026-11-24T09:29:41Z',
    agentVersion: '1.0.0',
    agentMode: 'scheduled-task',
    systemDsregcmd: rawFixtureText(join(dsregcmdDir, 'entra-joined-win10-roadtoken-blog.txt')),
    users: [
      {
        upn: 'ada@contoso.com',
        sid: 'S-1-12-1-1822343962-1277470036-2437364914-3128165475',
        dsregcmd: rawFixtureText(join(dsregcmdDir, 'msdocs-user-state-destructive-and-nondestructive.txt')),
      },
    ],
  });
  // Pretty-printed so a human can read it; the hash is over these exact bytes (no final newline).
  return JSON.stringify(body, null, 2);
}

export async function generateVectors(
  outDir: string,
  dsregcmdDir: string,
  newIdentity = false,
): Promise<void> {
  mkdirSync(outDir, { recursive: true });
  const keyFile = join(outDir, VECTOR_FILES.privateKey);
  const certFile = join(outDir, VECTOR_FILES.certificate);
  let keyPem: string;
  let certPem: string;
  if (!newIdentity && existsSync(keyFile) && existsSync(certFile)) {
    keyPem = readFileSync(keyFile, 'utf8');
    certPem = readFileSync(certFile, 'utf8');
  } else {
    const key = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    const identity = await createDeviceIdentity({
      deviceId: VECTOR_INPUT.deviceId,
      privateKey: key,
      notBefore: VECTOR_INPUT.notBefore,
      notAfter: VECTOR_INPUT.notAfter,
    });
    keyPem = KEY_BANNER + identity.privateKeyPem;
    certPem = identity.certPem;
    writeFileSync(keyFile, keyPem);
    writeFileSync(certFile, certPem);
  }
  const certDer = Buffer.from(certPem.replace(/-----[^-]+-----|\s/g, ''), 'base64');
  const body = sampleBodyText(dsregcmdDir);
  const upload = buildSignedUpload({
    path: REPORTS_PATH,
    deviceId: VECTOR_INPUT.deviceId,
    certDer,
    privateKey: createPrivateKey(keyPem),
    body,
    timestamp: VECTOR_INPUT.timestamp,
    nonce: VECTOR_INPUT.nonce,
  });
  const binding = certificateBinding(certDer);
  const signature = upload.headers['x-resetready-signature']!;
  const json = (v: unknown) => `${JSON.stringify(v, null, 2)}\n`;

  writeFileSync(join(outDir, VECTOR_FILES.body), upload.body);
  writeFileSync(join(outDir, VECTOR_FILES.canonical), upload.canonical);
  writeFileSync(join(outDir, VECTOR_FILES.headers), json(upload.headers));
  writeFileSync(join(outDir, VECTOR_FILES.signature), signature);
  writeFileSync(
    join(outDir, VECTOR_FILES.alternativeSecurityId),
    json({ entry: encodeAlternativeSecurityId(binding), decoded: binding }),
  );
  writeFileSync(
    join(outDir, VECTOR_FILES.manifest),
    json({
      protocol: 'RESETREADY-V1',
      canonicalLines: CANONICAL_LINES,
      method: 'POST',
      path: REPORTS_PATH,
      deviceId: VECTOR_INPUT.deviceId,
      timestamp: VECTOR_INPUT.timestamp,
      nonce: VECTOR_INPUT.nonce,
      bodySha256Hex: sha256Hex(upload.body),
      bodyBytes: upload.body.length,
      certificate: {
        notBefore: VECTOR_INPUT.notBefore.toISOString(),
        notAfter: VECTOR_INPUT.notAfter.toISOString(),
        ...binding,
      },
      signature,
      files: VECTOR_FILES,
    }),
  );
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  // dist/agent/reference/ or agent/reference/ → repository root
  const here = dirname(fileURLToPath(import.meta.url));
  const root = here.includes(`${join('dist', 'agent')}`) ? resolve(here, '../../..') : resolve(here, '../..');
  await generateVectors(
    join(root, 'test/fixtures/agent-protocol'),
    join(root, 'test/fixtures/dsregcmd'),
    process.argv.includes('--new-identity'),
  );
  process.stdout.write(`test vectors written to ${join(root, 'test/fixtures/agent-protocol')}\n`);
}
