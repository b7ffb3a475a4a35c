/**
 * The report body (docs/agent-protocol.md, shared/ingest/report-schema.json). The agent sends
 * raw command output and raw registry values; parsing and interpreting is the service's job,
 * so this only assembles. With evidence (device or any user) the body is schemaVersion 2,
 * without it schemaVersion 1, byte for byte what a v1 agent sends.
 */
import type {
  RawDeviceEvidence,
  RawUserEvidence,
  ReportBody,
  ReportBodyV1,
  ReportBodyV2,
} from '../../shared/ingest/report-schema.js';

export type { ReportBody, ReportBodyV1, ReportBodyV2 };

export interface ReportUserInput {
  upn: string;
  sid: string;
  dsregcmd: string;
  passportKeys?: string;
  /** Registry evidence read for this user (schema v2). */
  evidence?: RawUserEvidence;
}

export interface ReportBodyInput {
  deviceName: string;
  osVersion: string;
  intuneDeviceId?: string;
  systemDsregcmd: string;
  users: ReportUserInput[];
  /** RFC 3339 UTC. */
  collectedAt: string;
  agentVersion: string;
  agentMode?: string;
  /** Device-wide registry evidence (schema v2). */
  evidence?: RawDeviceEvidence;
}

export function buildReportBody(input: ReportBodyInput): ReportBody {
  const v2 = input.evidence !== undefined || input.users.some((u) => u.evidence !== undefined);
  const common = {
    collectedAt: input.collectedAt,
    agent: { version: input.agentVersion, mode: input.agentMode ?? 'scheduled-task' },
    device: {
      name: input.deviceName,
      osVersion: input.osVersion,
      ...(input.intuneDeviceId ? { intuneDeviceId: input.intuneDeviceId } : {}),
    },
    system: { dsregcmd: input.systemDsregcmd },
  };
  const user = (u: ReportUserInput) => ({
    upn: u.upn,
    sid: u.sid,
    dsregcmd: u.dsregcmd,
    ...(u.passportKeys !== undefined ? { passportKeys: u.passportKeys } : {}),
  });
  if (!v2) {
    const body: ReportBodyV1 = { schemaVersion: 1, ...common, users: input.users.map(user) };
    return body;
  }
  const body: ReportBodyV2 = {
    schemaVersion: 2,
    ...common,
    ...(input.evidence !== undefined ? { evidence: input.evidence } : {}),
    users: input.users.map((u) => ({
      ...user(u),
      ...(u.evidence !== undefined ? { evidence: u.evidence } : {}),
    })),
  };
  return body;
}
