/**
 * `resetready report --out DIR [--demo] [--now ISO]`: renders the weekly report now without
 * sending it: report.html (charts as data: URIs), report.csv, report.json and charts/*.png.
 * Settings load like `collect` (environment, then local.settings.json); --demo renders the
 * built-in demo fleet and needs no settings. Exit 0 written, 2 usage/configuration.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { demoWeekly } from '../../dev/demo-weekly.js';
import { buildServices } from '../../functions/services.js';
import { CollectionStore } from '../../shared/collection/store.js';
import { gatherWeeklyReportInput } from '../../shared/weekly-report/data.js';
import { buildWeeklyReport, dataUri } from '../../shared/weekly-report/render/index.js';
import type { WeeklyReportInput } from '../../shared/weekly-report/render/model.js';
import { type CommandIo, commandConfig } from '../config.js';

export type ReportIo = CommandIo;

const USAGE = 'usage: resetready report --out DIR [--demo] [--now ISO-TIME]\n';

interface Args {
  out: string;
  demo: boolean;
  now: Date | null;
}

function parseArgs(args: string[]): Args | string {
  let out: string | undefined;
  let demo = false;
  let now: Date | null = null;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '--demo') demo = true;
    else if (a === '--out' || a === '--now') {
      const v = args[++i];
      if (!v) return `${a} needs a value`;
      if (a === '--out') out = v;
      else {
        now = new Date(v);
        if (!Number.isFinite(now.getTime())) return `--now is not a date: "${v}"`;
      }
    } else return `unexpected argument "${a}"`;
  }
  if (!out) return '--out DIR is required';
  return { out, demo, now };
}

export async function run(args: string[], io: ReportIo = {}): Promise<number> {
  const out = io.out ?? ((t: string) => process.stdout.write(t));
  const err = io.err ?? ((t: string) => process.stderr.write(t));
  const parsed = parseArgs(args);
  if (typeof parsed === 'string') {
    err(`resetready report: ${parsed}\n${USAGE}`);
    return 2;
  }
  let input: WeeklyReportInput;
  if (parsed.demo) {
    input = parsed.now ? demoWeekly(parsed.now).input : demoWeekly().input;
  } else {
    const config = commandConfig('report', io, err);
    if (!config) return 2;
    const services = buildServices(config);
    input = await gatherWeeklyReportInput(
      { posture: services.posture, collection: new CollectionStore(services.tables) },
      parsed.now ?? new Date(),
      {
        silenceHours: config.alerts.silenceHours,
        ...(config.report.linkUrl ? { linkUrl: config.report.linkUrl } : {}),
      },
    );
  }
  const report = buildWeeklyReport(input);
  const dir = resolve(parsed.out);
  await mkdir(join(dir, 'charts'), { recursive: true });
  const written: string[] = [];
  const write = async (name: string, data: string | Buffer) => {
    const path = join(dir, name);
    await writeFile(path, data);
    written.push(path);
  };
  await write('report.html', report.html(dataUri));
  await write('report.csv', report.csv);
  await write('report.json', `${JSON.stringify(report.json, null, 2)}\n`);
  for (const c of report.charts) await write(join('charts', `${c.id}.png`), c.png);
  out(`${written.join('\n')}\n`);
  return 0;
}
