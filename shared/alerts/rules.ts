/**
 * Which alert conditions hold now. Pure: the same inputs give the same alerts, so the
 * lifecycle can reconcile them with the stored rows and two evaluators agree.
 *
 * "A PIN-recovery policy targets it" means targeting result enabled, conflict,
 * dependsOnFilter or unsupportedAssignment: each says a policy that turns recovery on reaches
 * the device (for a conflict, a filter or a user/device group mix, maybe not effectively —
 * which is itself what the operator must fix).
 * disabled (a policy deliberately turns it off) and notConfigured (no policy) do not alert:
 * nobody promised those devices a non-destructive reset.
 */
import type { RunRecord } from '../collection/run-record.js';
import type { TenantReadiness } from '../posture/inputs.js';
import type { TargetingResult } from '../targeting/types.js';
import type { AlertPostureFacts, AlertRuleSettings, DesiredAlert } from './types.js';

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;
/** "No successful collection in 24 hours" from the issue. */
export const DEFAULT_COLLECTION_MAX_AGE_HOURS = 24;

export const TARGETED_RESULTS: readonly TargetingResult[] = [
  'enabled',
  'conflict',
  'dependsOnFilter',
  'unsupportedAssignment',
];

export const TENANT_PARTITION = 'tenant';

export function deviceAlertKey(deviceId: string): string {
  return `DEVICE_DESTRUCTIVE_ONLY|${deviceId.toLowerCase()}`;
}

export interface AlertRuleInput {
  postures: Iterable<AlertPostureFacts>;
  /** Tenant readiness from the last run that read it; null before any. */
  readiness: TenantReadiness | null;
  /** The newest collection run, any status; null before the first. */
  latestRun: Pick<RunRecord, 'status' | 'startedAt' | 'endedAt' | 'runId'> | null;
  /** End of the newest successful collection (Summary.lastCollectionAt); null when unknown. */
  lastSuccessfulCollectionAt: string | null;
  /** Newest report any device sent (Summary.lastReportAt); null when none. */
  lastReportAt: string | null;
  /** Policy names by id, so an alert names policies as the admin center does (ids otherwise). */
  policyNames?: ReadonlyMap<string, string>;
  now: Date;
  settings: AlertRuleSettings;
}

/** Whole days from `since` to `now` (0 when unreadable or in the future). */
export function daysBetween(since: string | null, now: Date): number {
  const t = since ? Date.parse(since) : Number.NaN;
  if (!Number.isFinite(t)) return 0;
  return Math.max(0, Math.floor((now.getTime() - t) / DAY_MS));
}

function newer(a: string | null, b: string | null): string | null {
  const ta = a ? Date.parse(a) : Number.NaN;
  const tb = b ? Date.parse(b) : Number.NaN;
  if (!Number.isFinite(ta)) return Number.isFinite(tb) ? b : null;
  if (!Number.isFinite(tb)) return a;
  return ta >= tb ? a : b;
}

/** "Policy A", or "policies A, B": names where known, else ids (as stored on the posture row). */
export function policyLabel(ids: string, names?: ReadonlyMap<string, string>): string {
  const list = ids.split(',').filter(Boolean);
  const shown = list.map((id) => {
    const name = names?.get(id)?.trim();
    return name ? `"${name}"` : id;
  });
  return `${list.length === 1 ? 'policy' : 'policies'} ${shown.join(', ')}`;
}

export function deviceAlert(
  p: AlertPostureFacts,
  now: Date,
  destructiveDays: number,
  policyNames?: ReadonlyMap<string, string>,
): DesiredAlert | null {
  if (p.removed || p.posture !== 'destructiveOnly') return null;
  if (!p.targetingResult || !TARGETED_RESULTS.includes(p.targetingResult)) return null;
  if (!p.destructiveOnlySince || !Number.isFinite(Date.parse(p.destructiveOnlySince))) return null;
  const days = daysBetween(p.destructiveOnlySince, now);
  if (days < destructiveDays) return null;
  const policies = p.targetingPolicyIds ? ` (${policyLabel(p.targetingPolicyIds, policyNames)})` : '';
  const reason = p.primaryReason ? `; primary reason ${p.primaryReason}` : '';
  return {
    key: deviceAlertKey(p.deviceId),
    type: 'DEVICE_DESTRUCTIVE_ONLY',
    severity: 'warning',
    deviceId: p.deviceId.toLowerCase(),
    deviceName: p.deviceName,
    since: p.destructiveOnlySince,
    details: `destructiveOnly for ${days} days while PIN recovery targeting is ${p.targetingResult}${policies}${reason}`,
  };
}

