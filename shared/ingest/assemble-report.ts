/**
 * Validated body → AcceptedReport: one parser reads every dsregcmd text (SYSTEM run for the
 * device, each user's own run for CanReset/NgcSet), so a Windows output change is fixed in
 * one place and history can be re-read from the raw body.
 */
import { parseDsregcmd } from '../dsregcmd/parse.js';
import { trustSignalsFromDsregcmd } from '../posture/trust-model.js';
import type { AcceptedReport, ReportSource, ReportTrust, UserReport } from '../reports/model.js';
import { deviceEvidenceFrom, reportedJoinType, userEvidenceFrom } from './evidence.js';
import type { ReportBody } from './report-schema.js';

export interface AssembleInput {
  reportId: string;
  deviceId: string;
  receivedAt: Date;
  body: ReportBody;
  rawBody: string;
  source: ReportSource;
  trust: ReportTrust;
}

export type AssembleResult =
  | { ok: true; report: AcceptedReport }
  | { ok: false; code: string; message: string };

export function userKeyOf(u: { sid?: string | null; upn?: string | null }): string {
  return (u.sid ?? u.upn ?? '').trim().toLowerCase();
}

export function assembleReport(input: AssembleInput): AssembleResult {
  const { body } = input;
  const system = parseDsregcmd(body.system.dsregcmd);
  // The signature proves which device is speaking; a SYSTEM output naming another device
  // would file its facts under the wrong device, so refuse it rather than store it.
  if (system.deviceId && system.deviceId !== input.deviceId) {
    return {
      ok: false,
      code: 'device_mismatch',
      message: `system.dsregcmd: DeviceId ${system.deviceId} is not the signing device ${input.deviceId}`,
    };
  }
  const source = input.source === 'remediation' ? 'remediation' : 'agent';
  const evidence = deviceEvidenceFrom(body.schemaVersion === 2 ? body.evidence : undefined, source);
  const users: UserReport[] = body.users.map((u) => {
    const s = parseDsregcmd(u.dsregcmd);
    const raw = body.schemaVersion === 2 && 'evidence' in u ? u.evidence : undefined;
    return {
      userKey: userKeyOf(u),
      upn: u.upn ?? null,
      sid: u.sid ?? null,
      canReset: s.canReset,
      canResetRaw: s.canResetRaw,
      ngcSet: s.ngcSet,
      ngcKeyId: s.ngcKeyId,
      notUserContext: s.userContext === 'system',
      evidence: userEvidenceFrom({
        raw,
        source,
        device: evidence,
        joinType: reportedJoinType(system),
        tenantId: system.tenantId,
        dsregcmd: trustSignalsFromDsregcmd(s.rawFields),
      }),
      warnings: s.warnings,
    };
  });
  return {
    ok: true,
    report: {
      reportId: input.reportId,
      deviceId: input.deviceId,
      receivedAt: input.receivedAt.toISOString(),
      collectedAt: new Date(body.collectedAt).toISOString(),
      source: input.source,
      trust: input.trust,
      agentVersion: body.agent.version,
      agentMode: body.agent.mode,
      intuneDeviceId: body.device.intuneDeviceId?.toLowerCase() ?? null,
      device: {
        joinType: system.joinType,
        deviceId: system.deviceId,
        tenantId: system.tenantId,
        tenantName: system.tenantName,
        deviceName: body.device.name,
        osVersion: body.device.osVersion,
        evidence,
        warnings: system.warnings,
      },
      users,
      rawBody: input.rawBody,
    },
  };
}
