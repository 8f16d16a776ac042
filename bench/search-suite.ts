/**
 * The `search` measurement of `npm run bench` (registered in bench/lib/suites.ts): runs bench/search.ts once (the
 * first round only: a million-vector build is tens of minutes of both cores, and its figures need no median) at
 * `--vectors` x 512 with `--queries` held-out queries, and reports its figures; the full JSON (CPU seconds and load
 * average of each stage included) goes into the metrics' detail.
 */
import type { MetricName } from './lib/report';
import type { RoundResult } from './lib/rounds';
import { runScript, type SuiteContext } from './lib/suite-context';

/** The metrics the suite reports. */
export const SEARCH_METRICS = [
  'search_recall_at_10',
  'search_query_p50_ms',
  'search_build_s',
  'search_kmeans_s',
] as const satisfies readonly MetricName[];

/** What bench/search.ts prints. */
interface SearchFigures {
  vectors: number;
  buildS: number;
  buildCpuS: number;
  buildPeakRssMiB: number;
  indexMiB: number;
  queryP50Ms: number;
  queryP99Ms: number;
  recallAt10: number;
  kmeansS: number;
  kmeansCpuS: number;
  kmeansPeakRssMiB: number;
}

export async function search(ctx: SuiteContext): Promise<RoundResult> {
  if (ctx.round > 0) return { samples: {}, detail: {} };
  const { searchVectors, searchQueries } = ctx.opts;
  const args = ['--vectors', searchVectors, '--queries', searchQueries];
  // 1 ms of CPU per inserted vector quiet, 3-4 ms under load (docs/benchmarks.md, "search"): an hour or more per
  // million rows on a busy machine.
  const timeoutMs = Math.ceil(searchVectors / 1e6) * 180 * 60_000;
  const json = (await runScript(ctx, 'bench/search.ts', args, 'search', { timeoutMs })) as SearchFigures;
  return {
    samples: {
      search_recall_at_10: [json.recallAt10],
      search_query_p50_ms: [json.queryP50Ms],
      search_build_s: [json.buildS],
      search_kmeans_s: [json.kmeansS],
    },
    detail: {
      search_recall_at_10: { ...json },
      search_query_p50_ms: { p99_ms: json.queryP99Ms },
      search_build_s: { cpu_s: json.buildCpuS, peak_rss_mib: json.buildPeakRssMiB, index_mib: json.indexMiB },
      search_kmeans_s: { cpu_s: json.kmeansCpuS, peak_rss_mib: json.kmeansPeakRssMiB },
    },
  };
}
