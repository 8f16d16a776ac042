/**
 * Summary statistics for benchmark repeats, and the RSS trend test. Pure functions: no clocks, no I/O.
 */

/** Min, median and max of a set of repeats of one measurement. */
export interface Summary {
  min: number;
  median: number;
  max: number;
  /** How many repeats the summary covers. */
  n: number;
}

/**
 * Summarises the repeats of one measurement.
 *
 * @throws RangeError when `samples` is empty or holds a non-finite number: a benchmark that measured nothing must
 *   say so instead of reporting a zero.
 */
export function summarize(samples: readonly number[]): Summary {
  if (samples.length === 0) throw new RangeError('summarize: no samples');
  if (samples.some((s) => !Number.isFinite(s))) throw new RangeError(`summarize: non-finite sample in ${samples}`);
  const sorted = [...samples].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 === 1 ? at(sorted, mid) : (at(sorted, mid - 1) + at(sorted, mid)) / 2;
  return { min: at(sorted, 0), median, max: at(sorted, sorted.length - 1), n: sorted.length };
}

/** A throughput in items per second from a count and a duration in milliseconds. */
export function rate(items: number, ms: number): number {
  if (!(ms > 0)) throw new RangeError(`rate: duration must be positive, got ${ms} ms`);
  return (items * 1000) / ms;
}

/** `a / b` on medians, rounded to 3 decimals; `null` when either side was not measured. */
export function ratio(a: Summary | undefined, b: Summary | undefined): number | null {
  if (!a || !b || b.median === 0) return null;
  return Math.round((a.median / b.median) * 1000) / 1000;
}

/** One RSS reading: milliseconds since the run started and resident set size in MiB. */
export interface RssSample {
  tMs: number;
  rssMiB: number;
}

/** Whether a process's memory stayed flat over a run, and by how much it moved. */
export interface RssTrend {
  /** Peak RSS over all samples (MiB). */
  peakMiB: number;
  /** RSS growth over the steady part of the run, from a least-squares line (MiB; negative when it shrank). */
  growthMiB: number;
  /** Growth that still counts as flat: the larger of `minToleranceMiB` and `relTolerance` x the steady median. */
  toleranceMiB: number;
  flat: boolean;
  /** Samples in the steady part (after warm-up) the line was fitted to. */
  steadySamples: number;
}

/** Options of {@link rssTrend}. */
export interface RssTrendOptions {
  /** Leading fraction of the run ignored as warm-up (model load, arena growth). Default 0.25. */
  warmupFraction?: number;
  /** Default 0.05: 5% of the steady median. */
  relTolerance?: number;
  /** Default 32 MiB: allocator noise on a small process. */
  minToleranceMiB?: number;
}

/**
 * Decides whether RSS was flat over a run. The first part of the run is warm-up (model load, arena growth, the first
 * batches) and allowed to climb; over the rest a least-squares line is fitted and its rise across that span is the
 * growth. A leak shows up as a steady slope, while allocator noise averages out — a max-minus-min test would flag the
 * noise and miss a slow leak.
 *
 * @throws RangeError with fewer than 4 samples: there is no trend to tell.
 */
export function rssTrend(samples: readonly RssSample[], opts: RssTrendOptions = {}): RssTrend {
  const { warmupFraction = 0.25, relTolerance = 0.05, minToleranceMiB = 32 } = opts;
  if (samples.length < 4) throw new RangeError(`rssTrend: need at least 4 samples, got ${samples.length}`);
  const sorted = [...samples].sort((a, b) => a.tMs - b.tMs);
  const t0 = at(sorted, 0).tMs;
  const tEnd = at(sorted, sorted.length - 1).tMs;
  const cut = t0 + (tEnd - t0) * warmupFraction;
  let steady = sorted.filter((s) => s.tMs >= cut);
  if (steady.length < 3) steady = sorted.slice(-3);
  const { slope } = leastSquares(
    steady.map((s) => s.tMs),
    steady.map((s) => s.rssMiB),
  );
  const span = at(steady, steady.length - 1).tMs - at(steady, 0).tMs;
  const growthMiB = slope * span;
  const toleranceMiB = Math.max(minToleranceMiB, relTolerance * summarize(steady.map((s) => s.rssMiB)).median);
  return {
    peakMiB: Math.max(...sorted.map((s) => s.rssMiB)),
    growthMiB: Math.round(growthMiB * 10) / 10,
    toleranceMiB: Math.round(toleranceMiB * 10) / 10,
    flat: growthMiB <= toleranceMiB,
    steadySamples: steady.length,
  };
}

/**
 * Thins a long series to at most `max` points, keeping the first and last, so a report stays small while still
 * showing the shape of the curve.
 */
export function downsample<T>(items: readonly T[], max: number): T[] {
  if (max < 2) throw new RangeError('downsample: max must be at least 2');
  if (items.length <= max) return [...items];
  const out: T[] = [];
  for (let i = 0; i < max; i++) out.push(at(items, Math.round((i * (items.length - 1)) / (max - 1))));
  return out;
}

function leastSquares(xs: readonly number[], ys: readonly number[]): { slope: number; intercept: number } {
  const n = xs.length;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < n; i++) {
    const dx = at(xs, i) - mx;
    sxy += dx * (at(ys, i) - my);
    sxx += dx * dx;
  }
  const slope = sxx === 0 ? 0 : sxy / sxx;
  return { slope, intercept: my - slope * mx };
}

function at<T>(xs: readonly T[], i: number): T {
  const v = xs[i];
  if (v === undefined) throw new RangeError(`index ${i} out of range (length ${xs.length})`);
  return v;
}
