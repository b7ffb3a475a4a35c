/**
 * Docs that run: every request the README and docs/power-bi.md show is executed, as written,
 * against `npm start` (dev/start.js: Azurite, the Graph simulator with the demo tenant, the
 * local Functions host, signed demo uploads, seeded demo history), and its answer is checked
 * against an independent reading of the same data: the right rows, not only a 200.
 *
 * The examples are read from the markdown (```sh blocks that call curl, the ```powerquery
 * block), so editing a doc re-tests it. A shell example runs with bash and the real curl; the
 * placeholders (`https://<app>.azurewebsites.net`, `<function key>`, `http://localhost:7071`)
 * are replaced by this stack's address and key. The M example is folded to the $filter and
 * $select Power Query sends, and that request is made.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../dev/azurite.js';
import { SETTING_NAMES } from '../../shared/config.js';
import { DEVICE_COLUMN_HEADERS } from '../../shared/device-list/index.js';
import {
  docFilter,
  fencedBlocks,
  foldPowerQuery,
  runShellExample,
  type ShellRequest,
} from '../support/doc-examples.js';

// biome-ignore lint/suspicious/noExplicitAny: JSON answers, checked field by field by the assertions
type Json = Record<string, any>;
type Row = Record<string, unknown>;

const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const KEY = 'local-dev-key';
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');
const POWER_BI = readFileSync(join(ROOT, 'docs/power-bi.md'), 'utf8');

let stack: ChildProcess;
let base: string;
let localDir: string;
let output = '';

function startEnv(port: number): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of SETTING_NAMES) delete env[name];
  delete env.FUNCTIONS_KEY;
  return { ...env, PORT: String(port), RESETREADY_LOCAL_DIR: localDir };
}

beforeAll(async () => {
  localDir = mkdtempSync(join(tmpdir(), 'docs-run-'));
  const port = await freePort();
  base = `http://localhost:${port}`;
  stack = spawn(process.execPath, [join(ROOT, 'dist/dev/start.js')], {
    cwd: ROOT,
    env: startEnv(port),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  stack.stdout!.on('data', (c: Buffer) => {
    output += c.toString('utf8');
  });
  stack.stderr!.on('data', (c: Buffer) => {
    output += c.toString('utf8');
  });
  const deadline = Date.now() + 240_000;
  while (!output.includes('ResetReady is running.')) {
    if (stack.exitCode !== null)
      throw new Error(`npm start exited ${stack.exitCode}:\n${output.slice(-4000)}`);
    if (Date.now() > deadline) throw new Error(`npm start did not come up:\n${output.slice(-4000)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}, 260_000);

afterAll(async () => {
  if (stack && stack.exitCode === null) {
    const exited = new Promise((r) => stack.once('exit', r));
    stack.kill('SIGTERM');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 15_000))]);
    if (stack.exitCode === null) stack.kill('SIGKILL');
  }
  if (localDir) rmSync(localDir, { recursive: true, force: true });
}, 30_000);

// --- ground truth: the same data read another way ------------------------------------------

async function getJson(path: string): Promise<Json> {
  const res = await fetch(`${base}${path}`, { headers: { 'x-functions-key': KEY } });
  expect(res.status, path).toBe(200);
  return (await res.json()) as Json;
}

const fullSets = new Map<string, Row[]>();
/** Every row of an entity set, following @odata.nextLink. */
async function fullSet(name: string): Promise<Row[]> {
  const cached = fullSets.get(name);
  if (cached) return cached;
  const rows: Row[] = [];
  let next: string | undefined = `${base}/api/odata/${name}?code=${KEY}`;
  while (next) {
    const page = (await (await fetch(next)).json()) as Json;
    rows.push(...page.value);
    next = page['@odata.nextLink'];
  }
  fullSets.set(name, rows);
  return rows;
}

const KEYS: Record<string, (r: Row) => string> = {
  Devices: (r) => String(r.DeviceKey),
  DeviceUsers: (r) => `${r.DeviceKey}|${r.UserKey}`,
  DailySummary: (r) => String(r.DateKey),
  Reasons: (r) => String(r.Code),
  Policies: (r) => String(r.Id),
  Alerts: (r) => String(r.AlertId),
};

// --- the docs' own tables ---------------------------------------------------------------------

