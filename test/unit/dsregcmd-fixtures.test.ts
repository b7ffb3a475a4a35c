/**
 * Every real fixture, and the ways a real capture reaches us altered (encodings, web-copy whitespace,
 * console wrapping, old layout), must give the same posture facts: join type, CanReset, NgcSet, ids.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseDsregcmd } from '../../shared/dsregcmd/parse.js';
import type { DsregcmdStatus } from '../../shared/dsregcmd/types.js';

const FIXTURE_DIR = join(import.meta.dirname, '../fixtures/dsregcmd');

/** Fixture text without its `# source:` provenance line. */
function fixture(name: string): string {
  const text = readFileSync(join(FIXTURE_DIR, name), 'utf8');
  return text.startsWith('# source:') ? text.slice(text.indexOf('\n') + 1) : text;
}

type KeyFacts = Pick<
  DsregcmdStatus,
  'joinType' | 'canReset' | 'ngcSet' | 'deviceId' | 'tenantId' | 'ngcKeyId'
>;

// What each fixture says, read by hand from the files.
const EXPECTED: Record<string, KeyFacts & { tenantName: string | null; sections: string[] }> = {
  'entra-joined-win10-roadtoken-blog.txt': {
    joinType: 'entraJoined',
    canReset: null,
    ngcSet: false,
    deviceId: '6e4cbe68-588b-499c-8c04-dcfff140a1ca',
    tenantId: 'd10f84e2-ba05-45c0-90b7-994f1fafa537',
    ngcKeyId: null,
    tenantName: 'INE Security Labs',
    sections: [
      'Device State',
      'Device Details',
      'Tenant Details',
      'User State',
      'SSO State',
      'Diagnostic Data',
      'IE Proxy Config for Current User',
      'WinHttp Default Proxy Config',
      'Ngc Prerequisite Check',
    ],
  },
  'msdocs-entra-section-samples-composite.txt': {
    joinType: 'hybridJoined',
    canReset: 'DestructiveAndNonDestructive',
    ngcSet: true,
    deviceId: '00aa00aa-bb11-cc22-dd33-44ee44ee44ee',
    tenantId: 'aaaabbbb-0000-cccc-1111-dddd2222eeee',
    ngcKeyId: 'aaaaaaaa-0b0b-1c1c-2d2d-333333333333',
    tenantName: 'HybridADFS',
    sections: [
      'Device State',
      'Device Details',
      'Tenant Details',
      'User State',
      'SSO State',
      'Diagnostic Data',
      'Ngc Prerequisite Check',
    ],
  },
  'msdocs-user-state-destructive-and-nondestructive.txt': {
    joinType: 'notJoined',
    canReset: 'DestructiveAndNonDestructive',
    ngcSet: true,
    deviceId: null,
    tenantId: null,
    ngcKeyId: 'fa0db076-a5d7-4844-82d8-50a2fb42ec7b',
    tenantName: null,
    sections: ['User State'],
  },
  'msdocs-user-state-destructive-only.txt': {
    joinType: 'notJoined',
    canReset: 'DestructiveOnly',
    ngcSet: true,
    deviceId: null,
    tenantId: null,
    ngcKeyId: 'fa0db076-a5d7-4844-82d8-50a2fb42ec7b',
    tenantName: null,
    sections: ['User State'],
  },
};

const FIXTURES = Object.keys(EXPECTED);

function keyFacts(s: DsregcmdStatus): KeyFacts {
  const { joinType, canReset, ngcSet, deviceId, tenantId, ngcKeyId } = s;
  return { joinType, canReset, ngcSet, deviceId, tenantId, ngcKeyId };
}

function expectedFacts(name: string): KeyFacts {
  const { tenantName: _t, sections: _s, ...facts } = EXPECTED[name]!;
  return facts;
}

const lines = (text: string) => text.split(/\r\n|\n/);

// ---- variant generators: each mimics one way a capture is altered on its way to us ----

const utf16le = (text: string) => Buffer.from(text, 'utf16le');
const withBom = (bom: number[], body: Uint8Array) => Buffer.concat([Buffer.from(bom), body]);
const utf16be = (text: string) => {
  const le = utf16le(text);
  for (let i = 0; i < le.length; i += 2) [le[i], le[i + 1]] = [le[i + 1]!, le[i]!];
  return le;
};

/** Web copy: alignment padding gone, keys at column 0, one space each side of the colon. */
function collapse(text: string): string {
  return lines(text)
    .map((l) => {
      const m = /^ +([A-Za-z][^:]*?) ?:(.*)$/.exec(l);
      return m ? `${m[1]} : ${m[2]!.trim()}` : l;
    })
    .join('\n');
}

/** Console hard-wrap: every line cut at `width`, the rest continuing at column 0. */
function hardWrap(text: string, width = 80): string {
  return lines(text)
    .flatMap((l) => {
      const out: string[] = [];
      let rest = l;
      while (rest.length > width) {
        out.push(rest.slice(0, width));
        rest = rest.slice(width);
      }
      out.push(rest);
      return out;
    })
    .join('\n');
}

