/**
 * The report body, schemaVersion 1 (handbook agent-protocol.md). The agent sends raw
 * command output; parsing is the service's job, so this only assembles.
 */
export interface ReportUserInput {
  upn: string;
  sid: string;
  dsregcmd: string;
  passportKeys?: string;
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
}

export interface ReportBodyV1 {
  schemaVersion: 1;
  collectedAt: string;
  agent: { version: string; mode: string };
  device: { name: string; osVersion: string; intuneDeviceId?: string };
  system: { dsregcmd: string };
  users: Array<{ upn: string; sid: string; dsregcmd: string; passportKeys?: string }>;
}

export function buildReportBody(input: ReportBodyInput): ReportBodyV1 {
  return {
    schemaVersion: 1,
    collectedAt: input.collectedAt,
    agent: { version: input.agentVersion, mode: input.agentMode ?? 'scheduled-task' },
    device: {
      name: input.deviceName,
      osVersion: input.osVersion,
      ...(input.intuneDeviceId ? { intuneDeviceId: input.intuneDeviceId } : {}),
    },
    system: { dsregcmd: input.systemDsregcmd },
    users: input.users.map((u) => ({
      upn: u.upn,
      sid: u.sid,
      dsregcmd: u.dsregcmd,
      ...(u.passportKeys !== undefined ? { passportKeys: u.passportKeys } : {}),
    })),
  };
}
