/**
 * One simulated device's report body, as the Windows agent would build it: the SYSTEM
 * dsregcmd run plus one run per signed-in user, rendered in the current Windows layout, and
 * (schemaVersion 2, the default) the registry evidence the agent reads, derived from the same
 * facts (dev/demo-evidence.ts) unless given. The demo stack, the benchmarks and the tests
 * upload these.
 */
import { buildReportBody, type ReportBody } from '../agent/reference/report-body.js';
import { rfc3339Now } from '../agent/reference/signed-upload.js';
import type { RawDeviceEvidence, RawUserEvidence } from '../shared/ingest/report-schema.js';
import { demoDeviceEvidence, demoUserEvidence } from './demo-evidence.js';
import { type RenderedDevice, type RenderedUser, renderDsregcmdStatus } from './dsregcmd-render.js';

export interface DemoUser extends RenderedUser {
  sid: string;
  /** Registry evidence read for this user; default: nothing set. */
  evidence?: RawUserEvidence;
}

export interface DemoReportInput {
  device: RenderedDevice;
  users: DemoUser[];
  osVersion?: string;
  agentVersion?: string;
  collectedAt?: string;
  /** Device-wide registry evidence; default derived from the device's facts. */
  evidence?: RawDeviceEvidence;
  /** Intune skuFamily or EditionID for the derived evidence (default Enterprise). */
  edition?: string;
  /** 1: the body a version 1 agent sends, no evidence at all. Default 2. */
  schemaVersion?: 1 | 2;
}

export function demoReportBody(input: DemoReportInput): ReportBody {
  const osVersion = input.osVersion ?? '10.0.22631.4460';
  const v2 = (input.schemaVersion ?? 2) === 2;
  const evidence = v2
    ? (input.evidence ??
      demoDeviceEvidence({ device: input.device, users: input.users, osVersion, edition: input.edition }))
    : undefined;
  return buildReportBody({
    deviceName: input.device.deviceName,
    osVersion,
    systemDsregcmd: renderDsregcmdStatus(input.device),
    collectedAt: input.collectedAt ?? rfc3339Now(),
    agentVersion: input.agentVersion ?? 'demo',
    ...(evidence ? { evidence } : {}),
    users: input.users.map((u) => ({
      upn: u.upn,
      sid: u.sid,
      dsregcmd: renderDsregcmdStatus(input.device, u),
      ...(v2 ? { evidence: u.evidence ?? demoUserEvidence() } : {}),
    })),
  });
}
