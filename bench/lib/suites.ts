/**
 * The measurements of a bench run: each runs one script in its own process (ours or a sub-benchmark another part of
 * the project owns) and turns its JSON line into report metrics. The adapters are where each script's output format
 * is known; nothing else in the bench depends on it.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { runJsonScript } from './child';
import type { BenchModel } from './model';
import type { BenchOptions, Suite } from './options';
import type { BenchReport, Metric, MetricName } from './report';
import type { RssSample, RssTrend, Summary } from './stats';
import { downsample, rssTrend, summarize } from './stats';
import { REPO_ROOT } from './workload';

/** What a measurement gets. */
export interface SuiteContext {
  opts: BenchOptions;
  model: BenchModel;
  /** The report so far: later measurements read earlier ones (transformers.js uses the raw sweep's best batch). */
  report: BenchReport;
  progress: (msg: string) => void;
}

/** What a measurement adds to the report. */
export interface SuiteResult {
  metrics: Partial<Record<MetricName, Metric>>;
  rawByBatch?: Record<string, Summary>;
  rss?: RssTrend & { samples: RssSample[] };
  notes?: string[];
}

/** Which metrics each measurement produces (so a failed one is reported as skipped metric by metric). */
export const SUITE_METRICS: Record<Suite, MetricName[]> = {
  raw: ['raw_model_img_s'],
  decode: ['decode_img_s'],
  enqueue: ['enqueue_uris_s'],
  e2e: ['e2e_img_s', 'worker_peak_rss_mib'],
  transformersjs: ['transformersjs_img_s'],
};

/** Batch of transformers.js calls when the raw sweep did not run. */
const FALLBACK_BATCH = 8;

/** Runs `script` (relative to the repo root) with the time limit of this run's size. */
function run(ctx: SuiteContext, script: string, args: (string | number)[], label: string): Promise<unknown> {
  if (!existsSync(path.join(REPO_ROOT, script))) throw new Error(`${script} is not there`);
  return runJsonScript(script, args.map(String), {
    cwd: REPO_ROOT,
    timeoutMs: (ctx.opts.quick ? 10 : 60) * 60_000,
    label,
  });
}

/** Reads `key` of a sub-benchmark's JSON as a list of per-repeat rates. */
function samplesOf(json: unknown, key: string, script: string): number[] {
  const v = (json as Record<string, unknown>)[key];
  if (!Array.isArray(v) || v.length === 0 || !v.every((x) => typeof x === 'number')) {
    throw new Error(`${script}: expected '${key}' to be a non-empty array of numbers, got ${JSON.stringify(v)}`);
  }
  return v;
}

async function raw(ctx: SuiteContext): Promise<SuiteResult> {
  const { opts, model } = ctx;
  const script = 'bench/lib/raw-model.ts';
  const json = (await run(
    ctx,
    script,
    [
      ...['--model', model.onnxDir, '--batch-sizes', opts.batchSizes.join(','), '--repeats', opts.repeats],
      ...['--threads', opts.threads, '--device', opts.device, '--dtype', opts.dtype],
    ],
    'raw',
  )) as { byBatch?: Record<string, unknown>; cpuSecondsPerImage?: Record<string, number> };
  const rawByBatch: Record<string, Summary> = {};
  for (const batch of Object.keys(json.byBatch ?? {})) {
    rawByBatch[batch] = summarize(samplesOf(json.byBatch, batch, script));
  }
  const best = Object.entries(rawByBatch).sort((a, b) => b[1].median - a[1].median)[0];
  if (!best) throw new Error(`${script}: measured no batch size`);
  const detail = { batch: Number(best[0]), cpu_s_per_img: json.cpuSecondsPerImage?.[best[0]] };
  return { metrics: { raw_model_img_s: { ...best[1], detail } }, rawByBatch };
}

async function transformersjs(ctx: SuiteContext): Promise<SuiteResult> {
  const { opts, model, report } = ctx;
  const batch = Number(report.metrics.raw_model_img_s?.detail?.batch ?? FALLBACK_BATCH);
  const json = await run(
    ctx,
    'bench/transformersjs.ts',
    [
      ...['--model', model.onnxDir, '--images', opts.transformersjsImages, '--batch', batch],
      ...['--repeats', opts.repeats, '--threads', opts.threads, '--device', opts.device],
    ],
    'transformers.js',
  );
  const samples = samplesOf(json, 'samples', 'bench/transformersjs.ts');
  return {
    metrics: { transformersjs_img_s: { ...summarize(samples), detail: { batch, images: opts.transformersjsImages } } },
  };
}

