/**
 * A Remediations run state → AcceptedReport, or the reason it cannot be one. Pure.
 * Graph is the authenticated channel (agent-protocol.md "Second path"), so a report built
 * here is `verified` without a device signature; what Graph cannot vouch for (the JSON the
 * script printed) is checked against what it can (managedDevice.azureADDeviceId).
 */
import { createHash } from 'node:crypto';
import { deriveJoinType } from '../dsregcmd/join-type.js';
import type { CanReset } from '../dsregcmd/types.js';
import { userKeyOf } from '../ingest/assemble-report.js';
import { deviceEvidenceFrom, userEvidenceFrom } from '../ingest/evidence.js';
import type { AcceptedReport } from '../reports/model.js';
import { parseRemediationOutput, type RemediationOutputFailure } from './output.js';
import type { RunStateRecord } from './run-state.js';

export type RemediationRejectReason =
  | RemediationOutputFailure
  /** Graph returned the run state without its managedDevice (device deleted since). */
  | 'no_managed_device'
  /** detectionState scriptError, or preRemediationDetectionScriptError set. */
  | 'script_error'
  /** managedDevice.azureADDeviceId empty or all zeros: no Entra device to file it under. */
  | 'no_device_id'
  /** The script printed another DeviceId than Intune knows for this device. */
  | 'device_mismatch'
  /** lastStateUpdateDateTime missing or not a date. */
  | 'bad_timestamp'
  /** The script caught an error and printed no user state. */
  | 'script_reported_error'
  /** No UPN: the script did not run in a signed-in Entra user's session, so User State is not valid. */
  | 'no_user';

export type RunStateConversion =
  | { ok: true; report: AcceptedReport }
  | { ok: false; reason: RemediationRejectReason; message: string };

const CAN_RESET_VALUES: ReadonlySet<string> = new Set<CanReset>([
  'DestructiveOnly',
  'NonDestructiveOnly',
  'DestructiveAndNonDestructive',
  'Unknown',
  'NO',
]);

/**
 * UUID-shaped (version 8, RFC 9562 custom) SHA-256 of (script, device, state time): the same
 * run state always gives the same id, so a re-run's commit is a replay, never a duplicate.
 */
export function remediationReportId(
  scriptId: string,
  managedDeviceId: string,
  lastStateUpdateDateTime: string,
): string {
  const h = createHash('sha256')
    .update(`${scriptId.toLowerCase()}\n${managedDeviceId.toLowerCase()}\n${lastStateUpdateDateTime}`)
    .digest();
  h[6] = ((h[6] as number) & 0x0f) | 0x80;
  h[8] = ((h[8] as number) & 0x3f) | 0x80;
  const x = h.subarray(0, 16).toString('hex');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}

/** The nonce a remediation report is committed with: one per report, so a re-run is a replay. */
export function remediationNonce(reportId: string): string {
  return `rem-${reportId}`;
}

const reject = (reason: RemediationRejectReason, message: string): RunStateConversion => ({
  ok: false,
  reason,
  message,
});

export function runStateToReport(rs: RunStateRecord, scriptId: string): RunStateConversion {
  if (!rs.managedDeviceId) return reject('no_managed_device', 'the run state has no managedDevice');
  if (rs.detectionState?.toLowerCase() === 'scripterror' || rs.scriptError !== null) {
    return reject('script_error', 'the detection script failed on the device');
  }
  const parsed = parseRemediationOutput(rs.output);
  // The parser's message may quote the output; callers log only the reason.
  if (!parsed.ok) return reject(parsed.reason, parsed.message);
  const out = parsed.value;

  const deviceId = rs.azureADDeviceId;
  if (!deviceId) return reject('no_device_id', 'the managed device has no Entra device id');
  if (out.deviceId !== null && out.deviceId !== deviceId) {
    return reject('device_mismatch', 'the script printed another DeviceId than Intune has');
  }
  const at = rs.lastStateUpdateDateTime === null ? Number.NaN : Date.parse(rs.lastStateUpdateDateTime);
  if (!Number.isFinite(at)) return reject('bad_timestamp', 'lastStateUpdateDateTime is not a date');
  if (out.err !== null && out.canReset === null && out.ngcSet === null) {
    return reject('script_reported_error', 'the script reported an error and no user state');
  }
  // whoami /upn fails under SYSTEM and for local accounts: such a run cannot speak for a user.
  const upn = out.upn?.trim() || null;
  if (!upn) return reject('no_user', 'the script printed no UPN (not run as the signed-in user)');

  const stateTime = new Date(at).toISOString();
  const reportId = remediationReportId(scriptId, rs.managedDeviceId, rs.lastStateUpdateDateTime as string);
  const userWarnings: string[] = [];
  let canReset: CanReset | null = null;
  if (out.canReset !== null) {
    if (CAN_RESET_VALUES.has(out.canReset)) canReset = out.canReset as CanReset;
    else userWarnings.push('CanReset value is not recognised; canReset left null');
  }
  const deviceWarnings: string[] = [];
  if (out.err !== null)
    deviceWarnings.push('the detection script reported an error; some fields may be missing');
  const join = deriveJoinType({
    azureAdJoined: yesNo(out.aadJoined),
    enterpriseJoined: undefined,
    domainJoined: yesNo(out.domainJoined),
    workplaceJoined: undefined,
  });
  // The same mapping as uploads: a v2 line's compact evidence arrives in the upload's raw shape.
  const deviceEvidence = deviceEvidenceFrom(out.deviceEvidence, 'remediation');
  const userEvidence = userEvidenceFrom({
    raw: out.userEvidence,
    source: 'remediation',
    device: deviceEvidence,
    joinType: out.aadJoined === null && out.domainJoined === null ? null : join.joinType,
    tenantId: out.tenantId,
    dsregcmd: out.trustSignals,
  });

  return {
    ok: true,
    report: {
      reportId,
      deviceId,
      // Intune received the state then; ordering against agent uploads and staleness must follow
      // when the device was observed, not when we happened to read Graph.
      receivedAt: stateTime,
      collectedAt: stateTime,
      source: 'remediation',
      trust: 'verified',
      agentVersion: null,
      agentMode: null,
      intuneDeviceId: rs.managedDeviceId,
      device: {
        joinType: join.joinType,
        deviceId,
        tenantId: out.tenantId,
        tenantName: null,
        deviceName: rs.deviceName,
        osVersion: out.os ?? rs.osVersion,
        evidence: deviceEvidence,
        warnings: [...deviceWarnings, ...join.warnings],
      },
      users: [
        {
          userKey: userKeyOf({ upn }),
          upn,
          sid: null,
          canReset,
          canResetRaw: out.canReset,
          ngcSet: out.ngcSet,
          ngcKeyId: out.ngcKeyId,
          notUserContext: false,
          evidence: userEvidence,
          warnings: userWarnings,
        },
      ],
      rawBody: rs.output as string,
    },
  };
}

function yesNo(v: boolean | null): string | undefined {
  if (v === null) return undefined;
  return v ? 'YES' : 'NO';
}
