/**
 * The PowerShell agent cannot run here (no PowerShell on CI), so it is held to what can be
 * checked without running it: every script parses, and the canonical string format it
 * signs is the server's, byte for byte on the committed test vectors.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Node } from 'web-tree-sitter';
import { CANONICAL_LINES, CANONICAL_VERSION } from '../../shared/trust/canonical.js';
import { formatProblems, parsePowerShell } from '../support/powershell-parser.js';
import { type ObjectShape, shapeAt } from '../support/report-schema-objects.js';

const ROOT = join(import.meta.dirname, '..', '..');
const AGENT_DIR = join(ROOT, 'agent');
const AGENT_SCRIPT = join(ROOT, 'agent', 'windows', 'ResetReady-Agent.ps1');
const VECTORS = join(ROOT, 'test', 'fixtures', 'agent-protocol');

function powerShellFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && e.name.toLowerCase().endsWith('.ps1'))
    .map((e) => join(e.parentPath, e.name))
    .sort();
}

/** The single `$CanonicalFormat = @(...)` block: literal single-quoted entries only. */
function canonicalFormatOf(script: string): string[] {
  const blocks = [...script.matchAll(/^\$CanonicalFormat\s*=\s*@\(([^)]*)\)\s*$/gm)];
  if (blocks.length !== 1) throw new Error(`expected one $CanonicalFormat block, found ${blocks.length}`);
  const inner = blocks[0]?.[1] ?? '';
  const entries = [...inner.matchAll(/'([^']*)'/g)].map((m) => m[1] ?? '');
  // Anything but quoted literals and commas (a variable, an expression) defeats the comparison.
  const rest = inner.replace(/'[^']*'/g, '').replace(/[\s,]/g, '');
  if (rest !== '') throw new Error(`$CanonicalFormat holds more than literals: ${rest}`);
  return entries;
}

/** Renders a format the way Get-CanonicalString in the agent does. */
function renderLikeTheAgent(format: readonly string[], values: Record<string, string>): string {
  return format
    .map((entry) => {
      const m = /^\{(\w+)\}$/.exec(entry);
      if (!m) return entry;
      const value = values[m[1] ?? ''];
      if (value === undefined) throw new Error(`no value for ${entry}`);
      return value;
    })
    .join('\n');
}

describe('PowerShell scripts parse', () => {
  const files = powerShellFiles(AGENT_DIR);

  it('finds the agent, its packaging and both Remediation scripts', () => {
    const names = files.map((f) => relative(AGENT_DIR, f).replaceAll('\\', '/'));
    expect(names).toEqual(
      expect.arrayContaining([
        'windows/ResetReady-Agent.ps1',
        'windows/Install-ResetReadyAgent.ps1',
        'windows/Uninstall-ResetReadyAgent.ps1',
        'windows/remediation/Detect-ResetReady.ps1',
        'windows/remediation/Detect-CanReset.ps1',
      ]),
    );
  });

  it.each(files.map((f) => [relative(ROOT, f), f]))(
    '%s has no ERROR or MISSING node',
    async (_name, file) => {
      const result = await parsePowerShell(readFileSync(file, 'utf8'));
      expect(formatProblems(relative(ROOT, file), result.problems)).toBe('');
      expect(result.ok).toBe(true);
    },
  );

  it.each([
    ['unclosed function body', 'function Get-X {\n  $a = 1\n', 'missing'],
    ['unterminated here-string', "$s = @'\nabc\n", 'error'],
    ['unterminated string', "$a = 'oops\n", 'error'],
    ['unbalanced parenthesis', '$x = (1 + 2\n', 'error'],
    ['stray closing brace', 'foreach ($i in $list) { $i }}\n', 'error'],
    ['hashtable entry without a value', '$h = @{ a = 1; b = }\n', 'error'],
  ])('reports a broken snippet (%s) as broken', async (_label, source, kind) => {
    const result = await parsePowerShell(source);
    expect(result.ok).toBe(false);
    expect(result.problems.map((p) => p.kind)).toContain(kind);
  });
});

