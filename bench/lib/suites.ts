/**
 * The measurements of a bench run that use one model and one corpus (the run's first): each runs one script in its
 * own process for one round and turns its JSON line into samples (bench/lib/rounds.ts collects the rounds). The
 * per-corpus measurements are in corpus-suites.ts, the Python peers in peer-suite.ts; this is also the registry.
 */
import { SEARCH_METRICS, search } from '../search-suite';
import type { Corpus } from './corpus';
import { CORPUS_SUITE_METRICS, decode, pipeline } from './corpus-suites';
import type { Suite } from './options';
import { PEER_METRICS, peers } from './peer-suite';
import type { MetricName } from './report';
import { corpusMetric } from './report';
import type { RoundResult } from './rounds';
import { bestBatch } from './rounds';
import type { SuiteContext, SuiteRunner } from './suite-context';
import { mainCorpus, runScript as run, samplesOf } from './suite-context';
import { VARIANT_METRICS, variants } from './variant-suite';

export type { SuiteContext, Tuning } from './suite-context';

/** Which metrics each measurement produces on `corpora` (so a failed one is reported as skipped metric by metric). */
export function suiteMetrics(suite: Suite, corpora: readonly Corpus[]): MetricName[] {
  switch (suite) {
    case 'raw':
      return ['raw_model_img_s'];
    case 'enqueue':
      return ['enqueue_uris_s'];
    case 'e2e':
      return ['e2e_img_s', 'worker_peak_rss_mib'];
    case 'transformersjs':
      return ['transformersjs_img_s'];
    case 'peers':
      return [...PEER_METRICS];
    case 'variants':
      return [...VARIANT_METRICS];
    case 'search':
      return [...SEARCH_METRICS];
    case 'decode':
    case 'pipeline':
      return corpora.flatMap((c) => CORPUS_SUITE_METRICS[suite].map((m) => corpusMetric(m, c)));
  }
}

/** Batch size when the raw sweep did not run. */
export const FALLBACK_BATCH = 8;

async function raw(ctx: SuiteContext): Promise<RoundResult> {
  const { opts, model, tuning, round } = ctx;
  const script = 'bench/lib/raw-model.ts';
  // The first round sweeps the batch sizes; later rounds repeat only the best one.
  const batches = round === 0 ? opts.batchSizes : [tuning.batch];
  const json = (await run(
    ctx,
    script,
    [
      ...['--model', model.onnxDir, '--batch-sizes', batches.join(','), '--repeats', 1, '--threads', opts.threads],
      ...['--device', opts.device, '--dtype', opts.dtype],
    ],
    'raw',
  )) as { byBatch?: Record<string, unknown>; cpuSecondsPerImage?: Record<string, number> };
  const rawByBatch: Record<string, number[]> = {};
  for (const batch of Object.keys(json.byBatch ?? {})) rawByBatch[batch] = samplesOf(json.byBatch, batch, script);
  const best = round === 0 ? bestBatch(rawByBatch) : { batch: tuning.batch };
  if (!best) throw new Error(`${script}: measured no batch size`);
  return {
    samples: { raw_model_img_s: rawByBatch[String(best.batch)] ?? [] },
    detail: { raw_model_img_s: { batch: best.batch, cpu_s_per_img: json.cpuSecondsPerImage?.[String(best.batch)] } },
    rawByBatch,
  };
}

async function transformersjs(ctx: SuiteContext): Promise<RoundResult> {
  const { opts, model, tuning } = ctx;
  const json = await run(
    ctx,
    'bench/transformersjs.ts',
    [
      ...['--model', model.onnxDir, '--images', opts.transformersjsImages, '--batch', tuning.batch],
      ...['--repeats', 1, '--threads', opts.threads, '--device', opts.device, '--labels', opts.labels],
      ...['--images-dir', mainCorpus(ctx).dir],
    ],
    'transformers.js',
  );
  return {
    samples: { transformersjs_img_s: samplesOf(json, 'samples', 'bench/transformersjs.ts') },
    detail: {
      transformersjs_img_s: {
        batch: tuning.batch,
        images: opts.transformersjsImages,
        corpus: mainCorpus(ctx).name,
        labels: (json as { labels?: number }).labels,
      },
    },
  };
}

