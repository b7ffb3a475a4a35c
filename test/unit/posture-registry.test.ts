/**
 * The reason registry is the one place a code is defined: every code has its deciding function
 * (exported where the registry says), its inputs, guidance and Microsoft sources; the docs list
 * exactly its codes; and no guidance, nor any message a rule writes, suggests a destructive step
 * first (a destructive reset or key re-provisioning deletes the very keys we protect).
 */

import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DEV_HOST_SETTINGS } from '../../dev/easy-auth.js';
import { ALERT_TYPES } from '../../shared/alerts/types.js';
import { SETTING_NAMES } from '../../shared/config.js';
import {
  REASON_CODES,
  type ReasonCode,
  reasonDefinition,
  reasonDefinitions,
  reasonGuidance,
} from '../../shared/posture/index.js';
import { guidanceProblems } from '../support/guidance-safety.js';

const root = new URL('../../', import.meta.url);
const read = (path: string) => readFileSync(new URL(path, root), 'utf8');

describe('the registry', () => {
  it('defines every code once, in priority order 1..n', () => {
    const defs = reasonDefinitions();
    expect(defs.map((d) => d.code)).toEqual([...REASON_CODES]);
    expect(defs.map((d) => d.priority)).toEqual(REASON_CODES.map((_, i) => i + 1));
  });

  it.each([...REASON_CODES])(
    '%s: its deciding function is exported from the file the registry names',
    async (code) => {
      const d = reasonDefinition(code);
      const m = /^shared\/posture\/(rules\/[a-z-]+\.ts)#([A-Za-z]+)$/.exec(d.decidedBy);
      expect(m, d.decidedBy).not.toBeNull();
      const mod = (await import(`../../shared/posture/${m![1]!.replace(/\.ts$/, '.js')}`)) as Record<
        string,
        unknown
      >;
      expect(mod[m![2]!], d.decidedBy).toBe(d.decide);
      expect(d.inputs.length, code).toBeGreaterThan(0);
    },
  );

  it.each([...REASON_CODES])('%s: guidance and sources are Microsoft Learn pages', (code) => {
    const d = reasonDefinition(code);
    expect(d.title.length).toBeGreaterThan(5);
    expect(d.action.length).toBeGreaterThan(20);
    for (const url of [d.docsUrl, ...d.sources]) expect(url).toMatch(/^https:\/\/learn\.microsoft\.com\//);
    expect(d.sources.length).toBeGreaterThan(0);
    expect(reasonGuidance(code)).toEqual({ title: d.title, action: d.action, docsUrl: d.docsUrl });
  });

  it('a cause explains some posture; warnings and fleet blockers explain none', () => {
    for (const d of reasonDefinitions()) {
      if (d.attach === 'cause') expect(d.explains.length, d.code).toBeGreaterThan(0);
      if (d.attach === 'fleet') expect(d.explains, d.code).toEqual([]);
    }
  });
});

// --- docs list exactly the registry's codes ------------------------------------------------------

/** UPPER_SNAKE names in docs that are not reason codes, and where each vocabulary comes from. */
const OTHER_NAMES = new Set<string>([
  ...SETTING_NAMES,
  // The local dev host's sign-in settings (docs/console.md).
  ...DEV_HOST_SETTINGS,
  // Fixed by the deployment or the platform (docs/deploy.md, README).
  'STORAGE_ACCOUNT_NAME',
  'APPLICATIONINSIGHTS_CONNECTION_STRING',
  'NODE_EXTRA_CA_CERTS',
  'CHROMIUM_PATH',
  'AZURE_ENV_NAME',
  // infra/scripts/grant-graph-permissions.sh's Graph origin override (docs/deploy.md).
  'GRAPH_URL',
  // The signed-upload canonical string (docs/agent-protocol.md).
  'CANONICAL_LINES',
  // Alert types (docs/power-bi.md, the Alerts entity set's Type column).
  ...ALERT_TYPES,
  // A registry value name the agent reports (docs/agent.md, shared/ingest/report-schema.json).
  'NOC_GLOBAL_SETTING_ALLOW_TOASTS_ABOVE_LOCK',
  // Weekly-report freshness warnings (shared/weekly-report/render/model.ts FreshnessCode).
  'NO_COLLECTION',
  'COLLECTION_STALE',
  'COLLECTION_FAILED',
  'AGENTS_SILENT',
]);

function docFiles(): string[] {
  return [
    'README.md',
    ...readdirSync(new URL('docs/', root))
      .filter((f) => f.endsWith('.md'))
      .map((f) => `docs/${f}`),
  ];
}

describe('docs list exactly the registry codes', () => {
  it("docs/deploy.md's troubleshooting table has one row per registry code, no more", () => {
    const doc = read('docs/deploy.md');
    const section = doc.slice(doc.indexOf('## 7. Troubleshooting by reason code'));
    expect(section.length).toBeGreaterThan(100);
    const rows = [...section.matchAll(/^\| `([A-Z][A-Z0-9_]+)` \|/gm)].map((m) => m[1]);
    expect([...rows].sort()).toEqual([...REASON_CODES].sort());
    expect(new Set(rows).size).toBe(rows.length);
  });

  it('no doc names a reason code the registry does not have', () => {
    const unknown: string[] = [];
    for (const file of docFiles()) {
      for (const m of read(file).matchAll(/`([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+)`/g)) {
        const name = m[1]!;
        if (OTHER_NAMES.has(name) || /^(RESETREADY|AZURE)_/.test(name)) continue;
        if (!(REASON_CODES as readonly string[]).includes(name)) unknown.push(`${file}: ${name}`);
      }
    }
    expect(unknown).toEqual([]);
  });
});

// --- guidance safety ------------------------------------------------------------------------------

describe('guidance never suggests a destructive step first', () => {
  it('the checker itself flags what it must', () => {
    expect(guidanceProblems('Re-provision the WHfB key on one test device.')).not.toEqual([]);
    expect(guidanceProblems('Sync the device. Then re-provision the key.')).not.toEqual([]);
    expect(guidanceProblems('Re-enroll it or retire it.')).not.toEqual([]);
    expect(guidanceProblems('Re-enable the device, or re-register the device.')).not.toEqual([]);
    expect(
      guidanceProblems(
        'Have the user lock and unlock. As a last resort: re-provisioning Windows Hello deletes the container, with every key in it.',
      ),
    ).toEqual([]);
    expect(
      guidanceProblems('Do not re-join the device: re-joining deletes every Windows Hello container.'),
    ).toEqual([]);
  });

  it.each([...REASON_CODES])('%s: title and action', (code: ReasonCode) => {
    const g = reasonGuidance(code);
    expect(guidanceProblems(g.title)).toEqual([]);
    expect(guidanceProblems(g.action)).toEqual([]);
  });
});