/**
 * Cmdlets the scripts may call: Windows PowerShell 5.1 core, CimCmdlets and ScheduledTasks.
 * A name outside this list and the script's own functions is a typo until proven otherwise.
 */
const KNOWN_CMDLETS = new Set(
  [
    'Add-Type',
    'ConvertFrom-Json',
    'ConvertTo-Json',
    'Copy-Item',
    'ForEach-Object',
    'Get-AuthenticodeSignature',
    'Get-ChildItem',
    'Get-CimInstance',
    'Get-Content',
    'Get-Item',
    'Get-ItemProperty',
    'Get-Random',
    'Get-ScheduledTask',
    'Invoke-CimMethod',
    'Join-Path',
    'New-Item',
    'New-Object',
    'New-ScheduledTaskAction',
    'New-ScheduledTaskPrincipal',
    'New-ScheduledTaskSettingsSet',
    'New-ScheduledTaskTrigger',
    'New-TimeSpan',
    'Out-Null',
    'Out-String',
    'Register-ScheduledTask',
    'Remove-Item',
    'Remove-TypeData',
    'Select-Object',
    'Set-Content',
    'Sort-Object',
    'Split-Path',
    'Start-ScheduledTask',
    'Start-Sleep',
    'Test-Path',
    'Unregister-ScheduledTask',
    'Where-Object',
    'Write-Output',
  ].map((c) => c.toLowerCase()),
);

interface ScriptShape {
  /** Function name (lower-case) → its declared parameter names (lower-case, no `$`). */
  functions: Map<string, Set<string>>;
  calls: { name: string; parameters: string[]; line: number }[];
}

function shapeOf(root: Node): ScriptShape {
  const functions = new Map<string, Set<string>>();
  for (const fn of root.descendantsOfType('function_statement')) {
    if (!fn) continue;
    const name = fn.children.find((c) => c?.type === 'function_name')?.text.toLowerCase() ?? '';
    const params = new Set(
      fn
        .descendantsOfType('script_parameter')
        .flatMap((p) => p?.children.find((c) => c?.type === 'variable')?.text ?? [])
        .map((v) => v.replace(/^\$/, '').toLowerCase()),
    );
    functions.set(name, params);
  }
  const calls: ScriptShape['calls'] = [];
  for (const cmd of root.descendantsOfType('command')) {
    const nameNode = cmd?.childForFieldName('command_name');
    if (!cmd || nameNode?.type !== 'command_name') continue;
    const elements = cmd.childForFieldName('command_elements');
    const parameters = (elements?.children ?? [])
      .filter((c) => c?.type === 'command_parameter')
      .map((c) => (c?.text ?? '').replace(/^-/, '').replace(/:$/, '').toLowerCase());
    calls.push({ name: nameNode.text.toLowerCase(), parameters, line: cmd.startPosition.row + 1 });
  }
  return { functions, calls };
}

