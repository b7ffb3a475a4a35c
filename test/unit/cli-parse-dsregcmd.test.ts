/**
 * `resetready parse-dsregcmd`: what an admin runs on a capture. The built bin is spawned (file and stdin,
 * as bytes), and run() is called in-process for the remaining exit-code and output rules.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../../cli/commands/parse-dsregcmd.js';

const ROOT = join(import.meta.dirname, '../..');
const FIXTURE_DIR = join(ROOT, 'test/fixtures/dsregcmd');

function fixture(name: string): string {
  const text = readFileSync(join(FIXTURE_DIR, name), 'utf8');
  return text.startsWith('# source:') ? text.slice(text.indexOf('\n') + 1) : text;
}

// dist/ is built once per test run by test/global-setup.ts, exactly as `npm run build` does.
const bin = join(ROOT, 'dist/cli/resetready.js');
const work = mkdtempSync(join(tmpdir(), 'parse-dsregcmd-'));

beforeAll(() => {
  expect(existsSync(bin)).toBe(true);
});

afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

function spawnCli(args: string[], input?: Uint8Array) {
  const r = spawnSync(process.execPath, [bin, 'parse-dsregcmd', ...args], { input, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('spawned bin', () => {
  it('parses a UTF-16LE (PowerShell 5.1 redirect) file', () => {
    const file = join(work, 'composite-utf16.txt');
    const text = fixture('msdocs-entra-section-samples-composite.txt').replace(/\n/g, '\r\n');
    writeFileSync(file, Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]));
    const r = spawnCli([file]);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({
      joinType: 'hybridJoined',
      deviceId: '00aa00aa-bb11-cc22-dd33-44ee44ee44ee',
      tenantId: 'aaaabbbb-0000-cccc-1111-dddd2222eeee',
      tenantName: 'HybridADFS',
      ngcSet: true,
      ngcKeyId: 'aaaaaaaa-0b0b-1c1c-2d2d-333333333333',
      canReset: 'DestructiveAndNonDestructive',
      warnings: [],
    });
    expect(out.fields.CanReset).toBe('DestructiveAndNonDestructive');
    expect(out.fields.NgcKeyId).toBe('{aaaaaaaa-0b0b-1c1c-2d2d-333333333333}');
  });

  it('reads standard input with -: an NgcSet NO capture has canReset null, not DestructiveOnly', () => {
    const r = spawnCli(['-'], Buffer.from(fixture('entra-joined-win10-roadtoken-blog.txt'), 'utf8'));
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({
      joinType: 'entraJoined',
      deviceId: '6e4cbe68-588b-499c-8c04-dcfff140a1ca',
      tenantName: 'INE Security Labs',
      ngcSet: false,
      ngcKeyId: null,
      canReset: null,
      canResetRaw: null,
    });
    expect(Object.keys(out)).toEqual(
      expect.arrayContaining([
        'joinType',
        'deviceId',
        'tenantId',
        'tenantName',
        'ngcSet',
        'ngcKeyId',
        'canReset',
      ]),
    );
  });

  it('a missing file exits 2 with a clear message and no JSON', () => {
    const r = spawnCli([join(work, 'nope.txt')]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/cannot read ".*nope\.txt": ENOENT/);
  });

  it('parses every real capture in the fixtures with exit 0', () => {
    for (const name of readdirSync(FIXTURE_DIR)) {
      const file = join(work, name);
      writeFileSync(file, fixture(name));
      const r = spawnCli([file]);
      expect(r.code, `${name}: ${r.stderr}`).toBe(0);
      expect(JSON.parse(r.stdout).warnings.join(' ')).not.toMatch(/no dsregcmd fields/);
    }
  });

  it.each([
    ['a PNG image', join(ROOT, 'docs/weekly-report.png')],
    ['package.json', join(ROOT, 'package.json')],
    ['the README', join(ROOT, 'README.md')],
  ])('refuses %s with exit 1, a clear message and no JSON', (_, file) => {
    const r = spawnCli([file]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/is not dsregcmd \/status output: none of its lines is a dsregcmd field/);
  });

  it('refuses an empty standard input the same way', () => {
    const r = spawnCli(['-'], Buffer.alloc(0));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^parse-dsregcmd: standard input is not dsregcmd \/status output/);
  });

  it('no argument exits 2 with usage', () => {
    const r = spawnCli([]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/usage: resetready parse-dsregcmd <file\|->/);
  });
});

describe('run() in-process', () => {
  function capture() {
    const out: string[] = [];
    const err: string[] = [];
    return {
      out,
      err,
      io: (stdin: Uint8Array[] = []) => ({
        stdin: (async function* () {
          yield* stdin;
        })(),
        stdout: { write: (s: string) => out.push(s) },
        stderr: { write: (s: string) => err.push(s) },
      }),
    };
  }

  it('prints canReset null and canResetRaw for an unrecognised value, still exit 0, with a warning', async () => {
    const c = capture();
    const text = fixture('msdocs-user-state-destructive-only.txt').replace(
      'DestructiveOnly',
      'PartiallyDestructive',
    );
    const code = await run(['-'], c.io([Buffer.from(text.slice(0, 100)), Buffer.from(text.slice(100))]));
    expect(code).toBe(0);
    const out = JSON.parse(c.out.join(''));
    expect(out.canReset).toBeNull();
    expect(out.canResetRaw).toBe('PartiallyDestructive');
    expect(out.warnings.join(' ')).toMatch(/CanReset value "PartiallyDestructive" is not recognised/);
  });

  it('a directory, or two arguments, exits 2', async () => {
    const dir = capture();
    expect(await run([work], dir.io())).toBe(2);
    expect(dir.err.join('')).toMatch(/cannot read .*EISDIR/);
    const two = capture();
    expect(await run(['a', 'b'], two.io())).toBe(2);
    expect(two.out).toEqual([]);
  });

  it('--help prints usage and exits 0', async () => {
    const c = capture();
    expect(await run(['--help'], c.io())).toBe(0);
    expect(c.out.join('')).toMatch(/usage:/);
  });
});