async function enqueue(ctx: SuiteContext): Promise<RoundResult> {
  const { opts } = ctx;
  const script = 'bench/enqueue.ts';
  const json = (await run(ctx, script, ['--uris', opts.enqueueUris, '--repeats', 1], 'enqueue')) as {
    shardSize?: number;
    shards?: number;
    redisBytesPerUri?: number;
  };
  return {
    samples: { enqueue_uris_s: samplesOf(json, 'samples', script) },
    detail: {
      enqueue_uris_s: {
        uris: opts.enqueueUris,
        shard_size: json.shardSize,
        shards: json.shards,
        redis_bytes_per_uri: json.redisBytesPerUri,
      },
    },
    notes:
      opts.enqueueUris < 1_000_000
        ? [`enqueue measured on a ${opts.enqueueUris.toLocaleString('en-US')}-URI manifest, not 1,000,000 (--quick)`]
        : [],
  };
}

async function e2e(ctx: SuiteContext): Promise<RoundResult> {
  const { opts, model, tuning } = ctx;
  const script = 'bench/e2e.ts';
  // The worker runs as deployed: its largest batch is the raw sweep's best, its batch delay its default (`auto`,
  // which follows the model's batch time).
  const maxBatch = tuning.batch;
  // At least four shards, so the batcher really mixes shards; at most 64 images each.
  const shardSize = Math.max(4, Math.min(64, Math.floor(opts.e2eImages / 4)));
  // Enough shards in flight for four full batches (one running, one assembling, two decoding), as a GPU deployment
  // would set --concurrency for its batch size; the worker's default, 4, where that is more.
  const concurrency = Math.max(4, Math.ceil((4 * maxBatch) / shardSize));
  const json = (await run(
    ctx,
    script,
    [
      ...['--model', model.onnxDir, '--images', opts.e2eImages, '--repeats', 1, '--threads', opts.threads],
      ...['--device', opts.device, '--dtype', opts.dtype, '--max-batch', maxBatch, '--shard-size', shardSize],
      ...['--concurrency', concurrency, '--labels', opts.labels, '--images-dir', mainCorpus(ctx).dir],
    ],
    'e2e',
  )) as {
    peakRssMiB?: unknown;
    rss?: { tMs: number; mib: number }[];
    concurrency?: number;
    labels?: number;
    mainThreadBusy?: number;
    processCores?: number;
  };
  const result: RoundResult = {
    samples: { e2e_img_s: samplesOf(json, 'samples', script) },
    detail: {
      e2e_img_s: {
        corpus: mainCorpus(ctx).name,
        images: opts.e2eImages,
        max_batch: maxBatch,
        max_delay_ms: 'auto',
        shard_size: shardSize,
        concurrency: json.concurrency,
        labels: json.labels,
        main_thread_busy: json.mainThreadBusy,
        process_cores: json.processCores,
        preprocess_threads: process.env.METACLIP_PREPROCESS_THREADS ?? 'auto',
        vision_threads: process.env.METACLIP_VISION_THREADS ?? 'auto',
      },
    },
    rss: (json.rss ?? []).map((s) => ({ tMs: s.tMs, rssMiB: s.mib })),
  };
  if (typeof json.peakRssMiB === 'number') {
    result.samples.worker_peak_rss_mib = [json.peakRssMiB];
    result.detail = { ...result.detail, worker_peak_rss_mib: { source: 'VmHWM of the worker, per round' } };
  }
  return result;
}

/** Every measurement, by name. */
export const SUITE_RUNNERS: Record<Suite, SuiteRunner> = {
  raw,
  decode,
  enqueue,
  e2e,
  pipeline,
  transformersjs,
  peers,
  variants,
  search,
};
