/**
 * docs/agent.md is what an admin configures the agent from and what an integrator reads the
 * Remediation line by: its tables name exactly the script's settings and the parser's fields,
 * and its example line parses.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  parseRemediationOutput,
  REMEDIATION_EVIDENCE_FIELDS,
  REMEDIATION_OUTPUT_FIELDS,
} from '../../shared/remediation/output.js';

const doc = readFileSync(new URL('../../docs/agent.md', import.meta.url), 'utf8');
const agent = readFileSync(new URL('../../agent/windows/ResetReady-Agent.ps1', import.meta.url), 'utf8');

function firstColumn(markdown: string): string[] {
  return markdown
    .split('\n')
    .filter((l) => l.startsWith('|') && !/^\|\s*-/.test(l))
    .slice(1)
    .map((l) => (l.split('|')[1] ?? '').trim());
}

function block(name: string): string {
  const m = new RegExp(`<!-- ${name}:begin -->\\n([\\s\\S]*?)<!-- ${name}:end -->`).exec(doc);
  if (!m?.[1]) throw new Error(`docs/agent.md has no ${name} block`);
  return m[1];
}

describe('docs/agent.md', () => {
  it('documents every $Config key of the agent, and only those', () => {
    const config = /\$Config = @\{\r?\n([\s\S]*?)\r?\n\}/.exec(agent)?.[1] ?? '';
    const keys = [...config.matchAll(/^\s*(\w+)\s*=/gm)].map((m) => m[1] as string);
    expect(keys.length).toBeGreaterThan(10);
    const section = doc.slice(doc.indexOf('## Configuration'), doc.indexOf('## Deployment options'));
    const documented = firstColumn(section).flatMap((c) =>
      [...c.matchAll(/`(\w+)`/g)].map((m) => m[1] as string),
    );
    expect([...documented].sort()).toEqual([...keys].sort());
  });

  it('lists exactly the fields of the Remediation line the parser reads', () => {
    const fields = firstColumn(block('remediation-fields')).map((c) => c.replace(/`/g, ''));
    expect(fields).toEqual([...REMEDIATION_OUTPUT_FIELDS]);
    const evidence = firstColumn(block('remediation-evidence')).map((c) => c.replace(/`/g, ''));
    expect(evidence).toEqual([...REMEDIATION_EVIDENCE_FIELDS]);
  });

  it('shows a version 2 line the parser reads, evidence included', () => {
    const section = doc.slice(doc.indexOf('## Detect-CanReset.ps1 output'));
    const line = /```json\n(.*)\n```/.exec(section)?.[1] ?? '';
    const r = parseRemediationOutput(line);
    if (!r.ok) throw new Error(r.message);
    expect(r.value.v).toBe(2);
    expect(r.value.deviceEvidence?.passportForWork?.mdm).toHaveProperty([
      '3c5f1f0e-2b7a-4c1d-9e8f-0a1b2c3d4e5f',
    ]);
    expect(r.value.userEvidence?.lockScreen).toBeDefined();
  });
});
