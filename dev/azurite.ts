/**
 * Starts Azurite (Table, Blob and Queue services) from the npm package as a child process, on
 * free loopback ports, with telemetry off. Used by the tests (in memory) and `npm start`
 * (data in a git-ignored folder).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';

export const AZURITE_ACCOUNT = 'devstoreaccount1';
export const AZURITE_KEY =
  'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

export interface AzuriteOptions {
  /** Folder for data; ignored with inMemory. */
  location?: string;
  inMemory?: boolean;
  tablePort?: number;
  blobPort?: number;
  queuePort?: number;
  /** Forward Azurite's own output (debugging). */
  verbose?: boolean;
}

export interface RunningAzurite {
  connectionString: string;
  tableEndpoint: string;
  blobEndpoint: string;
  queueEndpoint: string;
  /** Ports in use, so a test can stop Azurite and start it again in the same place. */
  ports: { table: number; blob: number; queue: number };
  stop(): Promise<void>;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

export function azuriteConnectionString(tablePort: number, blobPort: number, queuePort?: number): string {
  return [
    'DefaultEndpointsProtocol=http',
    `AccountName=${AZURITE_ACCOUNT}`,
    `AccountKey=${AZURITE_KEY}`,
    `BlobEndpoint=http://127.0.0.1:${blobPort}/${AZURITE_ACCOUNT}`,
    `TableEndpoint=http://127.0.0.1:${tablePort}/${AZURITE_ACCOUNT}`,
    ...(queuePort ? [`QueueEndpoint=http://127.0.0.1:${queuePort}/${AZURITE_ACCOUNT}`] : []),
  ].join(';');
}

function waitForListening(child: ChildProcess, ports: number[], timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const seen = new Set<number>();
    let out = '';
    const timer = setTimeout(() => {
      reject(new Error(`Azurite did not start within ${timeoutMs} ms:\n${out.slice(-2000)}`));
    }, timeoutMs);
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      for (const p of ports) if (out.includes(`:${p}`)) seen.add(p);
      if (seen.size === ports.length) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (c: Buffer) => {
      out += c.toString();
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`Azurite exited with code ${code}:\n${out.slice(-2000)}`));
    });
  });
}

export async function startAzurite(opts: AzuriteOptions = {}): Promise<RunningAzurite> {
  const require = createRequire(import.meta.url);
  const script = join(dirname(require.resolve('azurite/package.json')), 'dist/src/azurite.js');
  const tablePort = opts.tablePort ?? (await freePort());
  const blobPort = opts.blobPort ?? (await freePort());
  const queuePort = opts.queuePort ?? (await freePort());
  const args = [
    script,
    '--disableTelemetry',
    '--skipApiVersionCheck',
    '--loose',
    '--tableHost',
    '127.0.0.1',
    '--tablePort',
    String(tablePort),
    '--blobHost',
    '127.0.0.1',
    '--blobPort',
    String(blobPort),
    '--queueHost',
    '127.0.0.1',
    '--queuePort',
    String(queuePort),
  ];
  if (opts.inMemory) {
    args.push('--inMemoryPersistence');
  } else {
    const location = opts.location ?? '.local/azurite';
    mkdirSync(location, { recursive: true });
    args.push('--location', location);
  }
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  if (opts.verbose) {
    child.stdout?.pipe(process.stdout);
    child.stderr?.pipe(process.stderr);
  }
  await waitForListening(child, [tablePort, blobPort, queuePort], 30_000);
  return {
    connectionString: azuriteConnectionString(tablePort, blobPort, queuePort),
    tableEndpoint: `http://127.0.0.1:${tablePort}/${AZURITE_ACCOUNT}`,
    blobEndpoint: `http://127.0.0.1:${blobPort}/${AZURITE_ACCOUNT}`,
    queueEndpoint: `http://127.0.0.1:${queuePort}/${AZURITE_ACCOUNT}`,
    ports: { table: tablePort, blob: blobPort, queue: queuePort },
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 3000).unref();
      }),
  };
}
