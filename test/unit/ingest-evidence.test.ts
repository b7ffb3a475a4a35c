/**
 * Raw v2 evidence → the domain evidence the rules read, in the one place that maps it: every
 * field of the schema reaches the domain (a field the service dropped would fail here), each
 * registry name means what Microsoft documents, and v1 reports come out as "not reported".
 */
import { describe, expect, it } from 'vitest';
import { evidenceCase } from '../../dev/evidence-case.js';
import { assembleReport } from '../../shared/ingest/assemble-report.js';
import type { ReportBody, ReportBodyV2 } from '../../shared/ingest/report-schema.js';
import { evidenceLeafPaths } from '../support/report-schema-objects.js';

const TENANT = '3c5f1f0e-2b7a-4c1d-9e8f-0a1b2c3d4e5f';

function assemble(body: ReportBody) {
  const r = assembleReport({
    reportId: 'r1',
    deviceId: '6e4cbe68-588b-499c-8c04-dcfff140a1ca',
    receivedAt: new Date('2026-11-24T10:00:00Z'),
    body,
    rawBody: JSON.stringify(body),
    source: 'agent',
    trust: 'verified',
  });
  if (!r.ok) throw new Error(r.message);
  return r.report;
}

/** A hybrid device with every evidence field set to something. */
function full() {
  return evidenceCase({
    join: 'hybridJoined',
    deviceId: '6e4cbe68-588b-499c-8c04-dcfff140a1ca',
    tenantId: TENANT,
    gpo: { Enabled: 1 },
    mdm: { UsePassportForWork: 1, EnablePinRecovery: 1 },
    webSignInAllowedUrls: 'signin.contoso.com',
    lockScreen: {
      NoLockScreen: 0,
      DontDisplayLastUserName: 0,
      HideFastUserSwitching: 0,
      BlockNonAdminUserInstall: 0,
      'ApplicationManagement/BlockNonAdminUserInstall': 0,
      scforceoption: 0,
      DisableLockScreenAppNotifications: 0,
      DisableCAD: 1,
      thirdPartyCredentialProviders: [
        { clsid: '{8C4A2F1E-6B3D-4E2A-9F1C-0D2E3F4A5B6C}', name: 'X', dll: 'x.dll' },
      ],
    },
    users: [
      {
        upn: 'ada@contoso.com',
        gpo: { Enabled: 1 },
        mdm: { EnablePinRecovery: 0 },
        lockScreen: {
          NoToastApplicationNotificationOnLockScreen: 0,
          NOC_GLOBAL_SETTING_ALLOW_TOASTS_ABOVE_LOCK: 1,
        },
      },
    ],
  });
}

type Json = Record<string, unknown>;

/** Changes the value at a schema leaf path to another valid value. */
function mutate(body: ReportBodyV2, path: string): ReportBodyV2 {
  const copy = structuredClone(body) as unknown as Json;
  const parts = path.replace('users[]', 'users.0').split('.');
  let node = copy;
  for (const p of parts.slice(0, -1)) node = node[p] as Json;
  const last = parts[parts.length - 1] as string;
  const v = node[last];
  if (last === 'values') (v as Json).Added = 1;
  else if (last === 'mdm')
    (v as Json)['aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee'] = { values: { EnablePinRecovery: 1 } };
  else if (last === 'truncated') node[last] = !(v === true);
  else if (Array.isArray(v))
    node[last] =
      v.length > 0 ? [] : [{ clsid: '{00000000-0000-4000-8000-000000000001}', name: null, dll: null }];
  else if (typeof v === 'number') node[last] = v + 7;
  else if (typeof v === 'string') node[last] = `${v}-changed`;
  else if (v === null)
    node[last] = last === 'Shell' || /Url|Name|Edition|Version|Type|Build/.test(last) ? 'x' : 3;
  else throw new Error(`no mutation for ${path} (${JSON.stringify(v)})`);
  return copy as unknown as ReportBodyV2;
}

