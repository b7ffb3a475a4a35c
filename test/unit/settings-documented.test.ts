/**
 * Every setting shared/config.ts reads is documented where an admin looks for it: the README's
 * configuration table and local.settings.example.json (infra/ is checked by infra-consistency).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SETTING_NAMES } from '../../shared/config.js';

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
});
