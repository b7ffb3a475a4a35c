/**
 * `resetready collect`: one inventory collection now, with the deployed wiring
 * (functions/services.ts), printing the run summary as JSON. Settings come from the
 * environment, with local.settings.json filling the gaps as the Functions host does.
 * Exit 0 succeeded (or skipped: another run holds the lease), 1 failed, 2 usage/configuration.
 */
import { resolve } from 'node:path';
import { LocalSettingsError, loadLocalSettings } from '../../dev/local-settings.js';
import { buildServices } from '../../functions/services.js';
import { runCollection } from '../../shared/collection/run-collection.js';
import { ConfigError, type Env, loadConfig } from '../../shared/config.js';

export interface CollectIo {
  env?: Record<string, string | undefined>;
  settingsFile?: string;
  out?: (text: string) => void;
  err?: (text: string) => void;
}

export async function run(args: string[], io: CollectIo = {}): Promise<number> {
  const out = io.out ?? ((t: string) => process.stdout.write(t));
  const err = io.err ?? ((t: string) => process.stderr.write(t));
  if (args.length > 0) {
    err(`resetready collect: unexpected argument "${args[0]}"\nusage: resetready collect\n`);
    return 2;
  }
  const env = io.env ?? process.env;
  let config: ReturnType<typeof loadConfig>;
  try {
    loadLocalSettings(io.settingsFile ?? resolve('local.settings.json'), env);
    config = loadConfig(env as Env);
  } catch (e) {
    if (e instanceof ConfigError || e instanceof LocalSettingsError) {
      err(`resetready collect: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
  const { tables, graph } = buildServices(config);
  const summary = await runCollection({
    config,
    tables,
    graph,
    log: (level, event, fields) => {
      if (level !== 'info') err(`${level}: ${event} ${JSON.stringify(fields)}\n`);
    },
  });
  out(`${JSON.stringify(summary, null, 2)}\n`);
  return summary.status === 'failed' ? 1 : 0;
}
