/**
 * Every `resetready` command explains itself: `<command> --help` and `-h` print its usage and
 * exit 0 without reading settings or starting anything, `--version` prints the package version,
 * and the README's command table shows each command exactly as its usage line does.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { COMMANDS } from '../../cli/help.js';

const ROOT = join(import.meta.dirname, '../..');
// dist/ is built once per test run by test/global-setup.ts, exactly as `npm run build` does.
const bin = join(ROOT, 'dist/cli/resetready.js');

function cli(args: string[]) {
  // No settings at all: help must not need them (and must not fall back to local.settings.json).
  const env = { PATH: process.env.PATH ?? '' };
  const r = spawnSync(process.execPath, [bin, ...args], {
    encoding: 'utf8',
    env,
    cwd: ROOT,
    timeout: 15_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const names = Object.keys(COMMANDS);

describe('resetready <command> --help', () => {
  it('knows the five commands', () => {
    expect(existsSync(bin)).toBe(true);
    expect(names.sort()).toEqual(['collect', 'parse-dsregcmd', 'report', 'serve', 'sim']);
  });

  it.each(names.flatMap((n) => [[n, '--help'] as const, [n, '-h'] as const]))(
    '%s %s prints its usage and options and exits 0',
    (name, flag) => {
      const r = cli([name, flag]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toBe('');
      const c = COMMANDS[name]!;
      expect(r.stdout.startsWith(`usage: ${c.usage}\n`)).toBe(true);
      expect(r.stdout).toContain(c.summary);
      for (const d of c.details) expect(r.stdout).toContain(d);
    },
  );

  it('answers --help after other options too, without running the command', () => {
    const r = cli(['report', '--out', '/nonexistent/dir', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^usage: resetready report --out DIR/);
    expect(existsSync('/nonexistent/dir')).toBe(false);
  });

  it('lists every command on resetready --help, and asks for one without arguments', () => {
    for (const args of [['--help'], ['-h'], ['help']]) {
      const r = cli(args);
      expect(r.code).toBe(0);
      for (const n of names) {
        const line = r.stdout.split('\n').find((l) => l.startsWith(`  ${n} `));
        expect(line?.trimEnd().endsWith(COMMANDS[n]!.summary), n).toBe(true);
      }
    }
    expect(cli(['help', 'sim']).stdout).toMatch(/^usage: resetready sim /);
    const none = cli([]);
    expect(none.code).toBe(2);
    expect(none.stdout).toMatch(/^usage: resetready <command>/);
    const unknown = cli(['frobnicate']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown command "frobnicate"/);
  });

  it('prints the package version on --version', () => {
    const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    for (const flag of ['--version', '-V']) {
      const r = cli([flag]);
      expect(r.code).toBe(0);
      expect(r.stdout).toBe(`resetready ${version}\n`);
    }
  });

  it('the README command table shows each command as its usage line', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const rows = [...readme.matchAll(/^\| `npx (resetready [^`]+)` \|/gm)].map((m) =>
      m[1]!.replaceAll('\\|', '|'),
    );
    expect(rows.sort()).toEqual(names.map((n) => COMMANDS[n]!.usage).sort());
  });
});
