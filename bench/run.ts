/**
 * `npm run bench -- <name> [options]`: runs bench/<name>.ts (built to dist/bench/<name>.js).
 * Benchmarks are not part of CI; each prints JSON and writes bench/results/<name>.json.
 */
const BENCHES = ['ingest', 'collect', 'serve', 'odata-export'] as const;

async function main(argv: string[]): Promise<number> {
  const [name, ...args] = argv;
  if (!name || !(BENCHES as readonly string[]).includes(name)) {
    process.stderr.write(`usage: npm run bench -- <${BENCHES.join('|')}> [options]\n`);
    return 2;
  }
  const mod = (await import(`./${name}.js`)) as { run(args: string[]): Promise<number> };
  return mod.run(args);
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(
      `bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    process.exit(1);
  },
);
