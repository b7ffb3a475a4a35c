/** Run state → remediation report: what is stored, what is refused and why (pure, no I/O). */
import { describe, expect, it } from 'vitest';
import { remediationReportId, runStateToReport } from '../../shared/remediation/report.js';
import { parseRunState, runStatesPath } from '../../shared/remediation/run-state.js';

const SCRIPT = '5f0c7d0e-1a2b-4c3d-8e9f-0a1b2c3d4e5f';
const ENTRA = '6e4cbe68-588b-499c-8c04-dcfff140a1ca';
const INTUNE = 'A1B2C3D4-0000-4000-8000-000000000001';
const WHEN = '2025-06-01T08:00:00Z';

function output(over: Record<string, unknown> = {}): string {
  return JSON.stringify({
    v: 1,
    canReset: 'DestructiveOnly',
    ngcSet: true,
    ngcKeyId: 'FA0DB076-A5D7-4844-82D8-50A2FB42EC7B',
    aadJoined: true,
    domainJoined: false,
    deviceId: ENTRA,
    tenantId: '72f988bf-86f1-41af-91ab-2d7cd011db47',
    upn: 'Ada@contoso.com',
    os: '10.0.22631.4317',
    ts: '2025-06-01T07:59:58Z',
    ...over,
  });
}

function runState(over: Record<string, unknown> = {}, md: Record<string, unknown> = {}) {
  return parseRunState({
    id: 'ignored',
    detectionState: 'success',
    lastStateUpdateDateTime: WHEN,
    preRemediationDetectionScriptOutput: output(),
    preRemediationDetectionScriptError: null,
    managedDevice: {
      id: INTUNE,
      deviceName: 'PC-ADA',
      azureADDeviceId: ENTRA.toUpperCase(),
      userPrincipalName: 'primary@contoso.com',
      osVersion: '10.0.22631.1',
      ...md,
    },
    ...over,
  });
}

describe('a usable run state', () => {
  it('becomes a verified remediation report with the user CanReset and the exact output', () => {
    const rs = runState();
    const r = runStateToReport(rs, SCRIPT);
    if (!r.ok) throw new Error(r.message);
    const report = r.report;
    expect(report).toMatchObject({
      deviceId: ENTRA,
      source: 'remediation',
      trust: 'verified',
      intuneDeviceId: INTUNE.toLowerCase(),
      receivedAt: '2025-06-01T08:00:00.000Z',
      collectedAt: '2025-06-01T08:00:00.000Z',
      rawBody: output(),
    });
    expect(report.device).toMatchObject({
      joinType: 'entraJoined',
      deviceName: 'PC-ADA',
      osVersion: '10.0.22631.4317',
      tenantId: '72f988bf-86f1-41af-91ab-2d7cd011db47',
    });
    expect(report.users).toEqual([
      {
        userKey: 'ada@contoso.com',
        upn: 'Ada@contoso.com',
        sid: null,
        canReset: 'DestructiveOnly',
        canResetRaw: 'DestructiveOnly',
        ngcSet: true,
        ngcKeyId: 'fa0db076-a5d7-4844-82d8-50a2fb42ec7b',
        notUserContext: false,
        // A v1 line carries no registry evidence; an Entra joined device has no trust model question.
        evidence: {
          source: 'none',
          passportForWork: { state: 'notReported' },
          lockScreen: { state: 'notReported' },
          trustModel: { model: 'notHybrid' },
        },
        warnings: [],
      },
    ]);
  });

  it('a version 2 line carries its evidence through the same mapping as an upload', () => {
    const r = runStateToReport(
      runState({
        preRemediationDetectionScriptOutput: output({
          v: 2,
          domainJoined: true,
          t: [true, null, 'none'],
          e: {
            pg: null,
            pm: [2, 1, 1, null, null],
            ug: null,
            um: null,
            w: ['Enterprise', 'Windows 10 Enterprise', '22631', 4317, '23H2', 'Client'],
            l: [null, 1, null, null, null, null, 1, null, null, 'explorer.exe'],
            cp: [],
          },
        }),
      }),
      SCRIPT,
    );
    if (!r.ok) throw new Error(r.message);
    const device = r.report.device.evidence;
    expect(device.source).toBe('remediation');
    expect(device.windows).toMatchObject({ state: 'reported', editionId: 'Enterprise', currentBuild: 22631 });
    expect(device.lockScreen).toMatchObject({ state: 'reported', dontDisplayLastUserName: 1 });
    expect(device.webSignIn).toEqual({ state: 'notReported' });
    const user = r.report.users[0]?.evidence;
    // Hybrid, MDM Hello policy without an on-premises trust policy: key trust, by policy.
    expect(user?.trustModel).toMatchObject({ model: 'key', basis: 'policy' });
    expect(user?.lockScreen).toEqual({ state: 'notReported' });
  });

  it('derives the join type from aadJoined / domainJoined', () => {
    const join = (aadJoined: boolean | null, domainJoined: boolean | null) => {
      const r = runStateToReport(
        runState({ preRemediationDetectionScriptOutput: output({ aadJoined, domainJoined }) }),
        SCRIPT,
      );
      return r.ok ? r.report.device.joinType : r.reason;
    };
    expect(join(true, false)).toBe('entraJoined');
    expect(join(true, true)).toBe('hybridJoined');
    expect(join(false, true)).toBe('domainJoined');
    expect(join(null, null)).toBe('notJoined');
  });

  it('keeps an unrecognised CanReset raw, leaves canReset null and says so', () => {
    const r = runStateToReport(
      runState({ preRemediationDetectionScriptOutput: output({ canReset: 'destructiveonly' }) }),
      SCRIPT,
    );
    if (!r.ok) throw new Error(r.message);
    expect(r.report.users[0]).toMatchObject({ canReset: null, canResetRaw: 'destructiveonly' });
    expect(r.report.users[0]!.warnings.length).toBe(1);
  });

  it('keeps a missing CanReset (NgcSet NO) null, never DestructiveOnly', () => {
    const r = runStateToReport(
      runState({ preRemediationDetectionScriptOutput: output({ canReset: null, ngcSet: false }) }),
      SCRIPT,
    );
    if (!r.ok) throw new Error(r.message);
    expect(r.report.users[0]).toMatchObject({ canReset: null, canResetRaw: null, ngcSet: false });
  });
});

