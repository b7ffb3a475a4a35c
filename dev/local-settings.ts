/**
 * local.settings.json → process.env, the way the Functions host applies it: every entry of
 * "Values" becomes an environment variable unless the environment already sets it, so a
 * shell `export` always wins over the file.
 */
import { existsSync, readFileSync } from 'node:fs';

export interface LocalSettingsResult {
  /** The file was found and read. */
  found: boolean;
  /** Names taken from the file (values are never returned: they may be secrets). */
  applied: string[];
  /** Names in the file that the environment already set. */
  skipped: string[];
}

export class LocalSettingsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LocalSettingsError';
  }
}

/** Pure part: which values to apply to `env`. */
export function settingsToApply(
  values: Readonly<Record<string, unknown>>,
  env: Readonly<Record<string, string | undefined>>,
): { apply: Record<string, string>; skipped: string[] } {
  const apply: Record<string, string> = {};
  const skipped: string[] = [];
  for (const [name, value] of Object.entries(values)) {
    if (env[name] !== undefined) {
      skipped.push(name);
      continue;
    }
    // The host stringifies non-string values (numbers, booleans) the same way.
    if (value === null || value === undefined) continue;
    apply[name] = typeof value === 'string' ? value : JSON.stringify(value);
  }
  return { apply, skipped };
}

export function parseLocalSettings(text: string, file = 'local.settings.json'): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new LocalSettingsError(
      `${file} is not valid JSON: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
  if (typeof parsed !== 'object' || parsed === null)
    throw new LocalSettingsError(`${file} must hold an object`);
  const values = (parsed as { Values?: unknown }).Values;
  if (values === undefined) return {};
  if (typeof values !== 'object' || values === null || Array.isArray(values)) {
    throw new LocalSettingsError(`${file}: "Values" must be an object of setting names to strings`);
  }
  return values as Record<string, unknown>;
}

/** Reads `file` if it exists and fills `env` (default process.env) with the names it does not set yet. */
export function loadLocalSettings(
  file: string,
  env: Record<string, string | undefined> = process.env,
): LocalSettingsResult {
  if (!existsSync(file)) return { found: false, applied: [], skipped: [] };
  const values = parseLocalSettings(readFileSync(file, 'utf8'), file);
  const { apply, skipped } = settingsToApply(values, env);
  Object.assign(env, apply);
  return { found: true, applied: Object.keys(apply), skipped };
}
