/**
 * Every setting shared/config.ts reads is documented where an admin looks for it: the README's
 * configuration table and local.settings.example.json (infra/ is checked by infra-consistency),
 * and every default the README states is the one the code applies: setting the documented
 * default explicitly must give exactly the configuration that leaving it unset gives.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadConfig, SETTING_NAMES } from '../../shared/config.js';

const root = new URL('../../', import.meta.url);
const readme = readFileSync(new URL('README.md', root), 'utf8');
const example = JSON.parse(readFileSync(new URL('local.settings.example.json', root), 'utf8')) as {
  Values: Record<string, string>;
};

describe('settings documentation', () => {
  it.each(SETTING_NAMES)('%s has a row in the README configuration table', (name) => {
    expect(readme).toMatch(new RegExp(`^\\| \`${name}\` \\|`, 'm'));
  });

  it.each(SETTING_NAMES)('%s is listed in local.settings.example.json', (name) => {
    expect(Object.keys(example.Values)).toContain(name);
  });

  it('the README documents no setting the code does not read', () => {
    const rows = [...readme.matchAll(/^\| `([A-Z][A-Z0-9_]+)` \|/gm)].map((m) => m[1]);
    expect(rows.filter((r) => !(SETTING_NAMES as readonly string[]).includes(r!))).toEqual([]);
  });

  const rows = [...readme.matchAll(/^\| `([A-Z][A-Z0-9_]+)` \| ([^|]+) \|/gm)].map((m) => ({
    name: m[1]!,
    cell: m[2]!.trim(),
  }));
  /** A literal default: one backticked value without placeholders (`<account>` is a description). */
  const literal = (cell: string) => /^`([^`<>]+)`$/.exec(cell)?.[1];
  const base = { STORAGE_CONNECTION_STRING: 'UseDevelopmentStorage=true' };

  it('states a default (or – or what decides it) for every setting', () => {
    expect(rows.map((r) => r.name).sort()).toEqual([...SETTING_NAMES].sort());
    for (const r of rows) {
      expect(
        literal(r.cell) !== undefined || /^(–|discovered|set by the host|`[^`]*<\w+>[^`]*`)$/.test(r.cell),
        `${r.name}: default cell "${r.cell}"`,
      ).toBe(true);
    }
  });

  it.each(rows.filter((r) => literal(r.cell) !== undefined).map((r) => [r.name, literal(r.cell)!]))(
    '%s defaults to %s as the README says',
    (name, value) => {
      expect(loadConfig({ ...base, [name]: value })).toEqual(loadConfig(base));
    },
  );

  it('would notice a wrong default', () => {
    expect(loadConfig({ ...base, STALE_DAYS: '8' })).not.toEqual(loadConfig(base));
  });
});