describe('report id', () => {
  it('is a UUID derived from script, device and state time only', () => {
    const a = remediationReportId(SCRIPT, INTUNE, WHEN);
    expect(a).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(remediationReportId(SCRIPT.toUpperCase(), INTUNE.toLowerCase(), WHEN)).toBe(a);
    expect(remediationReportId(SCRIPT, INTUNE, '2025-06-02T08:00:00Z')).not.toBe(a);
    expect(remediationReportId(SCRIPT, 'b1b2c3d4-0000-4000-8000-000000000001', WHEN)).not.toBe(a);
    const r1 = runStateToReport(runState(), SCRIPT);
    const r2 = runStateToReport(runState(), SCRIPT);
    expect(r1.ok && r2.ok && r1.report.reportId === r2.report.reportId).toBe(true);
  });
});

describe('refused run states', () => {
  const cases: [string, ReturnType<typeof runState>, string][] = [
    ['script error state', runState({ detectionState: 'scriptError' }), 'script_error'],
    ['script error text', runState({ preRemediationDetectionScriptError: 'boom' }), 'script_error'],
    ['no output', runState({ preRemediationDetectionScriptOutput: null }), 'empty'],
    ['blank output', runState({ preRemediationDetectionScriptOutput: '  \r\n' }), 'empty'],
    ['not JSON', runState({ preRemediationDetectionScriptOutput: 'Compliant' }), 'not_json'],
    [
      'cut at 2048',
      runState({ preRemediationDetectionScriptOutput: output({ upn: 'x'.repeat(3000) }).slice(0, 2048) }),
      'truncated',
    ],
    ['wrong version', runState({ preRemediationDetectionScriptOutput: output({ v: 3 }) }), 'schema'],
    ['no managed device', runState({ managedDevice: null }), 'no_managed_device'],
    [
      'zero Entra id',
      runState({}, { azureADDeviceId: '00000000-0000-0000-0000-000000000000' }),
      'no_device_id',
    ],
    [
      'other device id printed',
      runState({
        preRemediationDetectionScriptOutput: output({ deviceId: 'ffffffff-588b-499c-8c04-dcfff140a1ca' }),
      }),
      'device_mismatch',
    ],
    ['no state time', runState({ lastStateUpdateDateTime: 'soon' }), 'bad_timestamp'],
    [
      'script caught an error',
      runState({
        preRemediationDetectionScriptOutput: output({
          canReset: null,
          ngcSet: null,
          err: 'dsregcmd missing',
        }),
      }),
      'script_reported_error',
    ],
    ['no UPN (SYSTEM)', runState({ preRemediationDetectionScriptOutput: output({ upn: null }) }), 'no_user'],
  ];
  it.each(cases)('%s → %s', (_name, rs, reason) => {
    const r = runStateToReport(rs, SCRIPT);
    expect(r.ok ? 'stored' : r.reason).toBe(reason);
  });
});

describe('run states path', () => {
  it('asks beta for the managed device fields with the largest page', () => {
    const p = runStatesPath(SCRIPT);
    expect(p).toBe(
      `/deviceManagement/deviceHealthScripts/${SCRIPT}/deviceRunStates` +
        '?$expand=managedDevice($select=id,deviceName,azureADDeviceId,userPrincipalName,osVersion)&$top=1000',
    );
  });
});