function markdownTable(markdown: string, header: RegExp): string[][] {
  const lines = markdown.split('\n');
  const start = lines.findIndex((l) => header.test(l));
  if (start < 0) throw new Error(`no table with header ${header}`);
  const rows: string[][] = [];
  for (const line of lines.slice(start + 2)) {
    if (!line.startsWith('|')) break;
    rows.push(
      line
        .slice(1, -1)
        .split(/(?<!\\)\|/)
        .map((c) => c.trim()),
    );
  }
  return rows;
}

const docSets = markdownTable(POWER_BI, /^\| Entity set \| One row per \|/).map((r) => ({
  name: r[0]!.replaceAll('`', ''),
  columns: r[3]!,
}));

// --- checks by endpoint -------------------------------------------------------------------

async function checkODataCollection(req: ShellRequest, setName: string): Promise<void> {
  const all = await fullSet(setName);
  const filter = req.url.searchParams.get('$filter');
  const expected = filter ? all.filter(docFilter(filter)) : all;
  const keyOf = KEYS[setName]!;
  const body = JSON.parse(req.body.toString('utf8')) as Json;
  expect(body.error, req.source).toBeUndefined();
  const top = req.url.searchParams.get('$top');
  const rows = body.value as Row[];
  if (req.url.searchParams.get('$count') === 'true') expect(body['@odata.count']).toBe(expected.length);
  const select = req.url.searchParams.get('$select');
  if (select) {
    for (const r of rows) expect(Object.keys(r).sort(), req.source).toEqual(select.split(',').sort());
    // Rows are matched on what was selected.
    const wanted = new Set(expected.map((r) => JSON.stringify(select.split(',').map((c) => r[c]))));
    for (const r of rows) expect(wanted.has(JSON.stringify(select.split(',').map((c) => r[c])))).toBe(true);
  } else {
    const wanted = new Set(expected.map(keyOf));
    for (const r of rows) expect(wanted.has(keyOf(r)), `${req.source}: ${keyOf(r)}`).toBe(true);
  }
  if (top) expect(rows.length).toBe(Math.min(Number(top), expected.length));
  else if (!body['@odata.nextLink']) expect(rows.length).toBe(expected.length);
  // A documented example shows something on the demo fleet (no open alert is a healthy answer).
  if (setName !== 'Alerts')
    expect(rows.length, `${req.source} answers no rows on the demo`).toBeGreaterThan(0);
}

async function checkRequest(req: ShellRequest): Promise<void> {
  const path = req.url.pathname;
  const text = req.body.toString('utf8');
  expect(req.status, `${req.source} → ${req.status} ${text.slice(0, 300)}`).toBe(200);

  if (path === '/api/odata/') {
    const names = (JSON.parse(text) as Json).value.map((s: Json) => s.name);
    expect(names, 'the guide\'s "Entity sets" table lists every set').toEqual(docSets.map((s) => s.name));
    return;
  }
  if (path === '/api/odata/$metadata') {
    for (const s of docSets) expect(text).toContain(`<EntitySet Name="${s.name}"`);
    return;
  }
  const count = /^\/api\/odata\/(\w+)\/\$count$/.exec(path);
  if (count) {
    const filter = req.url.searchParams.get('$filter');
    const all = await fullSet(count[1]!);
    const n = filter ? all.filter(docFilter(filter)).length : all.length;
    expect(Number(text), req.source).toBe(n);
    expect(n, `${req.source} counts nothing on the demo`).toBeGreaterThan(0);
    return;
  }
  const set = /^\/api\/odata\/(\w+)$/.exec(path);
  if (set) return checkODataCollection(req, set[1]!);

  if (path === '/api/summary') {
    const s = JSON.parse(text) as Json;
    const devices = await fullSet('Devices');
    expect(s.totals.devices).toBe(devices.length);
    for (const [posture, n] of Object.entries(s.byPosture as Record<string, number>))
      expect(devices.filter((d) => d.Posture === posture).length, posture).toBe(n);
    return;
  }
  if (path === '/api/devices') return checkDevices(req, text);
  if (path === '/api/alerts') {
    const open = (await fullSet('Alerts')).filter((a) => a.Status === 'open');
    const body = JSON.parse(text) as Json;
    expect(body.count).toBe(open.length);
    expect(body.alerts.map((a: Json) => a.type).sort()).toEqual(open.map((a) => a.Type).sort());
    // The demo devices have reported: "no reports from agents" is not (or no longer) open.
    expect(open.map((a) => a.Type)).not.toContain('NO_REPORTS');
    return;
  }
  if (path === '/api/reports/latest') {
    expect(req.headers['content-type']).toMatch(/^text\/html/);
    expect(text).toContain('ResetReady weekly report');
    const s = await getJson('/api/summary');
    // The headline states the summary's share, and the 12-week trend is filled.
    expect(text).toContain(`${(s.nonDestructiveShare * 100).toFixed(1)} %`);
    expect(text).toContain('Demo data');
    return;
  }
  if (path === '/api/health') {
    expect(JSON.parse(text)).toMatchObject({ status: 'healthy' });
    return;
  }
  throw new Error(`the docs test has no check for ${path} (${req.source}): add one`);
}

