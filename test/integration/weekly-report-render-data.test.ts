/**
 * The report gathered from real stores (Azurite): the demo fleet seeded as posture rows, daily
 * snapshots, summary, reset events and a collection run, then `resetready report --out` (the
 * built CLI, with settings from the environment) must write exactly the report the pure
 * renderer makes from the same data in memory. Empty stores give a report that says so.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_NOW, demoWeekly } from '../../dev/demo-weekly.js';
import { writeRunFinished, writeRunStarted } from '../../shared/collection/run-record.js';
import { CollectionStore } from '../../shared/collection/store.js';
import { COLLECTION_TABLES } from '../../shared/collection/tables.js';
import { postureEntity } from '../../shared/posture-store/entities.js';
import { PostureStore } from '../../shared/posture-store/store.js';
import { createTableProvider } from '../../shared/storage/tables.js';
import { gatherWeeklyReportInput } from '../../shared/weekly-report/data.js';
import { buildWeeklyReport } from '../../shared/weekly-report/render/index.js';
import { testConfig, testStorageConnectionString, uniqueTablePrefix } from '../support/env.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const CLI = join(ROOT, 'dist', 'cli', 'resetready.js');
const LINK = 'https://resetready-demo.example/api/reports/latest';

describe('weekly report gathered from the stores', () => {
  const prefix = uniqueTablePrefix('wrdata');
  const config = testConfig({ TABLE_PREFIX: prefix, REPORT_LINK_URL: LINK });
  const demo = demoWeekly();
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'resetready-wrdata-'));
    const tables = createTableProvider(config.storage);
    const store = new PostureStore(tables);
    const { input, dailyRows } = demo;
    await store.syncPostures(input.devices.map((d) => postureEntity(d.deviceId, d, null)));
    for (const row of dailyRows) await store.writeDaily(row);
    await store.writeSummary({
      summary: input.summary,
      generatedAt: input.summary.evaluatedAt,
      lastCollectionAt: input.latestCollection!.endedAt,
      lastCollectionRunId: 'run-1',
      lastReportAt: input.lastReportAt,
    });
    await store.recordEvents(input.resetEvents, DEMO_NOW);
    const runs = await tables.table(COLLECTION_TABLES.runs);
    const c = input.latestCollection!;
    await writeRunStarted(runs, { runId: 'run-1', startedAt: c.startedAt, owner: 'test' });
    await writeRunFinished(
      runs,
      {
        runId: 'run-1',
        status: 'succeeded',
        startedAt: c.startedAt,
        endedAt: c.endedAt!,
        tenantId: null,
        devices: input.devices.length,
        removedDevices: 0,
        policies: 1,
        groups: 1,
        graphRequests: 10,
        graphRequestsByEndpoint: {},
        retries: 0,
        tableWrites: 0,
        tableBatches: 0,
        tableWritesByTable: {},
        durationMs: 95_000,
        readiness: 'ready',
        errors: [],
      },
      'test',
    );
  });

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('resetready report --out writes the same report the renderer makes from the data in memory', () => {
    const out = join(dir, 'out');
    const cli = spawnSync(process.execPath, [CLI, 'report', '--out', out, '--now', DEMO_NOW.toISOString()], {
      cwd: dir, // no local.settings.json here: the environment is the configuration
      encoding: 'utf8',
      env: {
        ...process.env,
        STORAGE_CONNECTION_STRING: testStorageConnectionString(),
        TABLE_PREFIX: prefix,
        REPORT_LINK_URL: LINK,
      },
    });
    expect(cli.stderr).toBe('');
    expect(cli.status).toBe(0);
    const expected = buildWeeklyReport(demo.input);
    expect(JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'))).toEqual(expected.json);
    expect(readFileSync(join(out, 'report.csv'), 'utf8')).toBe(expected.csv);
    for (const c of expected.charts)
      expect(readFileSync(join(out, 'charts', `${c.id}.png`)).equals(c.png)).toBe(true);
    const html = readFileSync(join(out, 'report.html'), 'utf8');
    expect(html).toContain('data:image/png;base64,');
    expect(html).not.toContain('cid:');
  });

  it('exits 2 with the configuration problem when storage is not configured', () => {
    const cli = spawnSync(process.execPath, [CLI, 'report', '--out', join(dir, 'x')], {
      cwd: dir,
      encoding: 'utf8',
      env: { PATH: process.env.PATH ?? '' },
    });
    expect(cli.status).toBe(2);
    expect(cli.stderr).toContain('STORAGE_CONNECTION_STRING');
    const usage = spawnSync(process.execPath, [CLI, 'report'], { cwd: dir, encoding: 'utf8' });
    expect(usage.status).toBe(2);
    expect(usage.stderr).toContain('--out DIR is required');
  });

  it('empty stores give a report with warnings and no-data charts instead of failing', async () => {
    const empty = testConfig();
    const tables = createTableProvider(empty.storage);
    const input = await gatherWeeklyReportInput(
      { posture: new PostureStore(tables), collection: new CollectionStore(tables) },
      DEMO_NOW,
    );
    expect(input.devices).toEqual([]);
    const r = buildWeeklyReport(input);
    expect(r.json.headline.share).toBeNull();
    expect(r.json.freshness.warnings.map((w) => w.code)).toEqual(['NO_COLLECTION', 'AGENTS_SILENT']);
    expect(r.charts.map((c) => c.alt)).toEqual([
      'Readiness trend: no data yet',
      'Devices by posture: no data yet',
    ]);
    expect(r.csv.split('\r\n')).toHaveLength(2); // header and the final line end
  });
});
