/**
 * The measurements run on every corpus of a bench run: what decoding costs (ours beside the plain-sharp floor) and
 * what the whole system delivers when inference is nearly free (the tiny fixture model), which together give
 * `pipeline_efficiency` (bench/lib/report.ts).
 */
import path from 'node:path';
import type { Corpus } from './corpus';
import type { CorpusMetricName } from './report';
import { corpusMetric } from './report';
import type { RoundResult } from './rounds';
import type { SuiteContext } from './suite-context';
import { runScript, samplesOf } from './suite-context';
import { REPO_ROOT } from './workload';

/** The tiny fixture model: the same preprocessing as B/16 (224 px), inference nearly free. */
export const TINY_MODEL = path.resolve(REPO_ROOT, '../shared/fixtures/tiny-clip');

/** The per-corpus metrics of each per-corpus measurement. */
export const CORPUS_SUITE_METRICS = {
  decode: ['decode_img_s', 'decode_cpu_ms_per_img', 'fast_cpu_ms_per_img', 'floor_cpu_ms_per_img'],
  pipeline: ['pipeline_img_s', 'pipeline_fast_img_s', 'pipeline_cpu_ms_per_img'],
} as const satisfies Record<string, readonly CorpusMetricName[]>;

/** Runs `one` on each corpus of the run and merges the rounds' results. */
async function perCorpus(
  ctx: SuiteContext,
  one: (corpus: Corpus, dir: string) => Promise<RoundResult>,
): Promise<RoundResult> {
  const merged: Required<Pick<RoundResult, 'samples' | 'detail'>> = { samples: {}, detail: {} };
  for (const name of ctx.opts.corpora) {
    const corpus = ctx.corpora[name];
    if (!corpus) throw new Error(`corpus ${name} was not prepared`);
    const r = await one(name, corpus.dir);
    Object.assign(merged.samples, r.samples);
    Object.assign(merged.detail, r.detail);
  }
  return merged;
}

/** Decode + preprocess: ours and the floor, CPU per image one at a time, and ours in parallel batches. */
export function decode(ctx: SuiteContext): Promise<RoundResult> {
  const script = 'bench/decode.ts';
  return perCorpus(ctx, async (corpus, dir) => {
    const images = ctx.opts.corpusImages[corpus].decode;
    const args = ['--model', ctx.model.hfDir, '--images-dir', dir, '--images', images, '--repeats', 1];
    const json = (await runScript(ctx, script, args, `decode ${corpus}`)) as {
      batch?: number;
      concurrency?: number;
      ceilingImgS?: number;
      floatCpuMsPerImage?: number;
      floorCeilingImgS?: number;
    };
    return {
      samples: {
        [corpusMetric('decode_img_s', corpus)]: samplesOf(json, 'samples', script),
        [corpusMetric('decode_cpu_ms_per_img', corpus)]: samplesOf(json, 'cpuMsSamples', script),
        [corpusMetric('fast_cpu_ms_per_img', corpus)]: samplesOf(json, 'fastCpuMsSamples', script),
        [corpusMetric('floor_cpu_ms_per_img', corpus)]: samplesOf(json, 'floorCpuMsSamples', script),
      },
      detail: {
        [corpusMetric('decode_img_s', corpus)]: { images, batch: json.batch, concurrency: json.concurrency },
        [corpusMetric('decode_cpu_ms_per_img', corpus)]: {
          images,
          decode: 'exact',
          slot: '8-bit RGB (the graph normalises)',
          float_pixels_on_host_ms: json.floatCpuMsPerImage,
          ceiling_img_s: json.ceilingImgS,
        },
        [corpusMetric('fast_cpu_ms_per_img', corpus)]: { images, decode: 'fast' },
        [corpusMetric('floor_cpu_ms_per_img', corpus)]: {
          images,
          op: 'sharp(buf).resize(size, size)',
          vips_threads: 1,
          ceiling_img_s: json.floorCeilingImgS,
        },
      },
    };
  });
}

/**
 * The whole system (producer, Redis, one worker, local storage) with the tiny model: decode-bound throughput, with
 * the default (exact) decoding and with `--decode fast`.
 */
export function pipeline(ctx: SuiteContext): Promise<RoundResult> {
  const { opts } = ctx;
  const script = 'bench/e2e.ts';
  return perCorpus(ctx, async (corpus, dir) => {
    const images = opts.corpusImages[corpus].pipeline;
    const result: Required<Pick<RoundResult, 'samples' | 'detail'>> = { samples: {}, detail: {} };
    for (const decode of ['exact', 'fast'] as const) {
      const args = [
        ...['--model', TINY_MODEL, '--images-dir', dir, '--images', images, '--repeats', 1, '--threads', opts.threads],
        ...['--device', opts.device, '--labels', opts.labels, '--decode', decode],
      ];
      const json = (await runScript(ctx, script, args, `pipeline ${corpus} ${decode}`)) as {
        shardSize?: number;
        maxBatch?: number;
        concurrency?: number;
        processCores?: number;
        mainThreadBusy?: number;
        cpuMsPerImage?: number;
      };
      const key = corpusMetric(decode === 'exact' ? 'pipeline_img_s' : 'pipeline_fast_img_s', corpus);
      result.samples[key] = samplesOf(json, 'samples', script);
      result.detail[key] = {
        model: 'tiny-clip',
        decode,
        images,
        shard_size: json.shardSize,
        max_batch: json.maxBatch,
        concurrency: json.concurrency,
        process_cores: json.processCores,
        main_thread_busy: json.mainThreadBusy,
      };
      if (decode === 'exact' && typeof json.cpuMsPerImage === 'number') {
        const cpu = corpusMetric('pipeline_cpu_ms_per_img', corpus);
        result.samples[cpu] = [json.cpuMsPerImage];
        result.detail[cpu] = { model: 'tiny-clip', decode, images, of: 'the worker process, every thread' };
      }
    }
    return result;
  });
}
