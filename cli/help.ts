/**
 * What `resetready` and each of its commands say about themselves: the command list, each
 * command's usage line, options and exit codes. Kept apart from the entry point so a test can
 * read the table without running the CLI.
 */

export interface CommandModule {
  run(args: string[]): Promise<number>;
}

export interface CommandHelp {
  /** One line: the command and its options. */
  usage: string;
  /** What it does, for the command list. */
  summary: string;
  /** Options and exit codes, printed by --help. */
  details: string[];
}

const SETTINGS_NOTE =
  'Settings come from the environment, with local.settings.json filling the gaps (see README, Configuration).';

export const COMMANDS: Record<string, CommandHelp & { load: () => Promise<CommandModule> }> = {
  'parse-dsregcmd': {
    usage: 'resetready parse-dsregcmd <file|->',
    summary: "parse one device's dsregcmd /status output and print it as JSON",
    details: [
      '<file>   a capture of "dsregcmd /status" (UTF-8 or a PowerShell UTF-16 redirect)',
      '-        read standard input',
      'Exit 0 parsed, 1 the input is not dsregcmd output, 2 usage or unreadable input.',
    ],
    load: () => import('./commands/parse-dsregcmd.js'),
  },
  serve: {
    usage: 'resetready serve [--port P]',
    summary: "run every function locally from this environment's settings",
    details: [
      '--port P   port to listen on (default 7071; 0 picks a free one)',
      SETTINGS_NOTE,
      'Runs until Ctrl+C. Exit 2 on a usage or configuration problem.',
    ],
    load: () => import('./commands/serve.js'),
  },
  collect: {
    usage: 'resetready collect',
    summary: 'run one inventory collection now, recompute posture and print the run summary',
    details: [
      SETTINGS_NOTE,
      'Exit 0 succeeded or skipped (another run holds the lease), 1 failed, 2 configuration.',
    ],
    load: () => import('./commands/collect.js'),
  },
  report: {
    usage: 'resetready report --out DIR [--demo] [--now ISO-TIME]',
    summary: 'render the weekly report now (HTML, CSV, JSON, chart PNGs) without sending it',
    details: [
      '--out DIR        where report.html, report.csv, report.json and charts/*.png are written',
      '--demo           the built-in demo fleet (no settings needed)',
      '--now ISO-TIME   render as if generated at that time (default now)',
      SETTINGS_NOTE,
      'Exit 0 written, 2 usage or configuration.',
    ],
    load: () => import('./commands/report.js'),
  },
  sim: {
    usage:
      'resetready sim [--devices N] [--seed S] [--latency-ms L] [--fault-rate F] [--port P] [--ca-dir DIR] [--now ISO] [--streaming]',
    summary: 'start the Microsoft Graph simulator alone and print the settings to export',
    details: [
      '--devices N      managed devices in the generated tenant (default 1000)',
      '--seed S         tenant seed (default "demo")',
      '--latency-ms L   added latency per request',
      '--fault-rate F   share of requests answered with 429/503/504/reset (0..1)',
      '--port P         port (default: a free one)',
      '--ca-dir DIR     where the dev CA lives (default .local/sim-ca)',
      "--now ISO        the tenant's clock (default the real clock)",
      '--streaming      render each page from the seed, so 1,000,000 devices fit in memory',
      'Runs until Ctrl+C. Exit 2 on a usage problem.',
    ],
    load: () => import('./commands/sim.js'),
  },
};

export function usage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((n) => n.length));
  return [
    'usage: resetready <command> [options]',
    '       resetready <command> --help',
    '       resetready --version',
    '',
    'commands:',
    ...Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`),
  ].join('\n');
}

export function commandHelp(name: string): string {
  const c = COMMANDS[name]!;
  return [`usage: ${c.usage}`, '', c.summary, '', ...c.details.map((d) => `  ${d}`)].join('\n');
}
