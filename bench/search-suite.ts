/**
 * The `search` measurement of `npm run bench` (registered in bench/lib/suites.ts): runs bench/search.ts once (the
 * first round only: a million-vector build is minutes of both cores, and its figures need no median) and reports its
 * figures; the full JSON goes into the metrics' detail.
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
  buildPeakRssMiB: number;
  indexMiB: number;
  queryP50Ms: number;
  queryP99Ms: number;
  recallAt10: number;
  kmeansS: number;
  kmeansPeakRssMiB: number;
}

export async function search(ctx: SuiteContext): Promise<RoundResult> {
  if (ctx.round > 0) return { samples: {}, detail: {} };
  const vectors = ctx.opts.quick ? 100_000 : 1_000_000;
  const json = (await runScript(ctx, 'bench/search.ts', ['--vectors', vectors], 'search')) as SearchFigures;
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
      search_build_s: { peak_rss_mib: json.buildPeakRssMiB, index_mib: json.indexMiB },
      search_kmeans_s: { peak_rss_mib: json.kmeansPeakRssMiB },
    },
  };
}
