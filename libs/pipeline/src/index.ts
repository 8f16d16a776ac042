export {
  type BatchDecision,
  type BatchPolicy,
  type BatchState,
  decideBatch,
  validateBatchPolicy,
} from './batch-policy';
export { mapBounded, Pool, Semaphore } from './bounded';
export { type BatchStats, DynamicBatcher, type DynamicBatcherOptions } from './dynamic-batcher';
export { BatcherClosedError, BatchResultError, PermanentShardError, PipelineError } from './errors';
export { backoffMs, DEFAULT_FETCH_RETRY, type RetryPolicy, retry } from './retry';
