/**
 * Settings for a CLI command, read as the Functions host reads them: the environment first,
 * local.settings.json filling the gaps. A configuration problem is printed (every problem at
 * once) and the command exits 2.
 */
import { resolve } from 'node:path';
import { LocalSettingsError, loadLocalSettings } from '../dev/local-settings.js';
import { type Config, ConfigError, type Env, loadConfig } from '../shared/config.js';

export interface CommandIo {
  env?: Record<string, string | undefined>;
  settingsFile?: string;
  out?: (text: string) => void;
  err?: (text: string) => void;
}

/** The validated configuration, or null after printing why there is none. */
export function commandConfig(command: string, io: CommandIo, err: (text: string) => void): Config | null {
  const env = io.env ?? process.env;
  try {
    loadLocalSettings(io.settingsFile ?? resolve('local.settings.json'), env);
    return loadConfig(env as Env);
  } catch (e) {
    if (e instanceof ConfigError || e instanceof LocalSettingsError) {
      err(`resetready ${command}: ${e.message}\n`);
      return null;
    }
    throw e;
  }
}
