/**
 * Fleet blockers: tenant-wide conditions that stop every non-destructive reset, whatever a
 * device reports (the registry's `fleet` codes). They head the summary and the weekly report;
 * on devices they are warnings, never reasons.
 */

import type { TenantReadinessState } from './inputs.js';
import type { ReasonCode } from './registry.js';
import { reasonDefinition } from './registry.js';

export interface FleetBlocker {
  code: ReasonCode;
  title: string;
  action: string;
  docsUrl: string;
}

/** From the tenant readiness state the summary carries. */
export function fleetBlockers(state: TenantReadinessState | 'notCollected'): FleetBlocker[] {
  const code: ReasonCode | null =
    state === 'missing' ? 'PINRESET_APPS_MISSING' : state === 'disabled' ? 'PINRESET_APP_DISABLED' : null;
  if (!code) return [];
  const d = reasonDefinition(code);
  return [{ code, title: d.title, action: d.action, docsUrl: d.docsUrl }];
}