function tenantAlert(
  type: DesiredAlert['type'],
  severity: DesiredAlert['severity'],
  since: string | null,
  details: string,
): DesiredAlert {
  return { key: type, type, severity, deviceId: null, deviceName: null, since, details };
}

export function evaluateAlertRules(input: AlertRuleInput): DesiredAlert[] {
  const { now, settings } = input;
  const out: DesiredAlert[] = [];
  for (const p of input.postures) {
    const a = deviceAlert(p, now, settings.destructiveDays, input.policyNames);
    if (a) out.push(a);
  }

  const state = input.readiness?.state;
  if (state === 'missing') {
    const missing = [
      input.readiness?.service.present === false ? 'PIN reset service' : null,
      input.readiness?.client.present === false ? 'PIN reset client' : null,
    ].filter(Boolean);
    out.push(
      tenantAlert(
        'PINRESET_APPS_MISSING',
        'critical',
        null,
        `Microsoft PIN reset apps not consented in the tenant (${missing.join(' and ') || 'one of them'}): no device can reset its PIN non-destructively`,
      ),
    );
  } else if (state === 'disabled') {
    out.push(
      tenantAlert(
        'PINRESET_APP_DISABLED',
        'critical',
        null,
        'A Microsoft PIN reset enterprise app is disabled for sign-in: non-destructive resets fail',
      ),
    );
  }

  const maxAgeMs = (settings.collectionMaxAgeHours ?? DEFAULT_COLLECTION_MAX_AGE_HOURS) * HOUR_MS;
  const run = input.latestRun;
  const lastSuccess = newer(
    input.lastSuccessfulCollectionAt,
    run?.status === 'succeeded' ? run.endedAt || null : null,
  );
  const successAgeMs = lastSuccess ? now.getTime() - Date.parse(lastSuccess) : Number.POSITIVE_INFINITY;
  if (run?.status === 'failed') {
    out.push(
      tenantAlert(
        'COLLECTION_FAILING',
        'warning',
        lastSuccess,
        `The latest collection run failed (${run.runId})${lastSuccess ? `; last success ${lastSuccess}` : '; no successful run known'}`,
      ),
    );
  } else if (successAgeMs >= maxAgeMs) {
    out.push(
      tenantAlert(
        'COLLECTION_FAILING',
        'warning',
        lastSuccess,
        lastSuccess
          ? `No successful collection since ${lastSuccess}`
          : 'No successful collection has run yet',
      ),
    );
  }

  const silenceMs = settings.silenceHours * HOUR_MS;
  const lastReport = input.lastReportAt;
  const reportAgeMs = lastReport ? now.getTime() - Date.parse(lastReport) : Number.POSITIVE_INFINITY;
  if (!(reportAgeMs < silenceMs)) {
    out.push(
      tenantAlert(
        'NO_REPORTS',
        'warning',
        lastReport,
        lastReport
          ? `No device report received since ${lastReport} (more than ${settings.silenceHours} hours): agents silent`
          : 'No device report has been received yet: is the agent deployed?',
      ),
    );
  }
  return out;
}

/**
 * Alerts whose condition cannot be judged from these inputs: an open one is neither
 * resolved nor re-notified (an unknown readiness after a Graph hiccup must not resolve
 * "apps missing" only to reopen it on the next run).
 */
export function undecidedAlertKeys(input: Pick<AlertRuleInput, 'readiness'>): string[] {
  const state = input.readiness?.state;
  if (state === undefined || state === 'unknown') return ['PINRESET_APPS_MISSING', 'PINRESET_APP_DISABLED'];
  return [];
}
