/**
 * The report schema file is the contract: the service validates with it, v1 bodies (the committed
 * test vector among them) still pass unchanged, v2 evidence is checked field by field, every
 * error names the field, and the TypeScript body types describe exactly what the file accepts.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { DEFAULT_TENANT, evidenceCase } from '../../dev/evidence-case.js';
import {
  MAX_RAW_TEXT_BYTES,
  parseReportBody,
  REPORT_SCHEMA,
  type ReportBodyV2,
} from '../../shared/ingest/report-schema.js';
import { evidenceLeafPaths } from '../support/report-schema-objects.js';

const ROOT = join(import.meta.dirname, '..', '..');
const SCHEMA_FILE = join(ROOT, 'shared', 'ingest', 'report-schema.json');
const bytes = (o: unknown) => new TextEncoder().encode(typeof o === 'string' ? o : JSON.stringify(o));

/** A v2 body with every evidence field present (and a third-party credential provider). */
function fullV2(): ReportBodyV2 {
  return evidenceCase({
    join: 'hybridJoined',
    gpo: { Enabled: 1, 'PINComplexity\\MinimumPINLength': 6 },
    mdm: { UsePassportForWork: 1, EnablePinRecovery: 1 },
    webSignInAllowedUrls: 'signin.contoso.com;portal.contoso.com',
    lockScreen: {
      thirdPartyCredentialProviders: [
        { clsid: '{8C4A2F1E-6B3D-4E2A-9F1C-0D2E3F4A5B6C}', name: 'Contoso MFA', dll: 'ContosoCP.dll' },
      ],
    },
    users: [{ upn: 'ada@contoso.com', mdm: { EnablePinRecovery: 1 }, gpo: { Enabled: 1 } }],
  }).body;
}

describe('the schema file', () => {
  it('is what the service validates with', () => {
    expect(REPORT_SCHEMA).toEqual(JSON.parse(readFileSync(SCHEMA_FILE, 'utf8')));
  });

  it('is a valid JSON Schema 2020-12 document that a second, independent validator agrees with', () => {
    const ajv = new Ajv2020({ strict: false });
    const validate = ajv.compile(JSON.parse(readFileSync(SCHEMA_FILE, 'utf8')));
    const vector = readFileSync(join(ROOT, 'test/fixtures/agent-protocol/sample-body.json'));
    for (const body of [JSON.parse(vector.toString('utf8')), fullV2()]) {
      expect(validate(body)).toBe(true);
      expect(parseReportBody(bytes(body)).ok).toBe(true);
    }
    const broken = { ...fullV2(), collectedAt: 'yesterday' };
    expect(validate(broken)).toBe(false);
    expect(parseReportBody(bytes(broken)).ok).toBe(false);
  });
});

describe('schemaVersion 1', () => {
  it('still accepts the committed v1 test vector byte for byte', () => {
    const vector = readFileSync(join(ROOT, 'test/fixtures/agent-protocol/sample-body.json'));
    const parsed = parseReportBody(new Uint8Array(vector));
    expect(parsed.ok).toBe(true);
    expect(parsed.ok && parsed.body.schemaVersion).toBe(1);
  });

  it('ignores an evidence property on a v1 body (it is not part of v1)', () => {
    const v1 = JSON.parse(readFileSync(join(ROOT, 'test/fixtures/agent-protocol/sample-body.json'), 'utf8'));
    const parsed = parseReportBody(bytes({ ...v1, evidence: { windows: 'anything' } }));
    expect(parsed.ok).toBe(true);
  });
});

