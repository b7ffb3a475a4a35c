/**
 * Fault injection: a seeded random rate over chosen kinds, scripted "fail the next n calls
 * to this route", and optional Intune-like request budgets per 20 s window (graph.md §14).
 */
import { Prng } from './prng.js';

export type FaultKind = '429' | '429-no-retry-after' | '503' | '504' | 'reset' | '403-intune';

export interface FaultOptions {
  /** Probability (0..1) that a request gets a fault. */
  rate?: number;
  kinds?: FaultKind[];
  /** Retry-After sent with 429 (and 503); fractional seconds allowed, like Graph's "2.128". */
  retryAfterSeconds?: number;
  seed?: number | string;
}

/** Throttle families (graph.md §14); budgets count requests per family per window. */
export type ThrottleFamily =
  | 'identity'
  | 'intuneDevices'
  | 'intuneConfigV2'
  | 'intuneConfig'
  | 'intuneIntent'
  | 'outlook'
  | 'batch';

export type Budgets = Partial<Record<ThrottleFamily, number>> & { windowSeconds?: number };

/** Per app per tenant limits from graph.md §14 (identity: resource units, 8,000 per 10 s ⇒ 16,000 per 20 s). */
export const INTUNE_LIKE_BUDGETS: Budgets = {
  windowSeconds: 20,
  intuneDevices: 2000,
  intuneConfigV2: 1000,
  intuneConfig: 1000,
  intuneIntent: 1000,
  identity: 16000,
};

interface Scripted {
  pattern: string | RegExp;
  remaining: number;
  kind: FaultKind;
}

export class FaultInjector {
  private options: Required<Omit<FaultOptions, 'seed'>> = { rate: 0, kinds: ['429'], retryAfterSeconds: 1 };
  private prng = new Prng(1);
  private scripted: Scripted[] = [];
  private budgets: Budgets | null = null;
  private windows = new Map<ThrottleFamily, { start: number; used: number }>();

  constructor(options?: FaultOptions, budgets?: Budgets | boolean) {
    if (options) this.set(options);
    this.setBudgets(budgets);
  }

  /** Changes only the given settings (setFaults({ rate: 0 }) keeps kinds and Retry-After). */
  set(options: FaultOptions): void {
    this.options = {
      rate: options.rate ?? this.options.rate,
      kinds: options.kinds && options.kinds.length > 0 ? options.kinds : this.options.kinds,
      retryAfterSeconds: options.retryAfterSeconds ?? this.options.retryAfterSeconds,
    };
    if (options.seed !== undefined) this.prng = new Prng(options.seed);
  }

  get retryAfterSeconds(): number {
    return this.options.retryAfterSeconds;
  }

  setBudgets(budgets: Budgets | boolean | undefined): void {
    this.budgets = budgets === true ? INTUNE_LIKE_BUDGETS : budgets ? budgets : null;
    this.windows.clear();
  }

  /** The next `n` requests whose label matches (substring, or RegExp) fail with `kind`. */
  failNext(pattern: string | RegExp, n: number, kind: FaultKind): void {
    this.scripted.push({ pattern, remaining: n, kind });
  }

  /** Decides the fault for one request (scripted first, then the random rate). */
  draw(label: string): FaultKind | null {
    return this.drawScripted(label) ?? this.drawRandom();
  }

  /** Only the scripted plan (the $batch envelope: random faults go to its items). */
  drawScripted(label: string): FaultKind | null {
    for (const s of this.scripted) {
      const hit = typeof s.pattern === 'string' ? label.includes(s.pattern) : s.pattern.test(label);
      if (hit && s.remaining > 0) {
        s.remaining--;
        this.scripted = this.scripted.filter((x) => x.remaining > 0);
        return s.kind;
      }
    }
    return null;
  }

  private drawRandom(): FaultKind | null {
    if (this.options.rate > 0 && this.prng.next() < this.options.rate)
      return this.prng.pick(this.options.kinds);
    return null;
  }

  /**
   * Charges `cost` to the family's window; returns seconds until the window resets when the
   * budget is exhausted (the request is then throttled), else null.
   */
  charge(family: ThrottleFamily, cost: number, now: number): number | null {
    const limit = this.budgets?.[family];
    if (!this.budgets || limit === undefined) return null;
    const windowMs = (this.budgets.windowSeconds ?? 20) * 1000;
    let w = this.windows.get(family);
    if (!w || now - w.start >= windowMs) {
      w = { start: now, used: 0 };
      this.windows.set(family, w);
    }
    if (w.used + cost > limit) return Math.max(0.001, (w.start + windowMs - now) / 1000);
    w.used += cost;
    return null;
  }

  /** Used by $batch to shuffle responses reproducibly. */
  shuffle<T>(items: T[]): T[] {
    return this.prng.shuffle(items);
  }
}
