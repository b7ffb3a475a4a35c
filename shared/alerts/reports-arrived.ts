/**
 * "No reports from agents" ends when a report arrives, not at the next collection hours later.
 * Called after an accepted upload's recompute (the queue worker): a point read of the one
 * tenant alert row, and only while it is open, a check of the rule against the summary the
 * recompute just moved, an etag-guarded resolve, and the resolution's digest. Whoever wins the
 * resolve sends the digest, so a burst of first uploads announces it once.
 */
import type { AlertSettings } from '../config.js';
import type { Notifier } from '../notify/types.js';
import { PostureStore } from '../posture-store/store.js';
import type { TableProvider } from '../storage/tables.js';
import { buildAlertDigest } from './digest.js';
import { alertRowKey } from './entities.js';
import { type AlertLog, recordDigest } from './evaluate.js';
import { AlertStore } from './lifecycle.js';
import { TENANT_PARTITION } from './rules.js';
import type { StoredAlert } from './types.js';

const HOUR_MS = 3_600_000;

export interface ReportsArrivedDeps {
  tables: TableProvider;
  settings: Pick<AlertSettings, 'silenceHours'>;
  notifier?: Notifier | null;
  linkUrl?: string;
  log?: AlertLog;
}

/** The resolved alert when this call closed an open NO_REPORTS alert, else null. Never throws. */
export async function resolveNoReportsAlert(
  deps: ReportsArrivedDeps,
  now: Date,
): Promise<StoredAlert | null> {
  const log: AlertLog = deps.log ?? (() => {});
  try {
    const alerts = new AlertStore(deps.tables);
    const open = await alerts.get(TENANT_PARTITION, alertRowKey('NO_REPORTS'));
    if (open?.status !== 'open') return null;
    // The rule (rules.ts) holds while the newest report is older than silenceHours.
    const lastReportAt = (await new PostureStore(deps.tables).readSummary())?.lastReportAt ?? null;
    const age = lastReportAt ? now.getTime() - Date.parse(lastReportAt) : Number.POSITIVE_INFINITY;
    if (!(age < deps.settings.silenceHours * HOUR_MS)) return null;
    const resolved = await alerts.resolveOne(open, {
      now,
      resolveReason: () => `device reports are arriving again (newest ${lastReportAt})`,
    });
    if (!resolved) return null;
    log('info', 'alerts_no_reports_resolved', { alertKey: resolved.key });
    const transitions = { opened: [], renotified: [], resolved: [resolved] };
    const digest = buildAlertDigest(transitions, {
      openCount: (await alerts.listOpen()).length,
      ...(deps.linkUrl ? { linkUrl: deps.linkUrl } : {}),
    });
    const delivery = digest && deps.notifier ? await deps.notifier.sendDigest(digest) : [];
    await recordDigest(deps.tables, now, transitions, delivery);
    return resolved;
  } catch (err) {
    // The upload and its posture are done; the next evaluation resolves the alert instead.
    log('error', 'alerts_no_reports_resolve_failed', { error: err instanceof Error ? err.name : 'error' });
    return null;
  }
}
