/**
 * The examples a doc shows, read from its markdown, so a doc edit is tested without touching a
 * test: fenced blocks by language, the requests a shell block makes (run for real with bash and
 * curl), and the request a Power Query (M) example folds to.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface FencedBlock {
  lang: string;
  text: string;
  /** 1-based line of the opening fence, for messages. */
  line: number;
}

export function fencedBlocks(markdown: string): FencedBlock[] {
  const out: FencedBlock[] = [];
  const lines = markdown.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\w*)\s*$/.exec(lines[i]!);
    if (!open) continue;
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && !/^```\s*$/.test(lines[i]!); i++) body.push(lines[i]!);
    out.push({ lang: open[1] ?? '', text: body.join('\n'), line: start + 1 });
  }
  return out;
}

/** One curl call a shell example made, as it went over the wire. */
export interface ShellRequest {
  /** The example line(s) it came from, for messages. */
  source: string;
  args: string[];
  /** The request URL with every --data-urlencode (with -G) applied. */
  url: URL;
  status: number;
  headers: Record<string, string>;
  body: Buffer;
  /** Set when the example wrote the body to a file (-o FILE). */
  outputFile?: string;
}

/**
 * Runs a shell example with bash, with `curl` wrapped so every call's arguments, response
 * headers and body are kept (the command line itself is run unchanged). The block runs in a
 * fresh directory, so files it writes (-o) land there.
 */
export function runShellExample(script: string): {
  requests: ShellRequest[];
  stderr: string;
  status: number;
} {
  const dir = mkdtempSync(join(tmpdir(), 'doc-example-'));
  try {
    const rec = join(dir, '.rec');
    const wrapper = [
      'set -u',
      `REC=${JSON.stringify(rec)}`,
      'mkdir -p "$REC"',
      'n=0',
      'curl() {',
      '  n=$((n+1))',
      '  printf "%s\\0" "$@" > "$REC/$n.args"',
      '  local has_o=0; for a in "$@"; do [ "$a" = "-o" ] && has_o=1; done',
      '  if [ $has_o = 1 ]; then command curl -D "$REC/$n.head" "$@"; else command curl -D "$REC/$n.head" "$@" > "$REC/$n.body"; fi',
      '}',
      script,
    ].join('\n');
    const file = join(dir, 'example.sh');
    writeFileSync(file, wrapper);
    const r = spawnSync('bash', [file], { cwd: dir, encoding: 'utf8', timeout: 60_000 });
    const calls = readdirSync(rec)
      .filter((f) => f.endsWith('.args'))
      .map((f) => Number(f.split('.')[0]))
      .sort((a, b) => a - b);
    const requests = calls.map((n): ShellRequest => {
      const args = readFileSync(join(rec, `${n}.args`), 'utf8')
        .split('\0')
        .slice(0, -1);
      const head = readFileSync(join(rec, `${n}.head`), 'utf8');
      const status = Number(/^HTTP\/[\d.]+ (\d{3})/.exec(head)?.[1] ?? 0);
      const headers: Record<string, string> = {};
      for (const line of head.split('\r\n').slice(1)) {
        const i = line.indexOf(':');
        if (i > 0) headers[line.slice(0, i).toLowerCase()] = line.slice(i + 1).trim();
      }
      const o = args.indexOf('-o');
      const outputFile = o >= 0 ? args[o + 1] : undefined;
      const body = readFileSync(outputFile ? join(dir, outputFile) : join(rec, `${n}.body`));
      return {
        source: args.join(' '),
        args,
        url: requestUrl(args),
        status,
        headers,
        body,
        ...(outputFile ? { outputFile } : {}),
      };
    });
    return { requests, stderr: r.stderr, status: r.status ?? -1 };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The URL curl requested: the URL argument, plus each --data-urlencode when -G is given. */
function requestUrl(args: string[]): URL {
  const raw = args.find((a) => /^https?:\/\//.test(a));
  if (!raw) throw new Error(`no URL in curl ${args.join(' ')}`);
  const url = new URL(raw);
  if (args.includes('-G')) {
    args.forEach((a, i) => {
      if (a !== '--data-urlencode') return;
      const pair = args[i + 1] ?? '';
      const eq = pair.indexOf('=');
      url.searchParams.append(pair.slice(0, eq), pair.slice(eq + 1));
    });
  }
  return url;
}

/** What a Power Query example reads and how it folds: the entity set, the $filter, the $select. */
export interface PowerQueryFold {
  entitySet: string;
  filter: string;
  select: string[];
  /** The $filter the example's comment says it folds to. */
  statedFilter: string | null;
}

/**
 * Folds the M shapes the guide uses: Source{[Name = "Set"]}, Table.SelectRows with
 * `[Column] = "text"` comparisons joined by `and`, and Table.SelectColumns. Anything else is
 * an error, so an example the test cannot fold is noticed rather than skipped.
 */
export function foldPowerQuery(m: string): PowerQueryFold {
  const set = /Source\{\[Name = "(\w+)"/.exec(m)?.[1];
  if (!set) throw new Error('the M example reads no entity set (Source{[Name = "…"]})');
  const rows = /Table\.SelectRows\(\w+, each (.+)\)/.exec(m)?.[1];
  if (!rows) throw new Error('the M example has no Table.SelectRows(…, each …)');
  const filter = rows
    .split(/\s+and\s+/)
    .map((c) => {
      const cmp = /^\[(\w+)\] = (?:"([^"]*)"|(\d+)|(true|false))$/.exec(c.trim());
      if (!cmp) throw new Error(`the docs test cannot fold the M condition ${c}`);
      const value = cmp[2] !== undefined ? `'${cmp[2].replaceAll("'", "''")}'` : (cmp[3] ?? cmp[4]);
      return `${cmp[1]} eq ${value}`;
    })
    .join(' and ');
  const cols = /Table\.SelectColumns\(\w+, \{([^}]*)\}\)/.exec(m)?.[1];
  if (!cols) throw new Error('the M example has no Table.SelectColumns(…, {…})');
  const select = [...cols.matchAll(/"(\w+)"/g)].map((x) => x[1]!);
  const statedFilter = /Folds to \$filter=(.+?)(?: and \$select| \(|$)/m.exec(m)?.[1]?.trim() ?? null;
  return { entitySet: set, filter, select, statedFilter };
}