/** Sets CanReset to `value`, inserting the line after NgcSet when the capture has none. */
function withCanReset(text: string, value: string): string {
  if (/^ *CanReset :/m.test(text)) return text.replace(/^( *CanReset :).*$/m, `$1 ${value}`);
  return text.replace(/^( *)NgcSet : (.*)$/m, `$1NgcSet : $2\n$1CanReset : ${value}`);
}

interface Block {
  title: string;
  fields: string[];
}

function blocks(text: string): Block[] {
  const out: Block[] = [];
  for (const l of lines(text)) {
    const title = /^\| (.*?) *\|$/.exec(l);
    if (title) out.push({ title: title[1]!, fields: [] });
    else if (/^ *[A-Za-z][^:]*:/.test(l) && out.length > 0 && !l.startsWith('For more'))
      out.at(-1)!.fields.push(l.trim());
  }
  return out;
}

/**
 * Windows 10 1709–1903 layout (domain.md §2.13.1): device, tenant and join fields all under Device State
 * with DomainJoined after the tenant URLs, PRT fields under User State, narrower key column.
 */
function oldWindows10Layout(text: string): string {
  const bs = blocks(text);
  const take = (t: string) => bs.find((b) => b.title === t)?.fields ?? [];
  const isJoinTail = (f: string) => /^(DomainJoined|DomainName) ?:/.test(f);
  const deviceState = [
    ...take('Device State').filter((f) => !isJoinTail(f)),
    ...take('Device Details'),
    ...take('Tenant Details'),
    ...take('Device State').filter(isJoinTail),
  ];
  const rebuilt: Block[] = [];
  if (deviceState.length > 0) rebuilt.push({ title: 'Device State', fields: deviceState });
  const userState = [...take('User State'), ...take('SSO State')];
  if (userState.length > 0) rebuilt.push({ title: 'User State', fields: userState });
  const moved = new Set(['Device State', 'Device Details', 'Tenant Details', 'User State', 'SSO State']);
  rebuilt.push(...bs.filter((b) => !moved.has(b.title)));
  const bar = `+${'-'.repeat(70)}+`;
  return rebuilt
    .map((b) => {
      const body = b.fields.map((f) => {
        const colon = f.indexOf(':');
        return `${f.slice(0, colon).trim().padStart(20)} : ${f.slice(colon + 1).trim()}`;
      });
      return [bar, `| ${b.title.padEnd(69)}|`, bar, '', ...body, ''].join('\r\n');
    })
    .join('\r\n');
}

const TEXT_VARIANTS: Record<string, (t: string) => string> = {
  CRLF: (t) => t.replace(/\r?\n/g, '\r\n'),
  'CR only': (t) => t.replace(/\r?\n/g, '\r'),
  'collapsed spacing': collapse,
  'blank line after every line': (t) => lines(t).join('\n\n'),
  'trailing spaces': (t) =>
    lines(t)
      .map((l) => `${l}   `)
      .join('\n'),
};

const BYTE_VARIANTS: Record<string, (t: string) => Uint8Array> = {
  'UTF-16LE with BOM': (t) => withBom([0xff, 0xfe], utf16le(t)),
  'UTF-16LE without BOM': utf16le,
  'UTF-16BE with BOM': (t) => withBom([0xfe, 0xff], utf16be(t)),
  'UTF-8 with BOM': (t) => withBom([0xef, 0xbb, 0xbf], Buffer.from(t, 'utf8')),
  'UTF-8 without BOM': (t) => Buffer.from(t, 'utf8'),
};

it('has an expectation for every dsregcmd fixture on disk', () => {
  const onDisk = readdirSync(FIXTURE_DIR).filter((f) => f.endsWith('.txt'));
  expect(onDisk.sort()).toEqual([...FIXTURES].sort());
});

