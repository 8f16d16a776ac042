export {
  adaptBatchDelay,
  type BatchDecision,
  type BatchPolicy,
  type BatchState,
  type DelayBounds,
  decideBatch,
  validateBatchPolicy,
} from './batch-policy';
export { mapBounded, Pool, Semaphore } from './bounded';
export { type BatchStats, DynamicBatcher, type DynamicBatcherOptions } from './dynamic-batcher';
export { createEmbedBatcher, type EmbedBatcherOptions } from './embed-batch';
export { BatcherClosedError, BatchResultError, PipelineError } from './errors';
export { buildManifest, type RunManifest, writeManifest } from './manifest';
export { manifestUri, runRoot, type ShardOutputUris, shardOutputUris } from './output-layout';
export {
  type ArenaDemand,
  arenaSlots,
  createPixelArena,
  inProcessSlotModel,
  type PixelArena,
  type PixelModel,
  pixelsPerImage,
  type SlotModel,
} from './pixel-arena';
export { type FinishRunDeps, type FinishRunOutcome, finishRun } from './run-finisher';
export {
  type EmbedSubmitter,
  type ImagePreprocessor,
  type ImageRow,
  imageErrorMessage,
  runShard,
  type ShardInput,
  type ShardResult,
  type ShardRunnerDeps,
} from './shard-runner';
export { type ShardWriteOptions, type ShardWriteReport, shardTables, writeShard } from './shard-writer';
