/**
 * One Azurite (in memory) and one dev CA for the whole run. Test files isolate their
 * data with a unique TABLE_PREFIX (see test/support/env.ts).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type RunningAzurite, startAzurite } from '../dev/azurite.js';
import { ensureDevCa } from '../dev/tls.js';

let azurite: RunningAzurite | undefined;
let caDir: string | undefined;

export async function setup(): Promise<void> {
  caDir = mkdtempSync(join(tmpdir(), 'resetready-ca-'));
  const ca = await ensureDevCa(caDir);
  process.env.NODE_EXTRA_CA_CERTS = ca.certFile;
  process.env.RESETREADY_TEST_CA_DIR = caDir;
  azurite = await startAzurite({ inMemory: true });
  process.env.RESETREADY_TEST_STORAGE = azurite.connectionString;
}

export async function teardown(): Promise<void> {
  await azurite?.stop();
  if (caDir) rmSync(caDir, { recursive: true, force: true });
}
