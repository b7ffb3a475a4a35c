/**
 * docs/agent-protocol.md documents the body an agent author builds: its evidence table names
 * exactly the schema file's fields with the registry location the schema gives, its limits are
 * the service's, and its examples validate.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { MAX_BODY_BYTES } from '../../shared/ingest/ingest-report.js';
import {
  MAX_RAW_TEXT_BYTES,
  MAX_USERS,
  parseReportBody,
  REPORT_SCHEMA,
} from '../../shared/ingest/report-schema.js';
import { evidenceLeafPaths, shapeAt } from '../support/report-schema-objects.js';

const doc = readFileSync(new URL('../../docs/agent-protocol.md', import.meta.url), 'utf8');

function block(name: string): string {
  const m = new RegExp(`<!-- ${name}:begin -->\\n([\\s\\S]*?)<!-- ${name}:end -->`).exec(doc);
  if (!m?.[1]) throw new Error(`docs/agent-protocol.md has no ${name} block`);
  return m[1];
}

function rows(name: string): string[][] {
  return block(name)
    .split('\n')
    .filter((l) => l.startsWith('|') && !/^\|\s*-/.test(l))
    .slice(1)
    .map((l) =>
      l
        .slice(1, -1)
        .split('|')
        .map((c) => c.trim().replace(/^`|`$/g, '')),
    );
}

/** Schema descriptions along a path (the field's own, then each enclosing group's), nearest first. */
function descriptionsAlong(path: string): string[] {
  const parts = path.split('.');
  const out: string[] = [];
  for (let i = parts.length; i > 0; i--) {
    const parent = shapeAt(2, parts.slice(0, i - 1).join('.'));
    const node = parent.child((parts[i - 1] as string).replace('[]', ''));
    if (node?.description) out.push(node.description);
  }
  return out;
}

describe('docs/agent-protocol.md, schemaVersion 2 evidence', () => {
  const table = rows('v2-evidence-fields');

  it('lists exactly the fields of the schema file, in its order', () => {
    expect(table.map((r) => r[0])).toEqual(evidenceLeafPaths());
  });

  it.each(table.map((r) => [r[0] as string, r[1] as string]))(
    '%s: the source %s is the one the schema names',
    (path, source) => {
      const texts = descriptionsAlong(path);
      expect(
        texts.some((t) => t.includes(source)),
        `schema descriptions along ${path}: ${texts.join(' / ')}`,
      ).toBe(true);
    },
  );
});

describe('docs/agent-protocol.md, limits and examples', () => {
  it('states the limits the service enforces', () => {
    const limits = Object.fromEntries(
      rows('body-limits').map((r) => [r[0], Number.parseInt(r[1] ?? '', 10)]),
    );
    const defs = REPORT_SCHEMA.$defs;
    expect(limits).toEqual({
      body: MAX_BODY_BYTES,
      users: MAX_USERS,
      'each raw text (`dsregcmd`, `passportKeys`), UTF-8': MAX_RAW_TEXT_BYTES,
      'values under one registry key': defs.policyKey.properties.values.maxProperties,
      'MDM PassportForWork keys (tenants) per scope': defs.passportForWork.properties.mdm.maxProperties,
      'a registry string, each string of a list': defs.registryString.maxLength,
      'third-party credential providers':
        defs.lockScreenDevice.properties.thirdPartyCredentialProviders.maxItems,
    });
  });

  /** The JSON example right after a heading, with its "..." placeholders dropped. */
  function example(heading: string): Record<string, unknown> {
    const at = doc.indexOf(heading);
    const m = /```json\n([\s\S]*?)```/.exec(doc.slice(at));
    const strip = (v: unknown): unknown => {
      if (Array.isArray(v)) return v.map(strip);
      if (v && typeof v === 'object')
        return Object.fromEntries(
          Object.entries(v)
            .filter(([k]) => k !== '...')
            .map(([k, x]) => [k, strip(x)]),
        );
      return v;
    };
    return strip(JSON.parse(m?.[1] ?? 'null')) as Record<string, unknown>;
  }

  it('the version 1 example validates', () => {
    const v1 = example('### schemaVersion 1');
    expect(parseReportBody(new TextEncoder().encode(JSON.stringify(v1)))).toMatchObject({ ok: true });
  });

  it('the version 2 example, completed with the version 1 properties it refers to, validates', () => {
    const v1 = example('### schemaVersion 1') as { users: Record<string, unknown>[] };
    const v2 = example('### schemaVersion 2') as { users: Record<string, unknown>[] };
    const body = { ...v1, ...v2, users: v2.users.map((u, i) => ({ ...v1.users[i], ...u })) };
    expect(parseReportBody(new TextEncoder().encode(JSON.stringify(body)))).toMatchObject({ ok: true });
  });
});
