/**
 * One simulated device's report body, as the Windows agent would build it: the SYSTEM
 * dsregcmd run plus one run per signed-in user, rendered in the current Windows layout.
 * The demo stack, the benchmarks and the tests upload these.
 */
import { buildReportBody, type ReportBody } from '../agent/reference/report-body.js';
import { rfc3339Now } from '../agent/reference/signed-upload.js';
import type { RawDeviceEvidence, RawUserEvidence } from '../shared/ingest/report-schema.js';
import { type RenderedDevice, type RenderedUser, renderDsregcmdStatus } from './dsregcmd-render.js';

export interface DemoUser extends RenderedUser {
  sid: string;
  /** Registry evidence read for this user: makes the body schemaVersion 2. */
  evidence?: RawUserEvidence;
}

export interface DemoReportInput {
  device: RenderedDevice;
  users: DemoUser[];
  osVersion?: string;
  agentVersion?: string;
  collectedAt?: string;
  /** Device-wide registry evidence: makes the body schemaVersion 2. */
  evidence?: RawDeviceEvidence;
}

export function demoReportBody(input: DemoReportInput): ReportBody {
  return buildReportBody({
    deviceName: input.device.deviceName,
    osVersion: input.osVersion ?? '10.0.22631.4460',
    systemDsregcmd: renderDsregcmdStatus(input.device),
    collectedAt: input.collectedAt ?? rfc3339Now(),
    agentVersion: input.agentVersion ?? 'demo',
    ...(input.evidence ? { evidence: input.evidence } : {}),
    users: input.users.map((u) => ({
      upn: u.upn,
      sid: u.sid,
      dsregcmd: renderDsregcmdStatus(input.device, u),
      ...(u.evidence ? { evidence: u.evidence } : {}),
    })),
  });
}
