/**
 * The opt-in speed-ups beside the defaults: the raw model with `--dtype int8` (CPU only) at the run's batch, and
 * (first round only: the figures are deterministic) the drift of `--decode fast` and `--dtype int8` on the fixtures
 * (bench/drift.ts). `--decode fast`'s speed per corpus comes with the decode and pipeline measurements.
 */
import path from 'node:path';
import { ensureBenchModel } from './model';
import type { MetricName } from './report';
import type { RoundResult } from './rounds';
import type { SuiteContext } from './suite-context';
import { runScript, samplesOf } from './suite-context';
import { REPO_ROOT } from './workload';

/** Drift metrics: one deterministic measurement per run, not a sample per round. */
export const ONCE_METRICS = [
  'fast_pixel_mae',
  'fast_cosine_min',
  'int8_cosine_min',
  'int8_top1_agreement',
] as const satisfies readonly MetricName[];

/** Every metric of this measurement. */
export const VARIANT_METRICS = ['raw_int8_img_s', ...ONCE_METRICS] as const satisfies readonly MetricName[];

export async function variants(ctx: SuiteContext): Promise<RoundResult> {
  const { opts, tuning, round } = ctx;
  const cacheRoot = path.join(REPO_ROOT, '.cache/bench');
  const result: Required<Pick<RoundResult, 'samples' | 'detail'>> = { samples: {}, detail: {} };
  if (round === 0) {
    const script = 'bench/drift.ts';
    const json = (await runScript(
      ctx,
      script,
      [
        ...['--model', ctx.model.hfDir, '--cache', path.join(cacheRoot, 'converted')],
        ...['--threads', opts.threads, '--labels', opts.labels],
      ],
      'drift',
    )) as Record<string, number>;
    const one = (key: string) => samplesOf({ v: [json[key]] }, 'v', script);
    Object.assign(result.samples, {
      fast_pixel_mae: one('fastPixelMae'),
      fast_cosine_min: one('fastCosineMin'),
      int8_cosine_min: one('int8CosineMin'),
      int8_top1_agreement: one('int8Top1Agreement'),
    });
    const images = json.images;
    Object.assign(result.detail, {
      fast_pixel_mae: { images, worst: json.fastPixelMaeMax },
      fast_cosine_min: { images, mean: json.fastCosineMean },
      int8_cosine_min: { images, mean: json.int8CosineMean },
      int8_top1_agreement: { images, labels: opts.labels },
    });
  }
  // int8 is a CPU deployment's option: a GPU worker refuses it.
  if (opts.device === 'cpu') {
    const model = await ensureBenchModel(cacheRoot, { seed: opts.seed, dtype: 'int8' }, ctx.progress);
    const script = 'bench/lib/raw-model.ts';
    const json = (await runScript(
      ctx,
      script,
      [
        ...['--model', model.onnxDir, '--batch-sizes', tuning.batch, '--repeats', 1, '--threads', opts.threads],
        ...['--dtype', 'int8'],
      ],
      'raw int8',
    )) as { byBatch?: Record<string, unknown> };
    result.samples.raw_int8_img_s = samplesOf(json.byBatch, String(tuning.batch), script);
    result.detail.raw_int8_img_s = { batch: tuning.batch, weights: 'int8 MatMul (vision), dynamic activations' };
  }
  return result;
}