describe('every schema field reaches the domain', () => {
  const paths = evidenceLeafPaths();

  it('covers the schema', () => {
    expect(paths.length).toBeGreaterThan(20);
  });

  it.each(paths)('%s', (path) => {
    const { body } = full();
    // `truncated` is optional and absent in the sample: set it on the GPO key.
    const base = structuredClone(body);
    if (path.endsWith('.truncated')) {
      const scope = path.startsWith('users') ? base.users[0]?.evidence : base.evidence;
      if (scope?.passportForWork?.gpo) scope.passportForWork.gpo.truncated = false;
    }
    const before = assemble(base);
    const after = assemble(mutate(base, path));
    const pick = (r: ReturnType<typeof assemble>) =>
      path.startsWith('users') ? r.users[0]?.evidence : r.device.evidence;
    expect(pick(after)).not.toEqual(pick(before));
  });
});

describe('registry names and their meaning', () => {
  it('reads Group Policy "Enabled" and MDM "UsePassportForWork" as Hello enabled, EnablePinRecovery in both', () => {
    const { report } = full();
    const pfw = report.device.evidence.passportForWork;
    expect(pfw.state).toBe('reported');
    if (pfw.state !== 'reported') return;
    expect(pfw.gpo).toMatchObject({ helloEnabled: true, enablePinRecovery: null });
    expect(pfw.mdm[TENANT]).toMatchObject({ helloEnabled: true, enablePinRecovery: true });
    const user = report.users[0]?.evidence.passportForWork;
    expect(user?.state === 'reported' && user.mdm[TENANT]?.enablePinRecovery).toBe(false);
  });

  it('reads Windows Hello under the MDM key as UsePassportForWork, else Enabled', () => {
    const hello = (mdm: Record<string, number>) => {
      const pfw = evidenceCase({ join: 'entraJoined', tenantId: TENANT, mdm, users: [] }).report.device
        .evidence.passportForWork;
      return pfw.state === 'reported' ? pfw.mdm[TENANT]?.helloEnabled : 'notReported';
    };
    expect(hello({ UsePassportForWork: 0, Enabled: 1 })).toBe(false);
    expect(hello({ Enabled: 1 })).toBe(true);
    expect(hello({ EnablePinRecovery: 1 })).toBeNull();
  });

  it('matches value names case-insensitively and reads "1" strings, keeping the raw values', () => {
    const { report } = evidenceCase({
      join: 'entraJoined',
      tenantId: TENANT.toUpperCase(),
      mdm: { enablepinrecovery: '1', Other: 'text' },
      users: [],
    });
    const pfw = report.device.evidence.passportForWork;
    if (pfw.state !== 'reported') throw new Error('not reported');
    expect(Object.keys(pfw.mdm)).toEqual([TENANT]);
    expect(pfw.mdm[TENANT]).toMatchObject({
      enablePinRecovery: true,
      values: { enablepinrecovery: '1', Other: 'text' },
    });
  });

  it('takes BlockNonAdminUserInstall from Group Policy or the Policy CSP, whichever is set', () => {
    const block = (gpo: number | null, csp: number | null) => {
      const e = evidenceCase({
        join: 'entraJoined',
        lockScreen: { BlockNonAdminUserInstall: gpo, 'ApplicationManagement/BlockNonAdminUserInstall': csp },
        users: [],
      }).report.device.evidence.lockScreen;
      return e.state === 'reported' ? e.blockNonAdminUserInstall : 'notReported';
    };
    expect(block(null, null)).toBeNull();
    expect(block(null, 1)).toBe(1);
    expect(block(1, 0)).toBe(1);
    expect(block(0, null)).toBe(0);
  });

  it('reads the edition and build, and keeps the web sign-in value raw with its quotes', () => {
    const { report } = evidenceCase({
      join: 'entraJoined',
      windows: { EditionID: 'Professional', CurrentBuild: '17763', UBR: 107, DisplayVersion: null },
      webSignInAllowedUrls: '"signin.contoso.com;portal.contoso.com"',
      users: [],
    });
    expect(report.device.evidence.windows).toEqual({
      state: 'reported',
      editionId: 'Professional',
      productName: 'Windows 10 Enterprise',
      currentBuild: 17763,
      ubr: 107,
      displayVersion: null,
      installationType: 'Client',
    });
    expect(report.device.evidence.webSignIn).toEqual({
      state: 'reported',
      allowedUrlsRaw: '"signin.contoso.com;portal.contoso.com"',
      allowedUrls: ['"signin.contoso.com', 'portal.contoso.com"'],
      quoted: true,
    });
  });

  it('keeps groups the agent did not send apart from groups it read as empty', () => {
    const { report } = evidenceCase({
      join: 'entraJoined',
      notReported: ['windows', 'lockScreen'],
      users: [{ upn: 'ada@contoso.com', notReported: ['passportForWork'] }],
    });
    expect(report.device.evidence.windows).toEqual({ state: 'notReported' });
    expect(report.device.evidence.lockScreen).toEqual({ state: 'notReported' });
    expect(report.device.evidence.passportForWork).toEqual({ state: 'reported', gpo: null, mdm: {} });
    expect(report.users[0]?.evidence.passportForWork).toEqual({ state: 'notReported' });
  });
});

