/**
 * The dynamic batcher and bounded stages (pure decisions), the shard runner and the output writers.
 *
 * @module @metaclip-batch/pipeline
 */
export {
  type BatchDecision,
  type BatchPolicy,
  type BatchState,
  type DelayBounds,
  validateBatchPolicy,
} from './batch-policy.ts';
export { mapBounded, Pool, Semaphore } from './bounded.ts';
export { CaptionError, MAX_SIDECAR_BYTES, parseCaption } from './captions.ts';
export { type BatchStats, DynamicBatcher, type DynamicBatcherOptions } from './dynamic-batcher.ts';
export { createEmbedBatcher, type EmbedBatcherOptions } from './embed-batch.ts';
export { BatcherClosedError, BatchResultError, PipelineError } from './errors.ts';
export { buildManifest, type RunManifest, writeManifest } from './manifest.ts';
export { manifestUri, runRoot, type ShardOutputUris, shardOutputUris } from './output-layout.ts';
export {
  type ArenaDemand,
  createPixelArena,
  inProcessSlotModel,
  type PixelArena,
  type PixelModel,
  type SlotModel,
} from './pixel-arena.ts';
export { type FinishRunDeps, type FinishRunOutcome, finishRun } from './run-finisher.ts';
export {
  type EmbedSubmitter,
  type ImagePreprocessor,
  type ImageRow,
  runShard,
  type ShardInput,
  type ShardResult,
  type ShardRunnerDeps,
} from './shard-runner.ts';
export { type ShardWriteOptions, type ShardWriteReport, writeShard } from './shard-writer.ts';
