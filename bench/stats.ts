/**
 * Timing primitives for the benchmark: per-op latencies from `process.hrtime.bigint()`, summaries, and a
 * round-robin runner that alternates variants so slow drifts of a shared machine hit them all alike.
 */
import { hrtime } from 'node:process';

/** The median of a list (copy-sorted). */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** The `q`-quantile (0..1) of sorted values, nearest-rank. */
export function quantileSorted(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank]!;
}

/** One batch of one variant: latencies in ns and wall time of the whole batch. */
export interface BatchStats {
  readonly opsPerSec: number;
  /** Microseconds. */
  readonly p50: number;
  /** Microseconds. */
  readonly p99: number;
}

/** A summary over rounds: the median of each per-round statistic. */
export interface Summary extends BatchStats {
  readonly rounds: number;
  readonly opsPerRound: number;
  /** Each round's p50 in µs, in round order (for paired comparisons between variants). */
  readonly roundP50s: readonly number[];
}

function batchStats(latNs: Float64Array, totalNs: number): BatchStats {
  const sorted = Float64Array.from(latNs).sort();
  return {
    opsPerSec: (latNs.length * 1e9) / totalNs,
    p50: quantileSorted(sorted, 0.5) / 1000,
    p99: quantileSorted(sorted, 0.99) / 1000,
  };
}

/** A measured operation. `i` indexes a pre-built pool; sync and async ops get separate loops. */
export type Variant =
  | { readonly name: string; readonly sync: (i: number) => unknown }
  | { readonly name: string; readonly async: (i: number) => Promise<unknown> };

/** Times `n` single ops of a variant, each with its own pair of hrtime reads. */
export async function timeBatch(variant: Variant, n: number, offset = 0): Promise<BatchStats> {
  const lat = new Float64Array(n);
  if ('sync' in variant) {
    const op = variant.sync;
    const t0 = hrtime.bigint();
    for (let i = 0; i < n; i++) {
      const s = hrtime.bigint();
      op(offset + i);
      lat[i] = Number(hrtime.bigint() - s);
    }
    return batchStats(lat, Number(hrtime.bigint() - t0));
  }
  const op = variant.async;
  const t0 = hrtime.bigint();
  for (let i = 0; i < n; i++) {
    const s = hrtime.bigint();
    await op(offset + i);
    lat[i] = Number(hrtime.bigint() - s);
  }
  return batchStats(lat, Number(hrtime.bigint() - t0));
}

/** Options of `runRounds`. */
export interface RoundOptions {
  /** Rounds; each runs every variant once, in a rotated order. */
  readonly rounds: number;
  /** Ops per variant per round. */
  readonly opsPerRound: number;
  /** Untimed ops per variant before the first round. */
  readonly warmupOps: number;
}

/**
 * Warms every variant, then runs `rounds` rounds in which each variant times one batch, the order rotating
 * each round. Each statistic is the median of the per-round values. `i` passed to the ops keeps counting
 * up across warm-up and rounds per variant (so pools of fresh tokens can be indexed by it).
 */
export async function runRounds(variants: readonly Variant[], opts: RoundOptions): Promise<Map<string, Summary>> {
  const next = new Map<string, number>();
  for (const v of variants) {
    await timeBatch(v, opts.warmupOps, 0);
    next.set(v.name, opts.warmupOps);
  }
  const perRound = new Map<string, BatchStats[]>(variants.map((v) => [v.name, []]));
  for (let r = 0; r < opts.rounds; r++) {
    for (let k = 0; k < variants.length; k++) {
      const v = variants[(r + k) % variants.length]!;
      const start = next.get(v.name)!;
      perRound.get(v.name)!.push(await timeBatch(v, opts.opsPerRound, start));
      next.set(v.name, start + opts.opsPerRound);
    }
  }
  return summarize(perRound, opts.opsPerRound);
}

/**
 * Like `runRounds`, but alternating variants op by op (A B C, B C A, ...) instead of batch by batch: for
 * operations that wait on a server (milliseconds, with the server's GC pauses and compactions in
 * between), every variant then meets the same server state. Throughput per round is ops over the summed
 * latencies of that variant's ops.
 */
export async function runInterleaved(variants: readonly Variant[], opts: RoundOptions): Promise<Map<string, Summary>> {
  const run = (v: Variant, i: number): unknown => ('sync' in v ? v.sync(i) : v.async(i));
  let next = 0;
  for (; next < opts.warmupOps; next++) for (const v of variants) await run(v, next);
  const perRound = new Map<string, BatchStats[]>(variants.map((v) => [v.name, []]));
  for (let r = 0; r < opts.rounds; r++) {
    const lat = variants.map(() => new Float64Array(opts.opsPerRound));
    for (let j = 0; j < opts.opsPerRound; j++, next++) {
      for (let k = 0; k < variants.length; k++) {
        const idx = (j + k) % variants.length;
        const s = hrtime.bigint();
        await run(variants[idx]!, next);
        lat[idx]![j] = Number(hrtime.bigint() - s);
      }
    }
    variants.forEach((v, idx) => perRound.get(v.name)!.push(batchStats(lat[idx]!, lat[idx]!.reduce((a, b) => a + b, 0))));
  }
  return summarize(perRound, opts.opsPerRound);
}

function summarize(perRound: Map<string, BatchStats[]>, opsPerRound: number): Map<string, Summary> {
  const out = new Map<string, Summary>();
  for (const [name, list] of perRound) {
    out.set(name, {
      opsPerSec: median(list.map((b) => b.opsPerSec)),
      p50: median(list.map((b) => b.p50)),
      p99: median(list.map((b) => b.p99)),
      rounds: list.length,
      opsPerRound,
      roundP50s: list.map((b) => b.p50),
    });
  }
  return out;
}

/** Formats a number with a fixed number of decimals, or a dash. */
export function fmt(value: number | undefined, decimals = 1): string {
  return value === undefined || !Number.isFinite(value) ? '–' : value.toFixed(decimals);
}

/** Formats an integer with thousands separators. */
export function int(value: number): string {
  return Math.round(value).toLocaleString('en-US');
}
