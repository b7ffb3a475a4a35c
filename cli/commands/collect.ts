/**
 * `resetready collect`: one inventory collection now, with the deployed wiring
 * (functions/services.ts), printing the run summary as JSON, then the posture recompute the timer also runs. Settings come from the
 * environment, with local.settings.json filling the gaps as the Functions host does.
 * Exit 0 succeeded (or skipped: another run holds the lease), 1 failed, 2 usage/configuration.
 */
import { buildServices } from '../../functions/services.js';
import { runCollection } from '../../shared/collection/run-collection.js';
import { recomputeAfterCollection } from '../../shared/freshness/index.js';
import { type CommandIo, commandConfig } from '../config.js';

export type CollectIo = CommandIo;

export async function run(args: string[], io: CollectIo = {}): Promise<number> {
  const out = io.out ?? ((t: string) => process.stdout.write(t));
  const err = io.err ?? ((t: string) => process.stderr.write(t));
  if (args.length > 0) {
    err(`resetready collect: unexpected argument "${args[0]}"\nusage: resetready collect\n`);
    return 2;
  }
  const config = commandConfig('collect', io, err);
  if (!config) return 2;
  const services = buildServices(config);
  const log = (level: 'info' | 'warn' | 'error', event: string, fields: Record<string, unknown>) => {
    if (level !== 'info') err(`${level}: ${event} ${JSON.stringify(fields)}\n`);
  };
  const summary = await runCollection({ config, tables: services.tables, graph: services.graph, log });
  // As the timer does: the stored posture and summary follow a successful collection.
  await recomputeAfterCollection({ ...services, log }, summary, new Date(), {
    staleDays: config.posture.staleDays,
    dailyRetentionDays: config.posture.snapshotRetentionDays,
  });
  out(`${JSON.stringify(summary, null, 2)}\n`);
  return summary.status === 'failed' ? 1 : 0;
}
