#!/usr/bin/env node
/**
 * `resetready <command>`: the admin's command line. Each command lives in cli/commands/
 * and is loaded only when called, so `parse-dsregcmd` starts fast and needs no settings.
 */
interface CommandModule {
  run(args: string[]): Promise<number>;
}

const COMMANDS: Record<string, { summary: string; load: () => Promise<CommandModule> }> = {
  'parse-dsregcmd': {
    summary: 'parse-dsregcmd <file|->   parse one dsregcmd /status output and print it as JSON',
    load: () => import('./commands/parse-dsregcmd.js'),
  },
  serve: {
    summary: "serve [--port P]          run every function locally from this environment's settings",
    load: () => import('./commands/serve.js'),
  },
  collect: {
    summary: 'collect                   run one inventory collection now and print its summary',
    load: () => import('./commands/collect.js'),
  },
  report: {
    summary:
      'report --out DIR [--demo] [--now T]\n' +
      '                            render the weekly report now (HTML, CSV, JSON, chart PNGs) without sending it',
    load: () => import('./commands/report.js'),
  },
  sim: {
    summary:
      'sim [--devices N] [--seed S] [--latency-ms L] [--fault-rate F] [--port P]\n' +
      '                            start the Microsoft Graph simulator',
    load: () => import('./commands/sim.js'),
  },
};

function usage(): string {
  return [
    'usage: resetready <command> [options]',
    '',
    'commands:',
    ...Object.values(COMMANDS).map((c) => `  ${c.summary}`),
  ].join('\n');
}

async function main(argv: string[]): Promise<number> {
  const [name, ...args] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(`${usage()}\n`);
    return name ? 0 : 2;
  }
  const command = COMMANDS[name];
  if (!command) {
    process.stderr.write(`resetready: unknown command "${name}"\n\n${usage()}\n`);
    return 2;
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