describe('the trust model at ingest', () => {
  it('follows the policy the device has, Group Policy masking MDM ([manage])', () => {
    const model = (gpo: Record<string, number> | null, mdm: Record<string, number> | null) =>
      evidenceCase({ join: 'hybridJoined', tenantId: TENANT, gpo, mdm, users: [{ upn: 'ada@contoso.com' }] })
        .report.users[0]?.evidence.trustModel;
    expect(model(null, { UsePassportForWork: 1, UseCloudTrustForOnPremAuth: 1 })).toMatchObject({
      model: 'cloudKerberos',
      basis: 'policy',
    });
    expect(model({ Enabled: 1, UseCertificateForOnPremAuth: 1 }, null)).toMatchObject({
      model: 'certificate',
    });
    expect(model({ Enabled: 1 }, { UseCloudTrustForOnPremAuth: 1 })).toMatchObject({ model: 'key' });
  });

  it('reads the dsregcmd signals of a v1 report (no policy evidence)', () => {
    const { body } = evidenceCase({
      join: 'hybridJoined',
      deviceId: '6e4cbe68-588b-499c-8c04-dcfff140a1ca',
      users: [
        { upn: 'ada@contoso.com', ngcPrerequisite: { certEnrollment: 'enrollment authority' } },
        {
          upn: 'bob@contoso.com',
          ngcPrerequisite: { certEnrollment: 'none', onPremTgt: true, legacyCloudTgtName: true },
        },
        { upn: 'cy@contoso.com', cloudTgt: true },
      ],
    });
    const v1: ReportBody = {
      schemaVersion: 1,
      collectedAt: body.collectedAt,
      agent: body.agent,
      device: body.device,
      system: body.system,
      users: body.users.map(({ evidence: _e, ...u }) => u),
    };
    const report = assemble(v1);
    expect(report.device.evidence.source).toBe('none');
    expect(report.users.map((u) => u.evidence.trustModel.model)).toEqual([
      'certificate',
      'cloudKerberos',
      'unknown',
    ]);
    expect(report.users.every((u) => u.evidence.passportForWork.state === 'notReported')).toBe(true);
  });

  it('says notHybrid on Entra joined devices', () => {
    const { report } = evidenceCase({ join: 'entraJoined', users: [{ upn: 'ada@contoso.com' }] });
    expect(report.users[0]?.evidence.trustModel).toEqual({ model: 'notHybrid' });
  });
});
