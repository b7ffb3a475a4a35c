#!/usr/bin/env node
/**
 * `resetready <command>`: the admin's command line. Each command lives in cli/commands/
 * and is loaded only when called, so `parse-dsregcmd` starts fast and needs no settings.
 * Help is answered here, before a command is loaded: `resetready <command> --help` (or -h)
 * prints that command's usage and exits 0 without reading settings or starting anything.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { COMMANDS, commandHelp, usage } from './help.js';
import { packageRoot } from './package-root.js';

function version(): string {
  const pkg = JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version: string };
  return pkg.version;
}

const isHelp = (a: string) => a === '--help' || a === '-h';

async function main(argv: string[]): Promise<number> {
  const [name, ...args] = argv;
  if (name === '--version' || name === '-V' || name === 'version') {
    process.stdout.write(`resetready ${version()}\n`);
    return 0;
  }
  if (!name || isHelp(name) || name === 'help') {
    const topic = name === 'help' ? args[0] : undefined;
    if (topic && COMMANDS[topic]) {
      process.stdout.write(`${commandHelp(topic)}\n`);
      return 0;
    }
    process.stdout.write(`${usage()}\n`);
    return name ? 0 : 2;
  }
  const command = COMMANDS[name];
  if (!command) {
    process.stderr.write(`resetready: unknown command "${name}"\n\n${usage()}\n`);
    return 2;
  }
  if (args.some(isHelp)) {
    process.stdout.write(`${commandHelp(name)}\n`);
    return 0;
  }
  return (await command.load()).run(args);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`resetready: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