describe('schemaVersion 2', () => {
  it('accepts a body with every evidence group, and with none of them', () => {
    expect(parseReportBody(bytes(fullV2()))).toMatchObject({ ok: true });
    const { evidence: _e, ...bare } = fullV2();
    expect(
      parseReportBody(bytes({ ...bare, users: bare.users.map(({ evidence: _u, ...u }) => u) })),
    ).toMatchObject({ ok: true });
  });

  it('ignores unknown properties, so an agent may be newer than the service', () => {
    const body = fullV2();
    const newer = { ...body, evidence: { ...body.evidence, somethingNew: { x: 1 } }, extra: true };
    expect(parseReportBody(bytes(newer)).ok).toBe(true);
  });

  it.each([
    [
      'schemaVersion',
      (b: ReportBodyV2) => ({ ...b, schemaVersion: 3 }),
      'schemaVersion: must be one of 1, 2',
    ],
    [
      'a missing required value in a group',
      (b: ReportBodyV2) => ({ ...b, evidence: { ...b.evidence, windows: { EditionID: 'Enterprise' } } }),
      'evidence.windows.ProductName: is required',
    ],
    [
      'a DWORD given as a string',
      (b: ReportBodyV2) => ({
        ...b,
        evidence: { ...b.evidence, lockScreen: { ...b.evidence?.lockScreen, NoLockScreen: '1' } },
      }),
      'evidence.lockScreen.NoLockScreen: must be integer,null',
    ],
    [
      'an MDM key not named by a tenant GUID',
      (b: ReportBodyV2) => ({
        ...b,
        evidence: { ...b.evidence, passportForWork: { gpo: null, mdm: { contoso: { values: {} } } } },
      }),
      'evidence.passportForWork.mdm: key "contoso" must be a GUID',
    ],
    [
      'registry data that is an object',
      (b: ReportBodyV2) => ({
        ...b,
        evidence: { ...b.evidence, passportForWork: { gpo: { values: { Enabled: { x: 1 } } }, mdm: {} } },
      }),
      'evidence.passportForWork.gpo.values.Enabled: must be registry data (number, string or list of strings)',
    ],
    [
      'a credential provider without braces',
      (b: ReportBodyV2) => ({
        ...b,
        evidence: {
          ...b.evidence,
          lockScreen: {
            ...b.evidence?.lockScreen,
            thirdPartyCredentialProviders: [
              { clsid: '8c4a2f1e-6b3d-4e2a-9f1c-0d2e3f4a5b6c', name: null, dll: null },
            ],
          },
        },
      }),
      'evidence.lockScreen.thirdPartyCredentialProviders[0].clsid: must be a CLSID in braces',
    ],
    [
      'a user group with a value missing',
      (b: ReportBodyV2) => ({
        ...b,
        users: b.users.map((u) => ({ ...u, evidence: { lockScreen: { Shell: null } } })),
      }),
      'users[0].evidence.lockScreen.NoToastApplicationNotificationOnLockScreen: is required',
    ],
    [
      'more than 64 values under one key',
      (b: ReportBodyV2) => ({
        ...b,
        evidence: {
          ...b.evidence,
          passportForWork: {
            gpo: { values: Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`V${i}`, i])) },
            mdm: {},
          },
        },
      }),
      'evidence.passportForWork.gpo.values: must NOT have more than 64 properties',
    ],
  ])('%s → 400 invalid_report naming the field', (_what, mutate, message) => {
    const parsed = parseReportBody(bytes(mutate(fullV2())));
    expect(parsed).toEqual({ ok: false, code: 'invalid_report', message });
  });

  it('keeps the byte limit of raw text (JSON Schema counts characters, the service counts UTF-8 bytes)', () => {
    const body = fullV2();
    // 40,000 characters of "é" are 80,000 UTF-8 bytes: within maxLength, over the byte limit.
    const text = 'é'.repeat(40_000);
    const parsed = parseReportBody(bytes({ ...body, users: [{ ...body.users[0], dsregcmd: text }] }));
    expect(parsed).toEqual({
      ok: false,
      code: 'invalid_report',
      message: `users[0].dsregcmd: is over ${MAX_RAW_TEXT_BYTES} bytes`,
    });
  });
});

describe('the TypeScript body type and the schema file name the same evidence fields', () => {
  /** Leaf paths of a value, arrays as [] and free-form maps (values, mdm) as one leaf. */
  function leaves(value: unknown, prefix: string, out: Set<string>): void {
    const mapLeaf = /\.(values|mdm)$/.test(prefix) || /thirdPartyCredentialProviders$/.test(prefix);
    if (value !== null && typeof value === 'object' && !Array.isArray(value) && !mapLeaf) {
      for (const [k, v] of Object.entries(value)) leaves(v, `${prefix}.${k}`, out);
    } else out.add(prefix);
  }

  it('the full v2 sample (typed as ReportBodyV2) has exactly the schema evidence leaves', () => {
    const body = fullV2();
    const seen = new Set<string>();
    leaves(body.evidence, 'evidence', seen);
    for (const u of body.users) leaves(u.evidence, 'users[].evidence', seen);
    // The gpo key appears as its `values` map; the schema also names `truncated` (optional).
    const schema = evidenceLeafPaths().filter((p) => !p.endsWith('.truncated'));
    expect([...seen].sort()).toEqual(schema.sort());
    expect(DEFAULT_TENANT).toMatch(/^[0-9a-f-]{36}$/);
  });
});
