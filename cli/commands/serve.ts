/**
 * `resetready serve [--port P]`: every function of the built app on one local host
 * (dev/host.ts), with local.settings.json applied first as the Functions host would.
 * Runs until SIGINT/SIGTERM. Exit 2 for usage or configuration errors.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { devSignInFromEnv } from '../../dev/easy-auth.js';
import { startLocalHost } from '../../dev/host.js';
import { LocalSettingsError, loadLocalSettings } from '../../dev/local-settings.js';
import { packageRoot } from '../package-root.js';

export function parseServeArgs(args: string[]): { port: number } | { error: string } {
  let port = 7071;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    const value =
      arg === '--port' ? args[++i] : arg?.startsWith('--port=') ? arg.slice('--port='.length) : undefined;
    if (arg === '--port' || arg?.startsWith('--port=')) {
      const n = Number(value);
      if (!Number.isInteger(n) || n < 0 || n > 65_535)
        return { error: `--port needs a port number (got "${value ?? ''}")` };
      port = n;
    } else {
      return { error: `unknown option "${arg}"` };
    }
  }
  return { port };
}

export async function run(args: string[]): Promise<number> {
  const parsed = parseServeArgs(args);
  if ('error' in parsed) {
    process.stderr.write(`resetready serve: ${parsed.error}\nusage: resetready serve [--port P]\n`);
    return 2;
  }
  const root = packageRoot();
  const settingsFile = resolve('local.settings.json');
  try {
    const settings = loadLocalSettings(settingsFile);
    if (settings.found) {
      process.stdout.write(`settings: ${settings.applied.length} from ${settingsFile} (environment wins)\n`);
    }
  } catch (err) {
    if (err instanceof LocalSettingsError) {
      process.stderr.write(`resetready serve: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
  const entryPoint = join(root, 'dist', 'functions', 'index.js');
  if (!existsSync(entryPoint)) {
    process.stderr.write(`resetready serve: ${entryPoint} is missing; run "npm run build" first\n`);
    return 2;
  }

  const signIn = devSignInFromEnv(process.env);
  if (signIn && 'error' in signIn) {
    process.stderr.write(`resetready serve: ${signIn.error}\n`);
    return 2;
  }

  let host: Awaited<ReturnType<typeof startLocalHost>>;
  try {
    host = await startLocalHost({ port: parsed.port, entryPoint, ...(signIn ? { signIn } : {}) });
  } catch (err) {
    // The composition root validates settings at load; its ConfigError lists every problem.
    if (err instanceof Error && err.name === 'ConfigError') {
      process.stderr.write(`resetready serve: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
  process.stdout.write(`resetready: ${host.functions.length} functions on ${host.url} (Ctrl+C to stop)\n`);
  if (signIn) {
    process.stdout.write(
      `resetready: local sign-in at ${host.url}/.auth/login/aad stands in for Entra ID (DEV_SIGN_IN=off to disable)\n`,
    );
  }

  await new Promise<void>((done) => {
    const stop = (signal: NodeJS.Signals) => {
      process.stdout.write(`resetready: ${signal}, stopping\n`);
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      host.stop().then(done, done);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  return 0;
}
