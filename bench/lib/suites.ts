/**
 * The measurements of a bench run: each runs one script in its own process (ours or a sub-benchmark another part of
 * the project owns) for one round and turns its JSON line into samples (bench/lib/rounds.ts collects the rounds). The adapters are where each script's output format
 * is known; nothing else in the bench depends on it.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { runJsonScript } from './child';
import type { BenchModel } from './model';
import type { BenchOptions, Suite } from './options';
import type { MetricName } from './report';
import type { RoundResult } from './rounds';
import { bestBatch } from './rounds';
import { summarize } from './stats';
import { REPO_ROOT } from './workload';

/** Settings later measurements take from the first round's raw sweep, fixed for the rest of the run. */
export interface Tuning {
  /** The raw sweep's best batch: the worker's largest batch and transformers.js's images per call. */
  batch: number;
  /** Raw img/s at that batch, when measured. */
  rawImgPerS: number | undefined;
}

/** What a measurement gets. */
export interface SuiteContext {
  opts: BenchOptions;
  model: BenchModel;
  tuning: Tuning;
  /** 0 for the first round. */
  round: number;
  progress: (msg: string) => void;
}

/** Which metrics each measurement produces (so a failed one is reported as skipped metric by metric). */
export const SUITE_METRICS: Record<Suite, MetricName[]> = {
  raw: ['raw_model_img_s'],
  decode: ['decode_img_s'],
  enqueue: ['enqueue_uris_s'],
  e2e: ['e2e_img_s', 'worker_peak_rss_mib'],
  transformersjs: ['transformersjs_img_s'],
};

/** Batch size when the raw sweep did not run. */
export const FALLBACK_BATCH = 8;

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
    ],
    'transformers.js',
  );
  return {
    samples: { transformersjs_img_s: samplesOf(json, 'samples', 'bench/transformersjs.ts') },
    detail: {
      transformersjs_img_s: {
        batch: tuning.batch,
        images: opts.transformersjsImages,
        labels: (json as { labels?: number }).labels,
      },
    },
  };
}

async function decode(ctx: SuiteContext): Promise<RoundResult> {
  const { opts } = ctx;
  const script = 'bench/decode.ts';
  const args = ['--model', ctx.model.hfDir, '--images', opts.decodeImages, '--repeats', 1];
  const json = (await run(ctx, script, args, 'decode')) as {
    batch?: number;
    concurrency?: number;
    oneAtATime?: number[];
    cpuMsPerImage?: number;
    ceilingImgS?: number;
  };
  const single = json.oneAtATime ? summarize(samplesOf(json, 'oneAtATime', script)).median : undefined;
  return {
    samples: { decode_img_s: samplesOf(json, 'samples', script) },
    detail: {
      decode_img_s: {
        images: opts.decodeImages,
        batch: json.batch,
        concurrency: json.concurrency,
        one_at_a_time: single === undefined ? undefined : Math.round(single * 10) / 10,
        cpu_ms_per_img: json.cpuMsPerImage,
        ceiling_img_s: json.ceilingImgS,
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
      ...['--concurrency', concurrency, '--labels', opts.labels],
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
export const SUITE_RUNNERS: Record<Suite, (ctx: SuiteContext) => Promise<RoundResult>> = {
  raw,
  decode,
  enqueue,
  e2e,
  transformersjs,
};