async function checkDevices(req: ShellRequest, text: string): Promise<void> {
  const q = req.url.searchParams;
  const match = (d: Row) =>
    (!q.get('posture') || d.Posture === q.get('posture')) &&
    (!q.get('reason') ||
      String(d.ReasonCodes ?? '')
        .split(',')
        .includes(q.get('reason')!)) &&
    (!q.get('compliance') || d.ComplianceState === q.get('compliance'));
  const expected = (await fullSet('Devices')).filter(match).map((d) => String(d.DeviceKey));
  expect(expected.length, `${req.source} selects no device on the demo`).toBeGreaterThan(0);
  if (q.get('format') === 'csv') {
    expect([...req.body.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const lines = req.body.subarray(3).toString('utf8').split('\r\n').slice(0, -1);
    expect(lines[0]).toBe(DEVICE_COLUMN_HEADERS.join(','));
    const keyCol = DEVICE_COLUMN_HEADERS.indexOf('DeviceKey');
    expect(
      lines
        .slice(1)
        .map((l) => l.split(',')[keyCol])
        .sort(),
    ).toEqual([...expected].sort());
    return;
  }
  const filters = ['posture', 'reason', 'compliance'].filter((f) => q.get(f)).length;
  const keys: string[] = [];
  let page = JSON.parse(text) as Json;
  for (;;) {
    expect(page.pageCount).toBe(page.devices.length);
    expect(page.total).toBe(filters <= 1 ? expected.length : null);
    if (q.get('top')) expect(page.pageCount).toBeLessThanOrEqual(Number(q.get('top')));
    keys.push(...page.devices.map((d: Json) => d.deviceKey));
    if (!page.nextLink) break;
    page = (await (await fetch(page.nextLink)).json()) as Json;
  }
  expect(keys.sort()).toEqual([...expected].sort());
}

// --- the examples -------------------------------------------------------------------------

function shellExamples(markdown: string, replacements: [string | RegExp, string][]) {
  return fencedBlocks(markdown)
    .filter((b) => b.lang === 'sh' && /\bcurl\b/.test(b.text))
    .map((b) => {
      let text = b.text;
      for (const [from, to] of replacements) text = text.replaceAll(from, to);
      return { line: b.line, text };
    });
}

describe('README', () => {
  const examples = () => shellExamples(README, [['http://localhost:7071', base]]);

  it('shows read API requests to try', () => {
    expect(shellExamples(README, []).length).toBeGreaterThan(0);
  });

  it('every curl example answers the right data', async () => {
    let requests = 0;
    for (const ex of examples()) {
      const run = runShellExample(ex.text);
      expect(run.status, `README.md:${ex.line}: ${run.stderr}`).toBe(0);
      for (const req of run.requests) await checkRequest(req);
      requests += run.requests.length;
    }
    expect(requests).toBeGreaterThanOrEqual(7);
  });
});

describe('docs/power-bi.md', () => {
  const examples = () =>
    shellExamples(POWER_BI, [
      ['https://<app>.azurewebsites.net', base],
      ["'<function key>'", `'${KEY}'`],
    ]);

  it('every curl example answers the right rows', async () => {
    let requests = 0;
    for (const ex of examples()) {
      const run = runShellExample(ex.text);
      expect(run.status, `docs/power-bi.md:${ex.line}: ${run.stderr}`).toBe(0);
      for (const req of run.requests) await checkRequest(req);
      requests += run.requests.length;
    }
    // The shell section exercises every entity set.
    expect(requests).toBeGreaterThanOrEqual(docSets.length + 1);
  });

  it('the Power Query example folds to a filter the feed answers with the right rows', async () => {
    const m = fencedBlocks(POWER_BI).filter((b) => b.lang === 'powerquery');
    expect(m).toHaveLength(1);
    const fold = foldPowerQuery(m[0]!.text);
    expect(fold.statedFilter, 'the comment states what the example folds to').toBe(fold.filter);
    const url = new URL(`${base}/api/odata/${fold.entitySet}`);
    url.searchParams.set('$filter', fold.filter);
    url.searchParams.set('$select', fold.select.join(','));
    url.searchParams.set('code', KEY);
    const res = await fetch(url);
    const body = Buffer.from(await res.arrayBuffer());
    await checkRequest({
      source: `M example: ${url.search}`,
      args: [],
      url,
      status: res.status,
      headers: Object.fromEntries(res.headers),
      body,
    });
  });

  it('lists every column of every entity set, and only columns that exist', async () => {
    const metadata = await (await fetch(`${base}/api/odata/$metadata?code=${KEY}`)).text();
    const everyColumn = new Set([...metadata.matchAll(/<Property Name="(\w+)"/g)].map((p) => p[1]!));
    for (const s of docSets) {
      const type = new RegExp(`<EntitySet Name="${s.name}" EntityType="[\\w.]+\\.(\\w+)"`).exec(
        metadata,
      )?.[1];
      const block =
        new RegExp(`<EntityType Name="${type}">([\\s\\S]*?)</EntityType>`).exec(metadata)?.[1] ?? '';
      const properties = [...block.matchAll(/<Property Name="(\w+)"/g)].map((p) => p[1]!);
      expect(properties.length, s.name).toBeGreaterThan(0);
      const named = new Set([...s.columns.matchAll(/`([A-Z]\w*)`/g)].map((c) => c[1]!));
      const pattern = /`(\w+)_<CODE>`/.exec(s.columns)?.[1];
      for (const p of properties) {
        if (pattern && p.startsWith(`${pattern}_`)) continue;
        expect(named.has(p), `${s.name}.${p} is not in the guide's table`).toBe(true);
      }
      // Capitalised names in the cell are its columns, a column of another set it refers to,
      // or values of a column (upper-case codes).
      for (const n of named) {
        if (/^[A-Z0-9_]+$/.test(n)) continue;
        expect(everyColumn.has(n), `${s.name}: the guide names "${n}", which is no column`).toBe(true);
      }
    }
  });

  it('says once which columns cannot be filtered, and that is what the feed answers', async () => {
    const statements = POWER_BI.match(/every column can be used in `\$filter`/gi) ?? [];
    expect(statements).toHaveLength(1);
    expect(POWER_BI).not.toMatch(/indexed columns/i);
    const listed = /except these `(\w+)` columns:([^(]+)\(/.exec(POWER_BI.replace(/\n/g, ' '));
    expect(listed).not.toBeNull();
    const documented = [...listed![2]!.matchAll(/`(\w+)`/g)].map((m) => `${listed![1]}.${m[1]}`);
    const metadata = await (await fetch(`${base}/api/odata/$metadata?code=${KEY}`)).text();
    const actual: string[] = [];
    for (const m of metadata.matchAll(/<EntitySet Name="(\w+)"[\s\S]*?<\/EntitySet>/g)) {
      const nonFilterable =
        /NonFilterableProperties">\s*<Collection>([\s\S]*?)<\/Collection>/.exec(m[0])?.[1] ?? '';
      for (const p of nonFilterable.matchAll(/<PropertyPath>(\w+)<\/PropertyPath>/g))
        actual.push(`${m[1]}.${p[1]}`);
    }
    expect(documented.sort()).toEqual(actual.sort());
    // And the feed refuses one of them as the guide says.
    const [set, column] = documented[0]!.split('.');
    const res = await fetch(
      `${base}/api/odata/${set}?code=${KEY}&$filter=${encodeURIComponent(`${column} eq null`)}`,
    );
    expect(res.status).toBe(400);
    expect(((await res.json()) as Json).error.code).toBe('property_not_filterable');
  });
});
