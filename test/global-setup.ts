/**
 * Once per test run, before any worker starts: build dist/ (the same tsc as `npm run build`,
 * so tests that spawn the CLI or load the Functions entry point run this tree's code), one
 * Azurite in memory, and one dev CA. Test files isolate their data with a unique TABLE_PREFIX
 * (test/support/env.ts).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type RunningAzurite, startAzurite } from '../dev/azurite.js';
import { ensureDevCa } from '../dev/tls.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

let azurite: RunningAzurite | undefined;
let caDir: string | undefined;

function build(): void {
  const tsc = spawnSync(
    process.execPath,
    [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'],
    {
      cwd: ROOT,
      encoding: 'utf8',
    },
  );
  // Type errors are the typecheck's verdict (npm run typecheck, in CI); tests need the emitted code.
  if (tsc.status !== 0)
    process.stderr.write(`tsc reported errors (tests run on what it emitted):\n${tsc.stdout}`);
}

export async function setup(): Promise<void> {
  if (process.env.RESETREADY_SKIP_BUILD !== '1') build();
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
