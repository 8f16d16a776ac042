/**
 * Repeats as rounds. On a machine shared with other work, load comes in bursts; running every measurement once per
 * round (raw, e2e, transformers.js, raw, e2e, transformers.js, ...) spreads a burst over all of them instead of
 * letting it land on one, so the ratios compare like with like. This module collects the rounds' samples and turns
 * them into report metrics. Pure.
 */
import type { Metric, MetricName } from './report';
import type { RssSample, RssTrend, Summary } from './stats';
import { downsample, rssTrend, summarize } from './stats';

/** What one measurement returned in one round. */
export interface RoundResult {
  /** One or more samples per metric (img/s, URIs/s, MiB). */
  samples: Partial<Record<MetricName, number[]>>;
  /** Facts about the measurement; a later round's overwrite an earlier one's. */
  detail?: Partial<Record<MetricName, Record<string, unknown>>>;
  /** Raw model img/s by batch size. */
  rawByBatch?: Record<string, number[]>;
  /** RSS series of one worker process over its timed run. */
  rss?: RssSample[];
  notes?: string[];
}

/** Everything collected so far. */
export interface Collected {
  samples: Partial<Record<MetricName, number[]>>;
  detail: Partial<Record<MetricName, Record<string, unknown>>>;
  rawByBatch: Record<string, number[]>;
  rss: RssSample[][];
  notes: string[];
}

/** An empty collection. */
export function emptyCollected(): Collected {
  return { samples: {}, detail: {}, rawByBatch: {}, rss: [], notes: [] };
}

/** Adds one round's result. */
export function addRound(c: Collected, r: RoundResult): Collected {
  const samples = { ...c.samples };
  for (const [k, v] of Object.entries(r.samples) as [MetricName, number[]][])
    samples[k] = [...(samples[k] ?? []), ...v];
  const detail = { ...c.detail };
  for (const [k, v] of Object.entries(r.detail ?? {}) as [MetricName, Record<string, unknown>][]) {
    detail[k] = { ...detail[k], ...v };
  }
  const rawByBatch = { ...c.rawByBatch };
  for (const [b, v] of Object.entries(r.rawByBatch ?? {})) rawByBatch[b] = [...(rawByBatch[b] ?? []), ...v];
  return {
    samples,
    detail,
    rawByBatch,
    rss: r.rss ? [...c.rss, r.rss] : c.rss,
    notes: [...c.notes, ...(r.notes ?? []).filter((n) => !c.notes.includes(n))],
  };
}

/** The batch size with the best median img/s; a tie goes to the larger batch (it amortises more per call). */
export function bestBatch(rawByBatch: Record<string, number[]>): { batch: number; imgPerS: number } | undefined {
  let best: { batch: number; imgPerS: number } | undefined;
  for (const [b, samples] of Object.entries(rawByBatch)) {
    if (samples.length === 0) continue;
    const cand = { batch: Number(b), imgPerS: summarize(samples).median };
    if (!best || cand.imgPerS > best.imgPerS || (cand.imgPerS === best.imgPerS && cand.batch > best.batch)) best = cand;
  }
  return best;
}

/** The RSS verdict of a run: the round whose worker grew most (the one a leak would show in), its samples thinned. */
export function worstRss(rounds: readonly RssSample[][]): (RssTrend & { samples: RssSample[] }) | null {
  let worst: (RssTrend & { samples: RssSample[] }) | null = null;
  for (const series of rounds) {
    if (series.length < 4) continue;
    const trend = rssTrend(series);
    if (!worst || trend.growthMiB > worst.growthMiB) worst = { ...trend, samples: downsample(series, 120) };
  }
  return worst;
}

/** The report's metrics and raw sweep from everything collected. */
export function finish(c: Collected): {
  metrics: Partial<Record<MetricName, Metric>>;
  rawByBatch: Record<string, Summary>;
} {
  const metrics: Partial<Record<MetricName, Metric>> = {};
  for (const [k, v] of Object.entries(c.samples) as [MetricName, number[]][]) {
    if (v.length === 0) continue;
    const detail = c.detail[k];
    metrics[k] = detail ? { ...summarize(v), detail } : summarize(v);
  }
  const rawByBatch: Record<string, Summary> = {};
  for (const [b, v] of Object.entries(c.rawByBatch).sort((x, y) => Number(x[0]) - Number(y[0]))) {
    if (v.length > 0) rawByBatch[b] = summarize(v);
  }
  return { metrics, rawByBatch };
}
