/**
 * `resetready sim`: the Microsoft Graph simulator with a generated tenant, for trying the
 * collector and the functions locally. Prints the settings to export, runs until Ctrl+C.
 */
import { join } from 'node:path';
import { generateTenant } from '../../dev/graph-sim/generate.js';
import { type GraphSimulator, startGraphSimulator } from '../../dev/graph-sim/server.js';
import { StreamingTenant } from '../../dev/graph-sim/streaming.js';
import type { Tenant } from '../../dev/graph-sim/tenant.js';
import { ensureDevCa } from '../../dev/tls.js';

export interface SimArgs {
  devices: number;
  seed: string;
  latencyMs: number;
  faultRate: number;
  port: number;
  /** Where the dev CA lives (default .local/sim-ca in the working directory). */
  caDir: string;
  /** The tenant's clock (check-ins, policy dates); default the real clock at start. */
  now: string | undefined;
  /** Render devices, members and run states per page from the seed (any size fits in memory). */
  streaming: boolean;
}

const USAGE =
  'usage: resetready sim [--devices N] [--seed S] [--latency-ms L] [--fault-rate F] [--port P] [--ca-dir DIR] [--now ISO-8601] [--streaming]';

/** Parses the flags; throws with a usage line on anything it does not understand. */
export function parseSimArgs(args: string[]): SimArgs {
  const out: SimArgs = {
    devices: 1000,
    seed: 'demo',
    latencyMs: 0,
    faultRate: 0,
    port: 0,
    caDir: join(process.cwd(), '.local', 'sim-ca'),
    now: undefined,
    streaming: false,
  };
  for (let i = 0; i < args.length; i++) {
    const flag = args[i] as string;
    if (flag === '--streaming') {
      out.streaming = true;
      continue;
    }
    const [name, inline] = flag.includes('=')
      ? (flag.split(/=(.*)/s) as [string, string])
      : [flag, undefined];
    const value = inline ?? args[++i];
    if (value === undefined) throw new Error(`${name} needs a value\n${USAGE}`);
    const num = (min: number, max: number): number => {
      const v = Number(value);
      if (!Number.isFinite(v) || v < min || v > max)
        throw new Error(`${name} must be a number from ${min} to ${max} (got "${value}")\n${USAGE}`);
      return v;
    };
    switch (name) {
      case '--devices':
        out.devices = Math.floor(num(0, 1_000_000));
        break;
      case '--seed':
        out.seed = value;
        break;
      case '--latency-ms':
        out.latencyMs = num(0, 60_000);
        break;
      case '--fault-rate':
        out.faultRate = num(0, 1);
        break;
      case '--port':
        out.port = Math.floor(num(0, 65_535));
        break;
      case '--ca-dir':
        out.caDir = value;
        break;
      case '--now':
        if (Number.isNaN(Date.parse(value)))
          throw new Error(`--now must be an ISO 8601 date-time (got "${value}")\n${USAGE}`);
        out.now = new Date(value).toISOString();
        break;
      default:
        throw new Error(`unknown option "${name}"\n${USAGE}`);
    }
  }
  return out;
}

/** Starts the simulator and returns it with the lines to print (shell `export` form). */
export async function startSim(
  opts: SimArgs,
): Promise<{ sim: GraphSimulator<Tenant | StreamingTenant>; lines: string[] }> {
  const ca = await ensureDevCa(opts.caDir);
  const tenantOptions = { devices: opts.devices, seed: opts.seed, now: opts.now ?? new Date().toISOString() };
  const tenant = opts.streaming ? new StreamingTenant(tenantOptions) : generateTenant(tenantOptions);
  const managedDevices = opts.streaming ? opts.devices : (tenant as Tenant).managedDevices.length;
  const sim = await startGraphSimulator({
    tenant,
    ca,
    port: opts.port,
    latencyMs: opts.latencyMs,
    faults: {
      rate: opts.faultRate,
      kinds: ['429', '429-no-retry-after', '503', '504', 'reset'],
      seed: opts.seed,
    },
  });
  const lines = [
    `# Graph simulator: ${managedDevices} managed devices${opts.streaming ? ' (streaming)' : ''}, tenant ${tenant.tenantId} (seed "${opts.seed}")`,
    `export GRAPH_BASE_URL=${sim.baseUrl}`,
    `export GRAPH_ACCESS_TOKEN=${sim.token}`,
    `export GRAPH_TENANT_ID=${tenant.tenantId}`,
    `export NODE_EXTRA_CA_CERTS=${sim.caFile}`,
  ];
  return { sim, lines };
}

export async function run(args: string[]): Promise<number> {
  let opts: SimArgs;
  try {
    opts = parseSimArgs(args);
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n`);
    return 2;
  }
  const { sim, lines } = await startSim(opts);
  process.stdout.write(`${[...lines, '# Ctrl+C stops it.'].join('\n')}\n`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  const s = sim.stats();
  await sim.stop();
  process.stderr.write(`graph sim stopped after ${s.total} requests (${s.faultsInjected} faults injected)\n`);
  return 0;
}