describe('PowerShell scripts call what exists', () => {
  const files = powerShellFiles(AGENT_DIR);

  it.each(files.map((f) => [relative(ROOT, f), f]))(
    '%s: every command is its own function, a known cmdlet or an .exe',
    async (_name, file) => {
      const { functions, calls } = shapeOf((await parsePowerShell(readFileSync(file, 'utf8'))).root);
      const unknown = calls
        .filter((c) => !functions.has(c.name) && !KNOWN_CMDLETS.has(c.name) && !c.name.endsWith('.exe'))
        .map((c) => `${c.name} (line ${c.line})`);
      expect(unknown).toEqual([]);
    },
  );

  it.each(files.map((f) => [relative(ROOT, f), f]))(
    '%s: calls to its own functions use declared parameters, and every function is called',
    async (_name, file) => {
      const { functions, calls } = shapeOf((await parsePowerShell(readFileSync(file, 'utf8'))).root);
      const wrong = calls.flatMap((c) => {
        const declared = functions.get(c.name);
        return declared
          ? c.parameters.filter((p) => !declared.has(p)).map((p) => `${c.name} -${p} (line ${c.line})`)
          : [];
      });
      expect(wrong).toEqual([]);
      const called = new Set(calls.map((c) => c.name));
      expect([...functions.keys()].filter((f) => !called.has(f))).toEqual([]);
    },
  );

  it('catches a misspelt function and an undeclared parameter (the check can fail)', async () => {
    const source = 'function Get-Thing([switch]$Fast) { 1 }\nGet-Thnig\nGet-Thing -Slow\n';
    const { functions, calls } = shapeOf((await parsePowerShell(source)).root);
    expect(
      calls.filter((c) => !functions.has(c.name) && !KNOWN_CMDLETS.has(c.name)).map((c) => c.name),
    ).toEqual(['get-thnig']);
    expect(functions.get('get-thing')?.has('slow')).toBe(false);
    expect(calls.find((c) => c.name === 'get-thing')?.parameters).toEqual(['slow']);
  });
});

