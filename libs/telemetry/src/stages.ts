import type { Metrics } from './metrics.ts';

/**
 * The worker's pipeline stages, the `stage` label of `metaclip_stage_seconds`: fetch and decode per image,
 * `batch_wait` (how long a batch's oldest image waited for the batch to form: high with small batches means the model
 * is starved, not slow) and inference per model batch, score and write per shard.
 */
export type Stage = 'fetch' | 'decode' | 'batch_wait' | 'inference' | 'score' | 'write';

/** Told how long one call of a stage took, in seconds. The one way stage timings travel, from libs to metrics. */
export type StageObserver = (stage: Stage, seconds: number) => void;

/**
 * Runs `fn` and tells `observe` how long it took, whether it resolved or threw (a failed fetch's retries are time
 * the pipeline spent). With no observer it only runs `fn`.
 *
 * @example
 * ```ts
 * import { readFile } from 'node:fs/promises';
 * import { createMetrics, observeStages, timeStage } from '@metaclip-batch/telemetry';
 *
 * const metrics = createMetrics({ app: 'worker', processMetrics: false });
 * const observe = observeStages(metrics);
 * const bytes = await timeStage(observe, 'fetch', () => readFile('../shared/fixtures/images/astronaut.jpg'));
 * const { values } = await metrics.stageSeconds.get();
 * const count = values.find((v) => v.metricName === 'metaclip_stage_seconds_count');
 * console.log(bytes.length, count?.labels, count?.value);
 * // 68052 { stage: 'fetch' } 1
 * ```
 */
export async function timeStage<R>(
  observe: StageObserver | undefined,
  stage: Stage,
  fn: () => Promise<R> | R,
): Promise<R> {
  if (!observe) return fn();
  const t = performance.now();
  try {
    return await fn();
  } finally {
    observe(stage, (performance.now() - t) / 1000);
  }
}

/** The observer that records every stage in `metrics.stageSeconds`. */
export function observeStages(metrics: Metrics): StageObserver {
  return (stage, seconds) => metrics.stageSeconds.observe({ stage }, seconds);
}
