/**
 * The parser runs on whatever an agent or an admin sends. Whatever the input, it must return a
 * well-formed record (never throw) whose canonical fields follow the documented rule.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isDuplicateSection, parseDsregcmd } from '../../shared/dsregcmd/parse.js';
import type { DsregcmdStatus } from '../../shared/dsregcmd/types.js';

const FIXTURE_DIR = join(import.meta.dirname, '../fixtures/dsregcmd');
const FIXTURES = readdirSync(FIXTURE_DIR)
  .filter((f) => f.endsWith('.txt'))
  .map((f) => {
    const text = readFileSync(join(FIXTURE_DIR, f), 'utf8');
    return text.startsWith('# source:') ? text.slice(text.indexOf('\n') + 1) : text;
  });

const JOIN_TYPES = ['entraJoined', 'hybridJoined', 'entraRegistered', 'domainJoined', 'notJoined'];
const CAN_RESET = ['DestructiveOnly', 'NonDestructiveOnly', 'DestructiveAndNonDestructive', 'Unknown', 'NO'];
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
// Bounded: stop early rather than let a slow machine hit the test timeout.
const RUN = { numRuns: 2000, interruptAfterTimeLimit: 15_000 };

function assertWellFormed(s: DsregcmdStatus): void {
  expect(JOIN_TYPES).toContain(s.joinType);
  for (const id of [s.deviceId, s.tenantId, s.ngcKeyId]) if (id !== null) expect(id).toMatch(GUID);
  for (const v of [s.tenantName, s.deviceName, s.canResetRaw])
    expect(v === null || typeof v === 'string').toBe(true);
  expect(s.ngcSet === null || typeof s.ngcSet === 'boolean').toBe(true);
  if (s.canReset !== null) {
    expect(CAN_RESET).toContain(s.canReset);
    expect(s.canResetRaw).toBe(s.canReset);
  }
  expect([null, 'user', 'system', 'elevated']).toContain(s.userContext);
  expect(Object.getPrototypeOf(s.fields)).toBe(Object.prototype);
  for (const f of s.rawFields) {
    expect([typeof f.key, typeof f.value, typeof f.section]).toEqual(['string', 'string', 'string']);
  }
  for (const w of [...s.sections, ...s.warnings]) expect(typeof w).toBe('string');
  // Canonical rule: each key's value is its first occurrence outside Work Account / proxy sections.
  const expected: Record<string, string> = {};
  for (const f of s.rawFields) {
    if (!isDuplicateSection(f.section) && !Object.hasOwn(expected, f.key)) expected[f.key] = f.value;
  }
  expect(s.fields).toEqual(expected);
  expect(() => JSON.stringify(s)).not.toThrow();
}

type Mutation =
  | { kind: 'delete'; at: number }
  | { kind: 'insert'; at: number; line: string }
  | { kind: 'duplicate'; at: number };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat() }),
  fc.record({
    kind: fc.constant('insert' as const),
    at: fc.nat(),
    line: fc.oneof(
      fc.string({ maxLength: 120 }),
      fc.constantFrom(
        'CanReset : NO',
        '+----------+',
        '| Work Account 1 |',
        'NgcSet:YES',
        ' : ',
        '|',
        'PS C:\\>',
      ),
    ),
  }),
  fc.record({ kind: fc.constant('duplicate' as const), at: fc.nat() }),
);

function mutate(text: string, mutations: Mutation[]): string {
  const lines = text.split('\n');
  for (const m of mutations) {
    const at = lines.length === 0 ? 0 : m.at % lines.length;
    if (m.kind === 'delete') lines.splice(at, 1);
    else if (m.kind === 'insert') lines.splice(at, 0, m.line);
    else if (lines[at] !== undefined) lines.splice(at, 0, lines[at]!);
  }
  return lines.join('\n');
}

const encodings = ['utf8', 'utf16le', 'latin1'] as const;

describe('parseDsregcmd never throws and always returns a well-formed record', () => {
  it('for arbitrary strings', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 2000 }), (s) => assertWellFormed(parseDsregcmd(s))),
      RUN,
    );
  });

  it('for arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 4000 }), (b) => assertWellFormed(parseDsregcmd(b))),
      RUN,
    );
  });

  it('for lines built from dsregcmd-like pieces', () => {
    const piece = fc.constantFrom(
      ' : ',
      ':',
      '|',
      '+',
      '-'.repeat(12),
      ' ',
      '\n',
      '\r\n',
      '{',
      '}',
      'CanReset',
      'NgcSet',
      'DeviceId',
      'AzureAdJoined',
      'Work Account 2',
      'Proxy',
      'YES',
      'NO',
      '6E4CBE68-588B-499C-8C04-DCFFF140A1CA',
      '__proto__',
      'constructor',
      'x'.repeat(60),
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 200 }), (parts) =>
        assertWellFormed(parseDsregcmd(parts.join(''))),
      ),
      RUN,
    );
  });

  it('for fixtures with lines deleted, inserted and duplicated, then random bytes overwritten', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...FIXTURES),
        fc.array(mutation, { maxLength: 12 }),
        fc.constantFrom(...encodings),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 8 }),
        (text, mutations, encoding, overwrites) => {
          const bytes = Buffer.from(mutate(text, mutations), encoding);
          for (const [at, byte] of overwrites) if (bytes.length > 0) bytes[at % bytes.length] = byte;
          assertWellFormed(parseDsregcmd(bytes));
        },
      ),
      RUN,
    );
  });

  it('a fixture that only lost lines other than the posture keys keeps its posture facts', () => {
    const keep =
      /^\s*(AzureAdJoined|EnterpriseJoined|DomainJoined|WorkplaceJoined|DeviceId|NgcSet|CanReset)\s*:/;
    fc.assert(
      fc.property(fc.constantFrom(...FIXTURES), fc.array(fc.nat(), { maxLength: 30 }), (text, deletions) => {
        const lines = text.split('\n');
        for (const d of deletions) {
          const at = d % lines.length;
          if (!keep.test(lines[at]!)) lines.splice(at, 1);
        }
        const whole = parseDsregcmd(text);
        const cut = parseDsregcmd(lines.join('\n'));
        expect([cut.joinType, cut.canReset, cut.ngcSet, cut.deviceId]).toEqual([
          whole.joinType,
          whole.canReset,
          whole.ngcSet,
          whole.deviceId,
        ]);
      }),
      RUN,
    );
  });
});
