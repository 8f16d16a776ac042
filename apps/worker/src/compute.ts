import type { MetaClipModel } from '@metaclip-batch/metaclip';
import { PreprocessThreads, VisionThreads } from '@metaclip-batch/metaclip/threads';
import { type ImagePreprocessor, inProcessSlotModel, type PixelArena, type SlotModel } from '@metaclip-batch/pipeline';
import type { Logger } from '@metaclip-batch/telemetry';
import { type RuntimePlan, SESSION_SPINNING, type WorkerConfig } from './config.ts';

/** Where a worker's images are preprocessed and its batches run, per its {@link RuntimePlan}. */
export interface Compute {
  processor: ImagePreprocessor;
  model: SlotModel;
  /** Stops the thread pools (the model itself is the caller's). */
  close(): Promise<void>;
}

/**
 * Starts the worker's thread pools, or uses the model on the main thread for whatever the plan keeps there.
 * Threads write and read the pixels of `arena`; a thread that dies is logged and replaced, and its images fail
 * their shards retryably.
 * @throws ProviderUnavailableError / ModelLoadError when a vision thread cannot open its session.
 */
export async function startCompute(
  model: MetaClipModel,
  config: Pick<WorkerConfig, 'device' | 'dtype' | 'threads' | 'maxBatch'>,
  plan: RuntimePlan,
  arena: PixelArena,
  log: Logger,
): Promise<Compute> {
  const onReplace = (err: Error) => log.error({ err }, 'a worker thread died; replaced it (its images are retried)');
  const preprocess =
    plan.preprocessThreads > 0
      ? await PreprocessThreads.start({
          modelDir: model.dir,
          limits: model.processor.limits,
          decode: model.processor.decode,
          arena: arena.buffer,
          threads: plan.preprocessThreads,
          onReplace,
        })
      : undefined;
  const vision =
    plan.visionThreads > 0
      ? await VisionThreads.start({
          onnxDir: model.dir,
          device: config.device,
          dtype: config.dtype,
          intraOpThreads: config.threads,
          spinning: SESSION_SPINNING,
          arena: arena.buffer,
          maxBatch: config.maxBatch,
          threads: plan.visionThreads,
          embedDim: model.embedDim,
          imageSize: model.imageSize,
          onReplace,
        }).catch(async (err: unknown) => {
          await preprocess?.close();
          throw err;
        })
      : undefined;
  return {
    processor: preprocess ?? model.processor,
    model: vision ?? inProcessSlotModel(model, config.maxBatch, plan.inflight),
    async close() {
      await Promise.all([preprocess?.close(), vision?.close()]);
    },
  };
}
