/**
 * One simulated device's report body, as the Windows agent would build it: the SYSTEM
 * dsregcmd run plus one run per signed-in user, rendered in the current Windows layout.
 * The demo stack, the benchmarks and the tests upload these.
 */
import { buildReportBody, type ReportBodyV1 } from '../agent/reference/report-body.js';
import { rfc3339Now } from '../agent/reference/signed-upload.js';
import { type RenderedDevice, type RenderedUser, renderDsregcmdStatus } from './dsregcmd-render.js';

export interface DemoUser extends RenderedUser {
  sid: string;
}

export interface DemoReportInput {
  device: RenderedDevice;
  users: DemoUser[];
  osVersion?: string;
  agentVersion?: string;
  collectedAt?: string;
}

export function demoReportBody(input: DemoReportInput): ReportBodyV1 {
  return buildReportBody({
    deviceName: input.device.deviceName,
    osVersion: input.osVersion ?? '10.0.22631.4460',
    systemDsregcmd: renderDsregcmdStatus(input.device),
    collectedAt: input.collectedAt ?? rfc3339Now(),
    agentVersion: input.agentVersion ?? 'demo',
    users: input.users.map((u) => ({
      upn: u.upn,
      sid: u.sid,
      dsregcmd: renderDsregcmdStatus(input.device, u),
    })),
  });
}
