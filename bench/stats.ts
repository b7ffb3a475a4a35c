/** Shared by the benchmarks: numeric options and latency percentiles. */

/** `--name N` from the arguments, or the fallback; at least `min` (default: any positive number). */
export function numericArg(args: string[], name: string, fallback: number, min = Number.MIN_VALUE): number {
  const i = args.indexOf(`--${name}`);
  const v = i >= 0 ? Number(args[i + 1]) : fallback;
  if (!Number.isFinite(v) || v < min) {
    const what =
      min === Number.MIN_VALUE
        ? 'a positive number'
        : min === 0
          ? 'a non-negative number'
          : `a number ≥ ${min}`;
    throw new Error(`--${name} needs ${what}`);
  }
  return v;
}

/** Nearest-rank percentile of an ascending array. */
export function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}
