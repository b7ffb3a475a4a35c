/**
 * parseRemediationOutput: what the collector gets from Graph for Detect-CanReset.ps1.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Node } from 'web-tree-sitter';
import {
  parseRemediationOutput,
  REMEDIATION_EVIDENCE_FIELDS,
  REMEDIATION_OUTPUT_FIELDS,
  REMEDIATION_OUTPUT_MAX_CHARS,
} from '../../shared/remediation/output.js';
import { parsePowerShell } from '../support/powershell-parser.js';

const V1_EXTRAS = {
  err: null,
  trustSignals: { ssoOnPremTgt: null, ngcOnPremTgt: null, certEnrollment: null },
  deviceEvidence: undefined,
  userEvidence: undefined,
};

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
    expect(result).toEqual({ ok: true, value: { ...sample, ...V1_EXTRAS } });
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
    expect(parseRemediationOutput(JSON.stringify({ ...sample, v: 3 }))).toMatchObject({
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

const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';

/** A full version 2 line as Detect-CanReset.ps1 prints it. */
const v2 = {
  ...sample,
  v: 2,
  t: [true, null, 'none'],
  e: {
    pg: [2, null, 1, null, null],
    pm: [3, 1, 1, 1, null],
    ug: null,
    um: [1, 0, null, null, null],
    w: ['Professional', 'Windows 10 Pro', '19045', 4291, '22H2', 'Client'],
    ws: '"idp.contoso.com"',
    l: [null, 1, null, null, 1, null, 1, null, null, 'explorer.exe'],
    cp: [['{8C4A2F1E-6B3D-4E2A-9F1C-0D2E3F4A5B6C}', 'Contoso MFA', 'ContosoCP.dll']],
    lu: [1, 0, null],
  },
};

describe('the version 2 line', () => {
  it("fits Intune's 2048 characters with every group filled", () => {
    expect(JSON.stringify(v2).length).toBeLessThan(REMEDIATION_OUTPUT_MAX_CHARS / 2);
  });

  it("decodes into the upload's raw evidence shape, keys carrying only the names they know", () => {
    const r = parseRemediationOutput(JSON.stringify(v2));
    if (!r.ok) throw new Error(r.message);
    expect(r.value.trustSignals).toEqual({ ssoOnPremTgt: true, ngcOnPremTgt: null, certEnrollment: 'none' });
    expect(r.value.deviceEvidence).toEqual({
      passportForWork: {
        // Two values under the GPO key, one of them named: the other is "more values exist".
        gpo: { values: { Enabled: 1 }, truncated: true },
        mdm: {
          [TENANT]: {
            values: { EnablePinRecovery: 1, UsePassportForWork: 1, UseCloudTrustForOnPremAuth: 1 },
          },
        },
      },
      windows: {
        EditionID: 'Professional',
        ProductName: 'Windows 10 Pro',
        CurrentBuild: '19045',
        UBR: 4291,
        DisplayVersion: '22H2',
        InstallationType: 'Client',
      },
      webSignIn: { ConfigureWebSignInAllowedUrls: '"idp.contoso.com"' },
      lockScreen: {
        NoLockScreen: null,
        DontDisplayLastUserName: 1,
        HideFastUserSwitching: null,
        BlockNonAdminUserInstall: null,
        'ApplicationManagement/BlockNonAdminUserInstall': 1,
        scforceoption: null,
        EnableLUA: 1,
        DisableLockScreenAppNotifications: null,
        DisableCAD: null,
        Shell: 'explorer.exe',
        thirdPartyCredentialProviders: [
          { clsid: '{8C4A2F1E-6B3D-4E2A-9F1C-0D2E3F4A5B6C}', name: 'Contoso MFA', dll: 'ContosoCP.dll' },
        ],
      },
    });
    expect(r.value.userEvidence).toEqual({
      passportForWork: { gpo: null, mdm: { [TENANT]: { values: { EnablePinRecovery: 0 } } } },
      lockScreen: {
        NoToastApplicationNotificationOnLockScreen: 1,
        NOC_GLOBAL_SETTING_ALLOW_TOASTS_ABOVE_LOCK: 0,
        Shell: null,
      },
    });
  });

  it('leaves out a group the script could not read, and a policy scope read only in half', () => {
    const { ws: _ws, um: _um, ...rest } = v2.e;
    const r = parseRemediationOutput(JSON.stringify({ ...v2, e: rest }));
    if (!r.ok) throw new Error(r.message);
    expect(r.value.deviceEvidence?.webSignIn).toBeUndefined();
    expect(r.value.userEvidence?.passportForWork).toBeUndefined();
    expect(r.value.userEvidence?.lockScreen).toBeDefined();
  });

  it('reads evidence only from version 2 lines', () => {
    const r = parseRemediationOutput(JSON.stringify({ ...v2, v: 1 }));
    expect(r.ok && r.value.deviceEvidence).toBeUndefined();
    expect(r.ok && r.value.trustSignals.ssoOnPremTgt).toBeNull();
  });

  it('names the field of a malformed group', () => {
    const r = parseRemediationOutput(JSON.stringify({ ...v2, e: { ...v2.e, l: [1, 2] } }));
    expect(r).toMatchObject({ ok: false, reason: 'schema', message: expect.stringContaining('e.l') });
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

  /** Top-level elements of the `@( ... )` array assigned to `target` (e.g. `$e.l`). */
  async function arrayLength(target: string): Promise<number> {
    const { root } = await parsePowerShell(script);
    const assignment = root
      .descendantsOfType('assignment_expression')
      .find((a) => a?.child(0)?.text.trim() === target);
    const array = assignment?.descendantsOfType('array_expression')[0];
    const list = array?.children.find((c) => c?.type === 'statement_list');
    // The first array literal below the list holds the comma-separated elements.
    const queue: Node[] = list ? [list] : [];
    while (queue.length > 0) {
      const n = queue.shift() as Node;
      if (n.type === 'array_literal_expression') {
        return n.children.filter((c) => c?.type === 'unary_expression').length;
      }
      for (const c of n.children) if (c) queue.push(c);
    }
    throw new Error(`no @( ... ) assigned to ${target}`);
  }

  it('sets exactly the evidence groups the parser reads', () => {
    const groups = new Set([...script.matchAll(/\$e\.(\w+)\s*=/g)].map((m) => m[1]));
    expect([...groups].sort()).toEqual([...REMEDIATION_EVIDENCE_FIELDS].sort());
  });

  it.each([
    ['$e.w', 6],
    ['$e.l', 10],
    ['$e.lu', 3],
    ['$result.t', 3],
  ])('%s has the %i elements the parser decodes', async (target, n) => {
    expect(await arrayLength(target)).toBe(n);
  });

  it('a compact policy key has its 5 elements', () => {
    const body = /function Get-PolicyKey[\s\S]*?return , @\(([\s\S]*?)\n {4}\)/.exec(script)?.[1] ?? '';
    expect(body.split('\n').filter((l) => l.trim() !== '')).toHaveLength(5);
  });
});