async function decode(ctx: SuiteContext): Promise<SuiteResult> {
  const { opts } = ctx;
  const script = 'bench/decode.ts';
  // Batches as large as the raw sweep's best keep the decode pool as busy as the worker's batcher would.
  const json = (await run(ctx, script, ['--images', opts.decodeImages, '--repeats', opts.repeats], 'decode')) as {
    batch?: number;
    concurrency?: number;
    oneAtATime?: number[];
  };
  const samples = samplesOf(json, 'samples', script);
  const single = json.oneAtATime ? summarize(samplesOf(json, 'oneAtATime', script)).median : undefined;
  return {
    metrics: {
      decode_img_s: {
        ...summarize(samples),
        detail: {
          images: opts.decodeImages,
          batch: json.batch,
          concurrency: json.concurrency,
          one_at_a_time: single === undefined ? undefined : Math.round(single * 10) / 10,
        },
      },
    },
  };
}

async function enqueue(ctx: SuiteContext): Promise<SuiteResult> {
  const { opts } = ctx;
  const script = 'bench/enqueue.ts';
  const json = (await run(ctx, script, ['--uris', opts.enqueueUris, '--repeats', opts.repeats], 'enqueue')) as {
    shardSize?: number;
    shards?: number;
    redisBytesPerUri?: number;
  };
  const samples = samplesOf(json, 'samples', script);
  const notes =
    opts.enqueueUris < 1_000_000
      ? [`enqueue measured on a ${opts.enqueueUris.toLocaleString('en-US')}-URI manifest, not 1,000,000 (--quick)`]
      : [];
  return {
    metrics: {
      enqueue_uris_s: {
        ...summarize(samples),
        detail: {
          uris: opts.enqueueUris,
          shard_size: json.shardSize,
          shards: json.shards,
          redis_bytes_per_uri: json.redisBytesPerUri,
        },
      },
    },
    notes,
  };
}

async function e2e(ctx: SuiteContext): Promise<SuiteResult> {
  const { opts, model, report } = ctx;
  const script = 'bench/e2e.ts';
  // The worker is tuned as a deployment would be: its largest batch is the raw sweep's best.
  const maxBatch = Number(report.metrics.raw_model_img_s?.detail?.batch ?? FALLBACK_BATCH);
  // At least four shards, so the batcher really mixes shards; at most 64 images each.
  const shardSize = Math.max(4, Math.min(64, Math.floor(opts.e2eImages / 4)));
  const json = (await run(
    ctx,
    script,
    [
      ...['--model', model.onnxDir, '--images', opts.e2eImages, '--repeats', opts.repeats, '--threads', opts.threads],
      ...['--device', opts.device, '--dtype', opts.dtype, '--max-batch', maxBatch, '--shard-size', shardSize],
    ],
    'e2e',
  )) as { peakRssMiB?: unknown; rss?: { tMs: number; mib: number }[]; concurrency?: number };
  const samples = samplesOf(json, 'samples', script);
  const result: SuiteResult = {
    metrics: {
      e2e_img_s: {
        ...summarize(samples),
        detail: { images: opts.e2eImages, max_batch: maxBatch, shard_size: shardSize, concurrency: json.concurrency },
      },
    },
  };
  if (typeof json.peakRssMiB === 'number') {
    result.metrics.worker_peak_rss_mib = { ...summarize([json.peakRssMiB]), detail: { source: 'VmHWM' } };
  }
  const rss = (json.rss ?? []).map((s) => ({ tMs: s.tMs, rssMiB: s.mib }));
  if (rss.length >= 4) result.rss = { ...rssTrend(rss), samples: downsample(rss, 120) };
  else result.notes = [`worker RSS: only ${rss.length} samples, too few to judge flatness (run longer)`];
  return result;
}

/** Every measurement, by name. */
export const SUITE_RUNNERS: Record<Suite, (ctx: SuiteContext) => Promise<SuiteResult>> = {
  raw,
  decode,
  enqueue,
  e2e,
  transformersjs,
};