describe('the agent signs the server canonical string', () => {
  const script = readFileSync(AGENT_SCRIPT, 'utf8');
  const format = canonicalFormatOf(script);

  it('has one line per CANONICAL_LINES entry, in order, with the version literal', () => {
    const expected = CANONICAL_LINES.map((name) => (name === 'version' ? CANONICAL_VERSION : `{${name}}`));
    expect(format).toEqual(expected);
  });

  it('renders the test vector to the committed canonical.txt, byte for byte', () => {
    const vector = JSON.parse(readFileSync(join(VECTORS, 'vector.json'), 'utf8')) as Record<string, string>;
    const canonical = readFileSync(join(VECTORS, 'canonical.txt'));
    const rendered = renderLikeTheAgent(format, {
      method: vector.method ?? '',
      path: vector.path ?? '',
      deviceId: vector.deviceId ?? '',
      timestamp: vector.timestamp ?? '',
      nonce: vector.nonce ?? '',
      bodySha256Hex: vector.bodySha256Hex ?? '',
    });
    expect(Buffer.from(rendered, 'utf8').equals(canonical)).toBe(true);
  });

  it('a format with lines swapped no longer matches canonical.txt (the check can fail)', () => {
    const swapped = [...format];
    [swapped[4], swapped[5]] = [swapped[5] ?? '', swapped[4] ?? ''];
    const vector = JSON.parse(readFileSync(join(VECTORS, 'vector.json'), 'utf8')) as Record<string, string>;
    const rendered = renderLikeTheAgent(swapped, vector);
    expect(rendered).not.toBe(readFileSync(join(VECTORS, 'canonical.txt'), 'utf8'));
  });

  it('sends exactly the protocol headers of headers.json', () => {
    const headers = JSON.parse(readFileSync(join(VECTORS, 'headers.json'), 'utf8')) as Record<string, string>;
    // HTTP header names are case-insensitive.
    const sent = [...script.matchAll(/TryAddWithoutValidation\('([^']+)'/g)].map((m) => m[1]?.toLowerCase());
    const expected = Object.keys(headers)
      .map((h) => h.toLowerCase())
      .filter((h) => h !== 'content-type');
    expect(sent.sort()).toEqual(expected.sort());
    expect(script).toContain("MediaTypeHeaderValue]::Parse('application/json; charset=utf-8')");
  });

  it('signs RSASSA-PKCS1-v1_5 with SHA-256 over the UTF-8 canonical string', () => {
    expect(script).toMatch(
      /SignData\(\$Utf8\.GetBytes\(\$canonical\), \[Security\.Cryptography\.HashAlgorithmName\]::SHA256,\s+\[Security\.Cryptography\.RSASignaturePadding\]::Pkcs1\)/,
    );
  });
});

describe('the agent builds the report body the service validates', () => {
  // The agent sends schemaVersion 2: report-schema.json is the list of names it may use.
  const objects: Record<string, ObjectShape> = {
    body: shapeAt(2, ''),
    agent: shapeAt(2, 'agent'),
    device: shapeAt(2, 'device'),
    system: shapeAt(2, 'system'),
    user: shapeAt(2, 'users[]'),
    passportForWork: shapeAt(2, 'evidence.passportForWork'),
    policyKey: shapeAt(2, 'evidence.passportForWork.gpo'),
    windows: shapeAt(2, 'evidence.windows'),
    webSignIn: shapeAt(2, 'evidence.webSignIn'),
    lockScreen: shapeAt(2, 'evidence.lockScreen'),
    credentialProvider: shapeAt(2, 'evidence.lockScreen.thirdPartyCredentialProviders[]'),
    userLockScreen: shapeAt(2, 'users[].evidence.lockScreen'),
  };
  const BUILDERS = [
    'new-reportjson',
    'invoke-userprobe',
    'get-deviceevidence',
    'get-userevidence',
    'get-passportforworkevidence',
    'get-registrysnapshot',
    'get-thirdpartycredentialprovider',
  ];

  async function bodyBuilders(): Promise<Node[]> {
    const { root } = await parsePowerShell(readFileSync(AGENT_SCRIPT, 'utf8'));
    return root
      .descendantsOfType('function_statement')
      .filter((fn): fn is Node => !!fn)
      .filter((fn) =>
        BUILDERS.includes(fn.children.find((c) => c?.type === 'function_name')?.text.toLowerCase() ?? ''),
      );
  }

  /** Keys of each non-empty hash literal, its direct entries only, quotes removed. */
  function hashLiterals(fn: Node): string[][] {
    return fn
      .descendantsOfType('hash_literal_body')
      .filter((b): b is Node => !!b)
      .map((b) =>
        b.children
          .filter((e) => e?.type === 'hash_entry')
          .map((e) =>
            (e?.children.find((c) => c?.type === 'key_expression')?.text ?? '').replace(/^'|'$/g, ''),
          ),
      )
      .filter((keys) => keys.length > 0);
  }

  it('every hash literal in the body and evidence builders is one schema object, exactly named', async () => {
    const builders = await bodyBuilders();
    expect(builders).toHaveLength(BUILDERS.length);
    const literals = builders.flatMap(hashLiterals);
    const matched = new Set<string>();
    const unmatched: string[] = [];
    for (const keys of literals) {
      const hit = Object.entries(objects).find(
        ([, shape]) =>
          shape.required.every((k) => keys.includes(k)) && keys.every((k) => shape.all.includes(k)),
      );
      if (hit) matched.add(hit[0]);
      else unmatched.push(keys.join(','));
    }
    expect(unmatched, 'hash literals that match no schema object (a misspelt field?)').toEqual([]);
    // passportForWork ({ gpo, mdm }) is built as one literal too; every object is built somewhere.
    expect([...matched].sort()).toEqual(Object.keys(objects).sort());
  });

  it('fields added later ($x.name = ...) are schema fields of that object', () => {
    const script = readFileSync(AGENT_SCRIPT, 'utf8');
    const objectOf: Record<string, ObjectShape | undefined> = {
      device: objects.device,
      body: objects.body,
      entry: objects.user,
      snapshot: objects.policyKey,
    };
    const added = [...script.matchAll(/\$(device|body|entry|snapshot|evidence)\.(\w+) = /g)].map(
      (m): [string, string] => [m[1] ?? '', m[2] ?? ''],
    );
    expect(added.length).toBeGreaterThan(5);
    const wrong = added.filter(([variable, name]) => {
      if (variable === 'evidence') {
        // $evidence is the device evidence in Get-DeviceEvidence and the user's in Get-UserEvidence.
        return (
          !shapeAt(2, 'evidence').all.includes(name) && !shapeAt(2, 'users[].evidence').all.includes(name)
        );
      }
      return !objectOf[variable]?.all.includes(name);
    });
    expect(wrong).toEqual([]);
  });

  it('sends schemaVersion 2 and the probe runs as a script file, never an encoded command', () => {
    const script = readFileSync(AGENT_SCRIPT, 'utf8');
    expect(script).toMatch(/schemaVersion = 2\b/);
    // Comments may name it; no command line passes it.
    expect(script).not.toMatch(/-EncodedCommand\s+\$/i);
    expect(script).not.toMatch(/ToBase64String\(\[Text\.Encoding\]::Unicode/);
    expect(script).toMatch(/-File "\{0\}" -OutDir "\{1\}"/);
    expect(script).toMatch(/New-ScheduledTaskPrincipal -UserId \$User\.Sid /);
  });
});

describe('the user probe script', () => {
  const agent = readFileSync(AGENT_SCRIPT, 'utf8');
  const probe = /\$UserProbeScript = @'\r?\n([\s\S]*?)\r?\n'@/.exec(agent)?.[1] ?? '';

  it('parses', async () => {
    expect(probe.length).toBeGreaterThan(100);
    const result = await parsePowerShell(probe);
    expect(formatProblems('UserProbe', result.problems)).toBe('');
  });

  it('runs under Constrained Language Mode: cmdlets and native tools only, no .NET', () => {
    expect(probe).not.toMatch(/::|New-Object|Add-Type|\[IO\.|\[System\./);
  });

  it('declares the parameters the agent passes', async () => {
    const { root } = await parsePowerShell(probe);
    const params = root.descendantsOfType('script_parameter').map((p) =>
      p?.children
        .find((c) => c?.type === 'variable')
        ?.text.replace(/^\$/, '')
        .toLowerCase(),
    );
    expect(params.sort()).toEqual(['outdir', 'passportkeys']);
    expect(agent).toMatch(/-OutDir "\{1\}"/);
    expect(agent).toMatch(/\$arguments \+= ' -PassportKeys'/);
  });
});

describe('the agent keeps Remediations and proxies working', () => {
  const script = readFileSync(AGENT_SCRIPT, 'utf8');

  it('never waits a random delay in Remediation mode, and budgets the run instead', () => {
    const sleeps = [...script.matchAll(/MaxRandomDelaySeconds \+ 1/g)];
    expect(sleeps).toHaveLength(1);
    expect(script).toMatch(
      /if \(\$runMode -eq 'remediation'\) \{[^}]*\$script:Deadline = \[DateTime\]::UtcNow\.AddSeconds\(\$Config\.RemediationBudgetSeconds\)[^}]*\}\s*elseif \(-not \$NoDelay -and \$Config\.MaxRandomDelaySeconds -gt 0\) \{\s*Start-Sleep -Seconds \(Get-Random -Minimum 0 -Maximum \(\[int\]\$Config\.MaxRandomDelaySeconds \+ 1\)\)/,
    );
    // Retries and probes stop at the budget.
    expect(script).toMatch(/AddSeconds\(\$wait\) -gt \$script:Deadline\) \{ return \$result \}/);
    expect(script).toMatch(/AddSeconds\(\$Config\.UserProbeTimeoutSeconds\) -gt \$script:Deadline/);
  });

  it('builds its one HttpClient on a handler that uses the system proxy with default credentials', () => {
    expect([...script.matchAll(/New-Object System\.Net\.Http\.HttpClient\b/g)]).toHaveLength(1);
    expect(script).toMatch(/New-Object System\.Net\.Http\.HttpClient\(\$handler, \$true\)/);
    expect(script).toMatch(/\$handler\.Proxy = \$proxy/);
    expect(script).toMatch(/\[System\.Net\.WebRequest\]::GetSystemWebProxy\(\)/);
    expect(script).toMatch(/GetValue\('WinHttpSettings'\)/);
    expect([...script.matchAll(/\.Credentials = \$credentials/g)].length).toBe(3);
    expect(script).toMatch(/\$credentials = \[System\.Net\.CredentialCache\]::DefaultNetworkCredentials/);
  });
});
