/**
 * One alert evaluation: read what the last collection and recompute stored, decide which
 * conditions hold (pure rules), reconcile the Alerts table (conditional writes), send one
 * digest of what changed, record how the delivery went, and publish the open-device-alerts
 * metric. State changes never wait on, or roll back for, a failed delivery.
 */
import { randomUUID } from 'node:crypto';
import { CollectionStore } from '../collection/store.js';
import type { AlertSettings } from '../config.js';
import type { DeliveryResult, Notifier } from '../notify/types.js';
import { PostureStore } from '../posture-store/store.js';
import { invertedTime } from '../storage/keys.js';
import type { TableProvider } from '../storage/tables.js';
import type { TargetingResult } from '../targeting/types.js';
import { buildAlertDigest } from './digest.js';
import { ALERT_DIGESTS_TABLE } from './entities.js';
import { AlertStore, type AlertTransitions } from './lifecycle.js';
import { type MetricResult, OPEN_DEVICE_ALERTS_METRIC, trackMetric } from './metric.js';
import { evaluateAlertRules, TARGETED_RESULTS, undecidedAlertKeys } from './rules.js';
import type { AlertPostureFacts, StoredAlert } from './types.js';

export type AlertLog = (
  level: 'info' | 'warn' | 'error',
  event: string,
  fields: Record<string, string | number | boolean>,
) => void;

export interface AlertDeps {
  tables: TableProvider;
  settings: AlertSettings;
  /** Digest delivery; without one (or with no channel configured) the digest is only recorded. */
  notifier?: Notifier | null;
  /** Link in the digest (config.report.linkUrl). */
  linkUrl?: string;
  /** For the metric POST (tests point it at a local receiver through the connection string). */
  fetch?: typeof fetch;
  log?: AlertLog;
}

export interface AlertEvaluation {
  opened: number;
  renotified: number;
  resolved: number;
  /** Open alerts after this evaluation, every type. */
  open: number;
  openDeviceAlerts: number;
  /** At least one channel accepted the digest. */
  digestSent: boolean;
  delivery: DeliveryResult[];
  metric: MetricResult | null;
  transitions: AlertTransitions;
}

const POSTURE_COLUMNS = [
  'RowKey',
  'DeviceId',
  'DeviceName',
  'Posture',
  'DestructiveOnlySince',
  'TargetingResult',
  'TargetingPolicyIds',
  'PrimaryReason',
  'LeftIntune',
];

function iso(v: unknown): string | null {
  if (v instanceof Date) return Number.isFinite(v.getTime()) ? v.toISOString() : null;
  return typeof v === 'string' && v ? v : null;
}

function factsOf(row: Record<string, unknown>): AlertPostureFacts {
  const str = (k: string) => (typeof row[k] === 'string' ? (row[k] as string) : null);
  return {
    deviceId: str('DeviceId') ?? String(row.rowKey ?? ''),
    deviceName: str('DeviceName'),
    posture: str('Posture') ?? 'notReported',
    destructiveOnlySince: iso(row.DestructiveOnlySince),
    targetingResult: str('TargetingResult') as TargetingResult | null,
    targetingPolicyIds: str('TargetingPolicyIds') ?? '',
    primaryReason: str('PrimaryReason'),
    removed: row.LeftIntune === true,
  };
}

/** Why a device alert no longer holds, from the device's posture now. */
async function deviceResolveReason(
  posture: PostureStore,
  a: StoredAlert,
  destructiveDays: number,
): Promise<string> {
  if (!a.deviceId) return 'condition cleared';
  const stored = await posture.getPosture(a.deviceId);
  if (!stored || stored.record.removed) return 'device left scope (no longer in Intune)';
  const r = stored.record;
  if (r.posture !== 'destructiveOnly') return `device is now ${r.posture}`;
  if (!r.targetingResult || !TARGETED_RESULTS.includes(r.targetingResult))
    return `no PIN-recovery policy targets it any more (targeting ${r.targetingResult ?? 'unknown'})`;
  return `destructiveOnly for fewer than ${destructiveDays} days (state changed since)`;
}

