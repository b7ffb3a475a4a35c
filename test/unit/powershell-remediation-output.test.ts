/**
 * parseRemediationOutput: what the collector gets from Graph for Detect-CanReset.ps1.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  parseRemediationOutput,
  REMEDIATION_OUTPUT_FIELDS,
  REMEDIATION_OUTPUT_MAX_CHARS,
} from '../../shared/remediation/output.js';

const sample = {
  v: 1,
  canReset: 'DestructiveOnly',
  ngcSet: true,
  ngcKeyId: 'fa0db076-a5d7-4844-82d8-50a2fb42ec7b',
  aadJoined: true,
  domainJoined: false,
  deviceId: '6e4cbe68-588b-499c-8c04-dcfff140a1ca',
  tenantId: '72f988bf-86f1-41af-91ab-2d7cd011db47',
  upn: 'ada@contoso.com',
  os: '10.0.22631.4460',
  ts: '2026-11-24T09:29:41Z',
};

describe('parseRemediationOutput', () => {
  it('reads the one JSON line the script prints', () => {
    const result = parseRemediationOutput(JSON.stringify(sample));
    expect(result).toEqual({ ok: true, value: { ...sample, err: null } });
  });

  it('keeps an absent CanReset (NgcSet NO) as null, never a default', () => {
    const result = parseRemediationOutput(
      JSON.stringify({ ...sample, canReset: null, ngcSet: false, ngcKeyId: null }),
    );
    expect(result.ok && result.value.canReset).toBeNull();
    expect(result.ok && result.value.ngcSet).toBe(false);
  });

  it('keeps an undocumented CanReset value as printed', () => {
    const result = parseRemediationOutput(JSON.stringify({ ...sample, canReset: 'NO' }));
    expect(result.ok && result.value.canReset).toBe('NO');
  });

  it('lower-cases ids, so they join with Graph and uploaded reports', () => {
    const result = parseRemediationOutput(
      JSON.stringify({
        ...sample,
        deviceId: sample.deviceId.toUpperCase(),
        ngcKeyId: 'FA0DB076-A5D7-4844-82D8-50A2FB42EC7B',
      }),
    );
    expect(result.ok && result.value.deviceId).toBe(sample.deviceId);
    expect(result.ok && result.value.ngcKeyId).toBe('fa0db076-a5d7-4844-82d8-50a2fb42ec7b');
  });

  it('ignores fields a newer script adds', () => {
    const result = parseRemediationOutput(
      JSON.stringify({ ...sample, wamDefaultSet: true, extra: { a: 1 } }),
    );
    expect(result.ok).toBe(true);
    expect(result.ok && Object.keys(result.value)).not.toContain('extra');
  });

  it('takes the last non-empty line, as Intune keeps it', () => {
    const result = parseRemediationOutput(`WARNING: something\r\n${JSON.stringify(sample)}\r\n\r\n`);
    expect(result.ok).toBe(true);
  });

  it('reports empty output', () => {
    expect(parseRemediationOutput('')).toMatchObject({ ok: false, reason: 'empty' });
    expect(parseRemediationOutput(' \n \n')).toMatchObject({ ok: false, reason: 'empty' });
    expect(parseRemediationOutput(null)).toMatchObject({ ok: false, reason: 'empty' });
  });

  it('reports script error text as not JSON', () => {
    const error =
      "dsregcmd.exe : The term 'dsregcmd.exe' is not recognized as the name of a cmdlet, function, script file, or operable program.";
    expect(parseRemediationOutput(error)).toMatchObject({ ok: false, reason: 'not_json' });
  });

  it('reports output cut at 2048 characters as truncated', () => {
    const long = JSON.stringify({ ...sample, err: 'x'.repeat(3000) });
    const cut = long.slice(0, REMEDIATION_OUTPUT_MAX_CHARS);
    expect(cut).toHaveLength(2048);
    expect(parseRemediationOutput(cut)).toMatchObject({ ok: false, reason: 'truncated' });
  });

  it('a short broken JSON line is not called truncated', () => {
    expect(parseRemediationOutput('{"v":1,"canReset":')).toMatchObject({ ok: false, reason: 'not_json' });
  });

  it('reports JSON of another shape as schema, naming the field', () => {
    expect(parseRemediationOutput(JSON.stringify({ ...sample, v: 2 }))).toMatchObject({
      ok: false,
      reason: 'schema',
      message: expect.stringContaining('v'),
    });
    expect(parseRemediationOutput(JSON.stringify({ ...sample, ngcSet: 'YES' }))).toMatchObject({
      ok: false,
      reason: 'schema',
      message: expect.stringContaining('ngcSet'),
    });
    expect(parseRemediationOutput('[1,2]')).toMatchObject({ ok: false, reason: 'schema' });
  });
});

describe('Detect-CanReset.ps1 prints what the parser reads', () => {
  const script = readFileSync(
    join(import.meta.dirname, '..', '..', 'agent', 'windows', 'remediation', 'Detect-CanReset.ps1'),
    'utf8',
  );

  it('every field it sets is one the parser knows, and it sets them all', () => {
    const block = /\$result = \[ordered\]@\{([\s\S]*?)\n\}/.exec(script)?.[1] ?? '';
    const declared = [...block.matchAll(/^\s*(\w+)\s*=/gm)].map((m) => m[1]);
    const assigned = [...script.matchAll(/\$result\.(\w+)\s*=/g)].map((m) => m[1]);
    const printed = new Set([...declared, ...assigned]);
    expect([...printed].sort()).toEqual([...REMEDIATION_OUTPUT_FIELDS].sort());
  });

  it('caps its output at the Intune limit and always exits 0 (detection only)', () => {
    expect(script).toMatch(/\$MaxOutputChars = 2048\b/);
    expect(script).not.toMatch(/exit\s+[1-9]/);
  });
});