/**
 * A small, independent $filter evaluator for the comparisons the docs show (`Column op literal`
 * joined by `and`), to compute the rows a documented filter must answer from a full read.
 */
export function docFilter(filter: string): (row: Record<string, unknown>) => boolean {
  const parts = filter.split(/\s+and\s+/).map((c) => {
    const m = /^(\w+) (eq|ne|gt|ge|lt|le) (?:'((?:[^']|'')*)'|(-?\d+(?:\.\d+)?)|(true|false|null))$/.exec(
      c.trim(),
    );
    if (!m) throw new Error(`the docs test cannot check the filter condition "${c}"`);
    const [, col, op] = m;
    const lit: unknown =
      m[3] !== undefined
        ? m[3].replaceAll("''", "'")
        : m[4] !== undefined
          ? Number(m[4])
          : m[5] === 'null'
            ? null
            : m[5] === 'true';
    return (row: Record<string, unknown>) => {
      const v = row[col!] ?? null;
      switch (op) {
        case 'eq':
          return v === lit;
        case 'ne':
          return v !== lit;
        case 'gt':
          return v !== null && (v as number) > (lit as number);
        case 'ge':
          return v !== null && (v as number) >= (lit as number);
        case 'lt':
          return v !== null && (v as number) < (lit as number);
        default:
          return v !== null && (v as number) <= (lit as number);
      }
    };
  });
  return (row) => parts.every((p) => p(row));
}
