/**
 * One deviceRunStates item (beta, graph.md §11) with its expanded managedDevice, read into the
 * few fields the Remediations path needs. Pure and tolerant: Graph JSON is untyped input.
 */
import { normalGuid, str } from '../graph/collectors/odata.js';

/** Properties of the expanded managedDevice we ask for. */
export const RUN_STATE_MANAGED_DEVICE_SELECT = [
  'id',
  'deviceName',
  'azureADDeviceId',
  'userPrincipalName',
  'osVersion',
] as const;

/** Intune's $top ceiling (graph.md §11 notes no smaller limit for run states; the simulator clamps at it). */
export const RUN_STATES_PAGE_SIZE = 1000;

/** Relative to the beta root; the script id is a GUID (config checks it), encoded anyway. */
export function runStatesPath(scriptId: string): string {
  return (
    `/deviceManagement/deviceHealthScripts/${encodeURIComponent(scriptId)}/deviceRunStates` +
    `?$expand=managedDevice($select=${RUN_STATE_MANAGED_DEVICE_SELECT.join(',')})` +
    `&$top=${RUN_STATES_PAGE_SIZE}`
  );
}

export interface RunStateRecord {
  /** managedDevice.id, lower case; null when Graph returned no managed device. */
  managedDeviceId: string | null;
  deviceName: string | null;
  /** Entra device id, lower case; null when absent or all zeros (not registered in Entra). */
  azureADDeviceId: string | null;
  /** Intune's primary user; informative only (the script says who ran it). */
  primaryUserPrincipalName: string | null;
  osVersion: string | null;
  detectionState: string | null;
  lastStateUpdateDateTime: string | null;
  /** Exactly as Graph returned it (never trimmed: it is the report's raw body). */
  output: string | null;
  /** Non-empty preRemediationDetectionScriptError. */
  scriptError: string | null;
}

export function parseRunState(raw: unknown): RunStateRecord {
  const md = raw && typeof raw === 'object' ? (raw as Record<string, unknown>).managedDevice : undefined;
  const text = (o: unknown, k: string) => {
    const v = str(o, k);
    return v === null || v.trim() === '' ? null : v;
  };
  return {
    managedDeviceId: text(md, 'id')?.toLowerCase() ?? null,
    deviceName: text(md, 'deviceName'),
    azureADDeviceId: normalGuid(str(md, 'azureADDeviceId')),
    primaryUserPrincipalName: text(md, 'userPrincipalName'),
    osVersion: text(md, 'osVersion'),
    detectionState: text(raw, 'detectionState'),
    lastStateUpdateDateTime: text(raw, 'lastStateUpdateDateTime'),
    output: str(raw, 'preRemediationDetectionScriptOutput'),
    scriptError: text(raw, 'preRemediationDetectionScriptError'),
  };
}
