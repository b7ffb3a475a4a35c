/**
 * The Remediations path (agent-protocol.md "Second path"): reads the detection script's run
 * states from Graph and stores each usable one as a `remediation` report, exactly as an
 * upload is stored (TableReportStore.commit + project), so posture reads both alike.
 *
 * Idempotent by construction: the report id and nonce derive from the run state, so a re-run
 * (or a crash between commit and watermark) replays instead of duplicating; the watermark only
 * saves the commit's round trips for states already stored.
 */
import { RestError } from '@azure/data-tables';
import type { GraphPort } from '../graph/port.js';
import { keyPart } from '../storage/keys.js';
import { type TableReportStore, utcDay } from '../storage/report-store.js';
import type { TableProvider } from '../storage/tables.js';
import { type RemediationRejectReason, remediationNonce, runStateToReport } from './report.js';
import { parseRunState, runStatesPath } from './run-state.js';
import { RemediationWatermarks, type Watermark } from './watermark.js';

/** Nonces of remediation reports outlive the 7-day reporting cycle of Remediations several times. */
export const REMEDIATION_NONCE_DAYS = 30;
/**
 * Daily count a remediation commit may reach. Generous: it shares the device's counter with
 * uploads only so the commit stays one transaction; one run state a day is the normal rate.
 */
export const REMEDIATION_DAILY_LIMIT = 1000;

export type RemediationLog = (
  level: 'info' | 'warn' | 'error',
  event: string,
  fields: Record<string, unknown>,
) => void;

export interface CollectRemediationInput {
  graph: GraphPort;
  store: TableReportStore;
  tables: TableProvider;
  /** deviceHealthScript id (config.collection.remediationScriptId). */
  scriptId: string;
  now?: Date;
  log?: RemediationLog;
  /** Commits in flight at once (each is a few Table round trips to one device partition). */
  concurrency?: number;
}

export type RemediationSkipReason = RemediationRejectReason | 'rate_limited';

export interface RemediationRejection {
  /** managedDevice.id, or '' when Graph returned none. */
  managedDeviceId: string;
  reason: RemediationSkipReason;
}

export interface RemediationCollectResult {
  /** Run states listed. */
  seen: number;
  /** New reports committed. */
  stored: number;
  /** Already stored: the watermark matched, or the commit was a replay. */
  skippedUnchanged: number;
  /** Not stored, with why; logged without the output text. Re-evaluated on every run. */
  rejected: RemediationRejection[];
}

export async function collectRemediationReports(
  input: CollectRemediationInput,
): Promise<RemediationCollectResult> {
  const { graph, store, scriptId } = input;
  const now = input.now ?? new Date();
  const log: RemediationLog = input.log ?? (() => {});
  const concurrency = Math.max(1, input.concurrency ?? 8);
  const watermarks = new RemediationWatermarks(input.tables);
  const known = await watermarks.load(scriptId);
  const result: RemediationCollectResult = { seen: 0, stored: 0, skippedUnchanged: 0, rejected: [] };
  const nonceExpiry = new Date(now.getTime() + REMEDIATION_NONCE_DAYS * 86_400_000);
  const limit = { day: utcDay(now), max: REMEDIATION_DAILY_LIMIT };

  const rejectState = (managedDeviceId: string, reason: RemediationSkipReason) => {
    result.rejected.push({ managedDeviceId, reason });
    log('warn', 'remediation_rejected', { scriptId, managedDeviceId, reason });
  };

  for await (const page of graph.pages<unknown>(runStatesPath(scriptId), { version: 'beta' })) {
    const marks = new Map<string, Watermark>();
    const commits: (() => Promise<void>)[] = [];
    for (const raw of page) {
      result.seen++;
      const rs = parseRunState(raw);
      const mark = rs.managedDeviceId ? known.get(keyPart(rs.managedDeviceId)) : undefined;
      if (mark && mark.lastStateUpdateDateTime === rs.lastStateUpdateDateTime) {
        result.skippedUnchanged++;
        continue;
      }
      const conv = runStateToReport(rs, scriptId);
      if (!conv.ok) {
        rejectState(rs.managedDeviceId ?? '', conv.reason);
        continue;
      }
      const report = conv.report;
      const managedDeviceId = report.intuneDeviceId as string;
      commits.push(async () => {
        const nonce = { value: remediationNonce(report.reportId), expiresAt: nonceExpiry };
        const outcome = await store.commit(report, nonce, limit, now).catch(async (err: unknown) => {
          // The nonce expired and the report row is still there: already stored.
          if (isConflict(err) && (await store.getReport(report.deviceId, report.reportId))) {
            return { ok: false as const, reason: 'replay' as const };
          }
          throw err;
        });
        if (!outcome.ok && outcome.reason === 'rate_limited') {
          rejectState(managedDeviceId, 'rate_limited'); // no watermark: tried again next run
          return;
        }
        if (outcome.ok) result.stored++;
        else result.skippedUnchanged++;
        // A replay projects too: it heals a run that crashed between commit and project.
        await store.project(report);
        marks.set(keyPart(managedDeviceId), {
          lastStateUpdateDateTime: rs.lastStateUpdateDateTime as string,
          reportId: report.reportId,
        });
      });
    }
    const failures = await runLimited(commits, concurrency);
    // Marks of the commits that succeeded are kept even when another failed.
    await watermarks.save(scriptId, marks, now);
    for (const [k, m] of marks) known.set(k, m);
    if (failures.length > 0) throw failures[0];
  }

  log('info', 'remediation_collected', {
    scriptId,
    seen: result.seen,
    stored: result.stored,
    skippedUnchanged: result.skippedUnchanged,
    rejected: result.rejected.length,
  });
  return result;
}

function isConflict(err: unknown): boolean {
  return err instanceof RestError && err.statusCode === 409;
}

/** Runs every task with at most `limit` at once; returns the errors instead of stopping early. */
async function runLimited(tasks: (() => Promise<void>)[], limit: number): Promise<unknown[]> {
  const errors: unknown[] = [];
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) {
      const task = tasks[next++] as () => Promise<void>;
      try {
        await task();
      } catch (err) {
        errors.push(err);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker));
  return errors;
}
