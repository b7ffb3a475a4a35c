/**
 * A collection the simulator pages through without holding it: `length` raw positions, each
 * holding an item or nothing (a hole the source skips, e.g. an Intune device with no Entra
 * record). A materialized tenant wraps its arrays; a streaming tenant renders position k on
 * demand from its seed, so a 1,000,000-device tenant costs no memory until a page is asked for.
 */

export interface Seq<T> {
  readonly length: number;
  /** The item at raw position `position`, or undefined for a hole. */
  at(position: number): T | undefined;
  /**
   * Memo for whole-collection figures (a filtered @odata.count), keyed by what was counted;
   * sources that cannot change (streaming) keep one, mutable arrays do not.
   */
  readonly memo?: Map<string, number>;
}

export function arraySeq<T>(items: readonly T[]): Seq<T> {
  return { length: items.length, at: (i) => items[i] };
}

/** Positions [from, from + length) of a rendering function; undefined results are holes. */
export function rangeSeq<T>(
  length: number,
  render: (position: number) => T | undefined,
  memo?: Map<string, number>,
): Seq<T> {
  return memo ? { length, at: render, memo } : { length, at: render };
}

/** One sequence after another, as one (positions are global). */
export function concatSeq<T>(parts: readonly Seq<T>[]): Seq<T> {
  if (parts.length === 1) return parts[0] as Seq<T>;
  const starts: number[] = [];
  let total = 0;
  for (const p of parts) {
    starts.push(total);
    total += p.length;
  }
  return {
    length: total,
    at(position) {
      // Few parts (a group's segments): a linear search is fine.
      for (let k = parts.length - 1; k >= 0; k--) {
        const start = starts[k] as number;
        if (position >= start) return (parts[k] as Seq<T>).at(position - start);
      }
      return undefined;
    },
  };
}

export function mapSeq<T, U>(seq: Seq<T>, fn: (item: T) => U): Seq<U> {
  return {
    length: seq.length,
    at(position) {
      const v = seq.at(position);
      return v === undefined ? undefined : fn(v);
    },
  };
}

/** Every item in order (holes skipped); for small collections and tests. */
export function* items<T>(seq: Seq<T>): Generator<T> {
  for (let i = 0; i < seq.length; i++) {
    const v = seq.at(i);
    if (v !== undefined) yield v;
  }
}

export function toArray<T>(seq: Seq<T>): T[] {
  return [...items(seq)];
}

/** Items that match, counted once per `key` when the source memoizes. */
export function countMatches<T>(seq: Seq<T>, match: ((item: T) => boolean) | null, key: string): number {
  const cached = seq.memo?.get(key);
  if (cached !== undefined) return cached;
  let n = 0;
  for (let i = 0; i < seq.length; i++) {
    const v = seq.at(i);
    if (v !== undefined && (!match || match(v))) n++;
  }
  seq.memo?.set(key, n);
  return n;
}
