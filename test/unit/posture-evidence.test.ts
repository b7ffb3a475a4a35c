/**
 * The evidence types' helpers: which PassportForWork value is in effect ([manage] precedence),
 * the hybrid trust model from policy and dsregcmd, edition families, the web sign-in list.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseDsregcmd } from '../../shared/dsregcmd/parse.js';
import {
  editionFamily,
  effectivePassportPolicy,
  NOT_REPORTED,
  type PassportForWorkKey,
  type PassportForWorkScope,
  splitAllowedUrls,
} from '../../shared/posture/evidence.js';
import {
  type DsregTrustSignals,
  hybridTrustModel,
  trustSignalsFromDsregcmd,
} from '../../shared/posture/trust-model.js';

const TENANT = '3c5f1f0e-2b7a-4c1d-9e8f-0a1b2c3d4e5f';

function fixture(name: string): string {
  const text = readFileSync(join(import.meta.dirname, '../fixtures/dsregcmd', name), 'utf8');
  return text.startsWith('# source:') ? text.slice(text.indexOf('\n') + 1) : text;
}

function key(values: Record<string, number | string>, gpo: boolean): PassportForWorkKey {
  const bool = (name: string) => (values[name] === undefined ? null : Number(values[name]) !== 0);
  return {
    values,
    truncated: false,
    enablePinRecovery: bool('EnablePinRecovery'),
    helloEnabled: bool(gpo ? 'Enabled' : 'UsePassportForWork'),
    useCloudTrustForOnPremAuth: bool('UseCloudTrustForOnPremAuth'),
    useCertificateForOnPremAuth: bool('UseCertificateForOnPremAuth'),
  };
}

function scope(
  gpo: Record<string, number> | null,
  mdm: Record<string, number> | null = null,
): PassportForWorkScope {
  return {
    state: 'reported',
    gpo: gpo ? key(gpo, true) : null,
    mdm: mdm ? { [TENANT]: key(mdm, false) } : {},
  };
}

const NO_DSREG: DsregTrustSignals = { ssoOnPremTgt: null, ngcOnPremTgt: null, certEnrollment: null };

describe('effectivePassportPolicy', () => {
  it('says nothing when a scope was not reported', () => {
    expect(effectivePassportPolicy(NOT_REPORTED, scope(null), TENANT)).toBeNull();
    expect(effectivePassportPolicy(scope(null), NOT_REPORTED, TENANT)).toBeNull();
  });

  it('reads MDM when no Group Policy value exists, the user scope winning over the device', () => {
    const p = effectivePassportPolicy(
      scope(null, { UsePassportForWork: 1, EnablePinRecovery: 1 }),
      scope(null, { EnablePinRecovery: 0 }),
      TENANT,
    );
    expect(p?.gpoManaged).toBe(false);
    expect(p?.mdmPresent).toBe(true);
    expect(p?.enablePinRecovery).toEqual({ value: false, source: 'mdmUser' });
    expect(p?.helloEnabled).toEqual({ value: true, source: 'mdmDevice' });
  });

  it('ignores every MDM value while any Group Policy PassportForWork value is present', () => {
    const p = effectivePassportPolicy(scope({ Enabled: 1 }, { EnablePinRecovery: 1 }), scope(null), TENANT);
    expect(p?.gpoManaged).toBe(true);
    expect(p?.enablePinRecovery).toBeNull();
    expect(p?.helloEnabled).toEqual({ value: true, source: 'gpoDevice' });
  });

  it('reads only the MDM keys of the device tenant', () => {
    const p = effectivePassportPolicy(scope(null, { EnablePinRecovery: 1 }), scope(null), 'another-tenant');
    expect(p?.mdmPresent).toBe(false);
    expect(p?.enablePinRecovery).toBeNull();
  });

  it('does not count an empty Group Policy key as Group Policy management', () => {
    const p = effectivePassportPolicy(scope({}, { EnablePinRecovery: 1 }), scope(null), TENANT);
    expect(p?.gpoManaged).toBe(false);
    expect(p?.enablePinRecovery).toEqual({ value: true, source: 'mdmDevice' });
  });
});

describe('trust signals from a real dsregcmd', () => {
  it('reads the Learn sample: certificate enrollment and an on-premises cloud Kerberos ticket', () => {
    const status = parseDsregcmd(fixture('msdocs-entra-section-samples-composite.txt'));
    expect(trustSignalsFromDsregcmd(status.rawFields)).toEqual({
      ssoOnPremTgt: true,
      ngcOnPremTgt: null,
      certEnrollment: 'enrollment authority',
    });
  });

  it('does not take the SSO State CloudTgt (a ticket for cloud resources) as a cloud Kerberos trust signal', () => {
    const status = parseDsregcmd(fixture('entra-joined-win10-roadtoken-blog.txt'));
    expect(trustSignalsFromDsregcmd(status.rawFields)).toEqual({
      ssoOnPremTgt: false,
      ngcOnPremTgt: null,
      certEnrollment: 'none',
    });
  });

  it('takes the pre-23H2 Ngc Prerequisite Check CloudTGT as the on-premises ticket', () => {
    const text = [
      '+----------------------------------------------------------------------+',
      '| Ngc Prerequisite Check                                               |',
      '+----------------------------------------------------------------------+',
      '',
      '            IsDeviceJoined : YES',
      '            CertEnrollment : none',
      '                  CloudTGT : YES',
      '              PreReqResult : WillProvision',
    ].join('\r\n');
    expect(trustSignalsFromDsregcmd(parseDsregcmd(text).rawFields)).toEqual({
      ssoOnPremTgt: null,
      ngcOnPremTgt: true,
      certEnrollment: 'none',
    });
  });
});

describe('hybridTrustModel', () => {
  it('is notHybrid off hybrid devices and unknown without a join state', () => {
    expect(hybridTrustModel({ joinType: 'entraJoined', policy: null, dsregcmd: NO_DSREG })).toEqual({
      model: 'notHybrid',
    });
    expect(hybridTrustModel({ joinType: null, policy: null, dsregcmd: NO_DSREG }).model).toBe('unknown');
  });

  it('follows the effective policy: cloud Kerberos, certificate, or key trust when Hello is configured with neither', () => {
    const model = (device: PassportForWorkScope) =>
      hybridTrustModel({
        joinType: 'hybridJoined',
        policy: effectivePassportPolicy(device, scope(null), TENANT),
        dsregcmd: NO_DSREG,
      });
    expect(model(scope(null, { UsePassportForWork: 1, UseCloudTrustForOnPremAuth: 1 }))).toMatchObject({
      model: 'cloudKerberos',
      basis: 'policy',
    });
    expect(model(scope({ Enabled: 1, UseCertificateForOnPremAuth: 1 }))).toMatchObject({
      model: 'certificate',
      basis: 'policy',
      signals: expect.arrayContaining([{ source: 'gpo', name: 'UseCertificateForOnPremAuth', value: '1' }]),
    });
    expect(model(scope({ Enabled: 1 }))).toMatchObject({ model: 'key', basis: 'policy' });
    // Cloud trust set by MDM, but a GPO value exists: the MDM value is ignored, so key trust.
    expect(model(scope({ Enabled: 1 }, { UseCloudTrustForOnPremAuth: 1 }))).toMatchObject({ model: 'key' });
    // No Hello policy anywhere: nothing says which model a user would get.
    expect(model(scope(null))).toMatchObject({ model: 'unknown' });
  });

  it('lets policy evidence outrank dsregcmd signals, which stay in the evidence', () => {
    const m = hybridTrustModel({
      joinType: 'hybridJoined',
      policy: effectivePassportPolicy(scope({ Enabled: 1 }), scope(null), TENANT),
      dsregcmd: { ssoOnPremTgt: true, ngcOnPremTgt: null, certEnrollment: null },
    });
    expect(m).toMatchObject({ model: 'key', basis: 'policy' });
    expect(m.model !== 'notHybrid' && m.signals).toContainEqual({
      source: 'dsregcmd',
      name: 'OnPremTgt',
      value: 'YES',
    });
  });

  it('falls back to dsregcmd without policy evidence and never infers key trust from it', () => {
    const dsreg = (d: Partial<DsregTrustSignals>) =>
      hybridTrustModel({ joinType: 'hybridJoined', policy: null, dsregcmd: { ...NO_DSREG, ...d } }).model;
    expect(dsreg({ certEnrollment: 'enrollment authority' })).toBe('certificate');
    expect(dsreg({ ngcOnPremTgt: true, certEnrollment: 'none' })).toBe('cloudKerberos');
    expect(dsreg({ certEnrollment: 'mobile device management' })).toBe('unknown');
    expect(dsreg({ certEnrollment: 'none', ssoOnPremTgt: false })).toBe('unknown');
    // The Learn composite shows both signals: contradictory, so unknown.
    const status = parseDsregcmd(fixture('msdocs-entra-section-samples-composite.txt'));
    expect(status.joinType).toBe('hybridJoined');
    expect(
      hybridTrustModel({
        joinType: status.joinType,
        policy: null,
        dsregcmd: trustSignalsFromDsregcmd(status.rawFields),
      }).model,
    ).toBe('unknown');
  });
});

describe('editionFamily and splitAllowedUrls', () => {
  it('groups EditionID values', () => {
    expect(editionFamily('Professional')).toBe('pro');
    expect(editionFamily('ProfessionalWorkstation')).toBe('pro');
    expect(editionFamily('Core')).toBe('home');
    expect(editionFamily('CoreSingleLanguage')).toBe('home');
    expect(editionFamily('EnterpriseS')).toBe('enterprise');
    expect(editionFamily('ServerRdsh')).toBe('enterprise');
    expect(editionFamily('Education')).toBe('education');
    expect(editionFamily('IoTEnterprise')).toBe('iotEnterprise');
    expect(editionFamily('CloudEdition')).toBe('windowsSe');
    expect(editionFamily('ServerStandard')).toBe('server');
    expect(editionFamily('Something')).toBe('other');
    expect(editionFamily(null)).toBeNull();
  });

  it('splits the allowed URLs on semicolons and keeps quotes visible', () => {
    expect(splitAllowedUrls('signin.contoso.com; portal.contoso.com;')).toEqual({
      allowedUrls: ['signin.contoso.com', 'portal.contoso.com'],
      quoted: false,
    });
    expect(splitAllowedUrls('"signin.contoso.com;portal.contoso.com"')).toEqual({
      allowedUrls: ['"signin.contoso.com', 'portal.contoso.com"'],
      quoted: true,
    });
    expect(splitAllowedUrls(null)).toEqual({ allowedUrls: [], quoted: false });
  });
});