/** Records one digest: what changed, which channels took it, and short delivery errors. */
export async function recordDigest(
  tables: TableProvider,
  now: Date,
  t: AlertTransitions,
  delivery: DeliveryResult[],
): Promise<void> {
  const table = await tables.table(ALERT_DIGESTS_TABLE);
  await table.createEntity({
    partitionKey: 'digest',
    // Newest first; the uuid keeps two evaluations in the same millisecond apart.
    rowKey: `${invertedTime(now)}_${randomUUID()}`,
    EvaluatedAt: now,
    Opened: t.opened.length,
    Renotified: t.renotified.length,
    Resolved: t.resolved.length,
    Channels: delivery.map((d) => d.channel).join(','),
    Sent: delivery.some((d) => d.ok),
    Attempts: delivery.reduce((n, d) => n + d.attempts, 0),
    // Delivery errors are short reasons (status, code) by the notifier's contract: no URL, no body.
    Errors: JSON.stringify(
      delivery
        .filter((d) => !d.ok)
        .map((d) => ({ channel: d.channel, status: d.status, error: d.error ?? '' })),
    ),
  });
}

export async function evaluateAlerts(deps: AlertDeps, now: Date): Promise<AlertEvaluation> {
  const log: AlertLog = deps.log ?? (() => {});
  const posture = new PostureStore(deps.tables);
  const collection = new CollectionStore(deps.tables);
  const alerts = new AlertStore(deps.tables);

  const [postures, tenant, latestRun, summary, policies] = await Promise.all([
    (async () => {
      const out: AlertPostureFacts[] = [];
      for await (const row of posture.deviceRows({ posture: 'destructiveOnly' }, POSTURE_COLUMNS))
        out.push(factsOf(row));
      return out;
    })(),
    collection.tenantReadiness(),
    collection.latestRun(),
    posture.readSummary(),
    collection.listPolicies(),
  ]);

  const input = {
    postures,
    readiness: tenant?.readiness ?? null,
    latestRun,
    lastSuccessfulCollectionAt: summary?.lastCollectionAt ?? null,
    lastReportAt: summary?.lastReportAt ?? null,
    policyNames: new Map(policies.map((p) => [p.id, p.name])),
    now,
    settings: { destructiveDays: deps.settings.destructiveDays, silenceHours: deps.settings.silenceHours },
  };
  const desired = evaluateAlertRules(input);
  const transitions = await alerts.reconcile(desired, {
    now,
    renotifyDays: deps.settings.renotifyDays,
    undecided: undecidedAlertKeys(input),
    resolveReason: (a) =>
      a.type === 'DEVICE_DESTRUCTIVE_ONLY'
        ? deviceResolveReason(posture, a, deps.settings.destructiveDays)
        : 'condition cleared',
  });

  const openRows = await alerts.listOpen();
  const openDeviceAlerts = openRows.filter((a) => a.type === 'DEVICE_DESTRUCTIVE_ONLY').length;

  let delivery: DeliveryResult[] = [];
  const digest = buildAlertDigest(transitions, {
    openCount: openRows.length,
    ...(deps.linkUrl ? { linkUrl: deps.linkUrl } : {}),
  });
  if (digest) {
    try {
      delivery = deps.notifier ? await deps.notifier.sendDigest(digest) : [];
    } catch (err) {
      // The notifier returns results, but a bug there must not lose the recorded transitions.
      log('error', 'alerts_digest_failed', { error: err instanceof Error ? err.name : 'error' });
    }
    if (delivery.length === 0)
      log('warn', 'alerts_digest_no_channel', {
        changes: transitions.opened.length + transitions.renotified.length + transitions.resolved.length,
      });
    try {
      await recordDigest(deps.tables, now, transitions, delivery);
    } catch (err) {
      log('error', 'alerts_digest_record_failed', { error: err instanceof Error ? err.name : 'error' });
    }
  }
  const digestSent = delivery.some((d) => d.ok);

  let metric: MetricResult | null = null;
  if (deps.settings.appInsightsConnectionString) {
    metric = await trackMetric(
      deps.settings.appInsightsConnectionString,
      OPEN_DEVICE_ALERTS_METRIC,
      openDeviceAlerts,
      now,
      {
        ...(deps.fetch ? { fetch: deps.fetch } : {}),
      },
    );
  }
  log(metric && !metric.sent ? 'warn' : 'info', 'alerts_metric', {
    name: OPEN_DEVICE_ALERTS_METRIC,
    value: openDeviceAlerts,
    sent: metric?.sent ?? false,
    status: metric?.status ?? 0,
  });

  const result: AlertEvaluation = {
    opened: transitions.opened.length,
    renotified: transitions.renotified.length,
    resolved: transitions.resolved.length,
    open: openRows.length,
    openDeviceAlerts,
    digestSent,
    delivery,
    metric,
    transitions,
  };
  log('info', 'alerts_evaluated', {
    opened: result.opened,
    renotified: result.renotified,
    resolved: result.resolved,
    open: result.open,
    openDeviceAlerts,
    digestSent,
  });
  return result;
}
