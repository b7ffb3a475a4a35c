/**
 * An agent author reads docs/agent-protocol.md, not our code: every error code the upload
 * endpoint can answer must be in its table, with the status the code answers.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { TRUST_REJECTION_STATUS } from '../../shared/trust/errors.js';

const root = new URL('../../', import.meta.url);
const doc = readFileSync(new URL('docs/agent-protocol.md', root), 'utf8');
const sources = [
  'shared/ingest/ingest-report.ts',
  'shared/ingest/report-schema.ts',
  'shared/ingest/assemble-report.ts',
];

/** Codes the ingest path answers itself, with their status, read from the source. */
function ingestCodes(): [string, number][] {
  const found: [string, number][] = [];
  for (const file of sources) {
    const text = readFileSync(new URL(file, root), 'utf8');
    for (const m of text.matchAll(/new HttpProblem\(\s*(\d{3}),\s*'([a-z_]+)'/g))
      found.push([m[2]!, Number(m[1])]);
  }
  // Codes the schema and assembly return, answered as 400 by the ingest path.
  for (const code of ['invalid_json', 'invalid_report', 'too_many_users', 'device_mismatch'])
    found.push([code, 400]);
  return found;
}

describe('docs/agent-protocol.md', () => {
  const all: [string, number][] = [...Object.entries(TRUST_REJECTION_STATUS), ...ingestCodes()];

  it('finds the codes it checks (the source scan still works)', () => {
    expect(ingestCodes().map(([c]) => c)).toEqual(expect.arrayContaining(['body_too_large', 'rate_limited']));
  });

  it.each(all)('documents %s with status %i', (code, status) => {
    const row = doc.split('\n').find((line) => line.startsWith('|') && line.includes(`\`${code}\``));
    expect(row, `no table row for ${code}`).toBeDefined();
    expect(row).toContain(`| ${status} `);
  });
});