describe.each(FIXTURES)('%s', (name) => {
  const text = fixture(name);
  const pristine = parseDsregcmd(text);

  it('gives the facts the fixture states, with no warnings', () => {
    const { tenantName, sections } = EXPECTED[name]!;
    expect(keyFacts(pristine)).toEqual(expectedFacts(name));
    expect(pristine.tenantName).toBe(tenantName);
    expect(pristine.sections).toEqual(sections);
    expect(pristine.warnings).toEqual([]);
  });

  it.each(Object.keys(TEXT_VARIANTS))('%s: same facts and fields', (variant) => {
    const parsed = parseDsregcmd(TEXT_VARIANTS[variant]!(text));
    expect(keyFacts(parsed)).toEqual(expectedFacts(name));
    expect(parsed.fields).toEqual(pristine.fields);
    expect(parsed.warnings).toEqual([]);
  });

  it.each(Object.keys(BYTE_VARIANTS))('%s bytes: same facts and fields', (variant) => {
    const parsed = parseDsregcmd(BYTE_VARIANTS[variant]!(text));
    expect(keyFacts(parsed)).toEqual(expectedFacts(name));
    expect(parsed.fields).toEqual(pristine.fields);
    expect(parsed.warnings).toEqual([]);
  });

  it('a full web copy (collapsed, trailing spaces, blank lines, CRLF) of a UTF-16LE capture', () => {
    const web = lines(collapse(text))
      .map((l) => `${l}  `)
      .join('\r\n\r\n');
    const parsed = parseDsregcmd(withBom([0xff, 0xfe], utf16le(web)));
    expect(keyFacts(parsed)).toEqual(expectedFacts(name));
    expect(parsed.fields).toEqual(pristine.fields);
  });

  it.each([
    ['as printed', (t: string) => t],
    ['collapsed', collapse],
    ['with a blank line after every line', (t: string) => lines(t).join('\n\n')],
  ])('hard-wrapped at 80 columns, %s: long values are rejoined', (_label, pre) => {
    const wrapped = hardWrap(pre(text), 80);
    // Only the two complete captures have lines long enough to wrap; the User State samples do not.
    const longest = Math.max(...lines(pre(text)).map((l) => l.length));
    expect(lines(wrapped).length > lines(pre(text)).length).toBe(longest > 80);
    const parsed = parseDsregcmd(wrapped);
    expect(keyFacts(parsed)).toEqual(expectedFacts(name));
    expect(parsed.warnings).toEqual([]);
    // A wrap can fall on a space that right-trimming removes; everything else must come back whole.
    const squash = (r: Record<string, string>) =>
      Object.fromEntries(Object.entries(r).map(([k, v]) => [k, v.replace(/\s+/g, '')]));
    expect(squash(parsed.fields)).toEqual(squash(pristine.fields));
  });

  it('CanReset : NO is the legacy state, not DestructiveOnly', () => {
    const parsed = parseDsregcmd(withCanReset(text, 'NO'));
    expect(parsed.canReset).toBe('NO');
    expect(parsed.canResetRaw).toBe('NO');
    expect({ ...keyFacts(parsed), canReset: pristine.canReset }).toEqual(expectedFacts(name));
  });

  it('old Windows 10 layout (everything under Device State, PRT in User State)', () => {
    const old = oldWindows10Layout(text);
    const parsed = parseDsregcmd(old);
    expect(keyFacts(parsed)).toEqual(expectedFacts(name));
    expect(parsed.fields).toEqual(pristine.fields);
    expect(parsed.sections).not.toContain('Device Details');
    expect(parsed.sections).not.toContain('SSO State');
  });

  it('pasted with a PowerShell banner, prompts and a human comment: noise ignored with a warning', () => {
    const pasted = [
      'Windows PowerShell',
      'Copyright (C) Microsoft Corporation. Alle Rechte vorbehalten.',
      '',
      'Lernen Sie das neue plattformübergreifende PowerShell kennen – https://aka.ms/pscore6',
      '',
      'PS C:\\Users\\jdoe> dsregcmd /status',
      '',
      text.replace(/^( *NgcSet : .*)$/m, '$1\nhere is the part that matters to us'),
      'PS C:\\Users\\jdoe>',
    ].join('\r\n');
    const parsed = parseDsregcmd(pasted);
    expect(keyFacts(parsed)).toEqual(expectedFacts(name));
    expect(parsed.fields).toEqual(pristine.fields);
    expect(parsed.warnings).toHaveLength(1);
    expect(parsed.warnings[0]).toMatch(/ignored 6 line\(s\) that are not dsregcmd output/);
  });
});

describe.each(FIXTURES.filter((n) => EXPECTED[n]!.tenantName !== null))(
  '%s with an accented tenant',
  (name) => {
    // ü (0xFC) printed through OEM 850 shows as ³ (domain.md §2.13.4); the raw string must survive.
    const garbled = fixture(name).replace(/^( *TenantName :).*$/m, '$1 M³ller Þlectronics GmbH');

    it('keeps the mis-decoded name verbatim from UTF-8 and UTF-16LE', () => {
      for (const input of [garbled, Buffer.from(garbled, 'utf8'), withBom([0xff, 0xfe], utf16le(garbled))]) {
        const parsed = parseDsregcmd(input);
        expect(parsed.tenantName).toBe('M³ller Þlectronics GmbH');
        expect(keyFacts(parsed)).toEqual(expectedFacts(name));
      }
    });

    it('reads windows-1252 bytes (not valid UTF-8) with one warning and the same facts', () => {
      const parsed = parseDsregcmd(Buffer.from(garbled, 'latin1'));
      expect(parsed.tenantName).toBe('M³ller Þlectronics GmbH');
      expect(keyFacts(parsed)).toEqual(expectedFacts(name));
      expect(parsed.warnings).toEqual(['input is not valid UTF-8; decoded as windows-1252']);
    });
  },
);
