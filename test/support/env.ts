/**
 * Test environment: the Azurite and dev CA started once by test/global-setup.ts, and a
 * unique table prefix per caller so test files never see each other's data.
 */
import { randomBytes } from 'node:crypto';
import { type Config, type Env, loadConfig } from '../../shared/config.js';

export function testStorageConnectionString(): string {
  const cs = process.env.RESETREADY_TEST_STORAGE;
  if (!cs)
    throw new Error(
      'RESETREADY_TEST_STORAGE is not set: run the tests through vitest (test/global-setup.ts)',
    );
  return cs;
}

export function testCaDir(): string {
  const dir = process.env.RESETREADY_TEST_CA_DIR;
  if (!dir)
    throw new Error('RESETREADY_TEST_CA_DIR is not set: run the tests through vitest (test/global-setup.ts)');
  return dir;
}

export function uniqueTablePrefix(label = 't'): string {
  return `${label.replace(/[^A-Za-z0-9]/g, '').slice(0, 10) || 't'}${randomBytes(5).toString('hex')}`;
}

/** A full configuration against the test Azurite; pass GRAPH_* settings for a simulator. */
export function testConfig(overrides: Env = {}): Config {
  return loadConfig({
    STORAGE_CONNECTION_STRING: testStorageConnectionString(),
    TABLE_PREFIX: uniqueTablePrefix(),
    ...overrides,
  });
}
