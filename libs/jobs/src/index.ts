export { formatDuration } from './duration';
export { type EnqueueProgress, type EnqueueResult, type EnqueueRunOptions, enqueueRun, specConflicts } from './enqueue';
export {
  InvalidRunIdError,
  JobsError,
  MalformedJobError,
  RunConflictError,
  RunNotFoundError,
  ShardNotInPlanError,
} from './errors';
export {
  defaultQueueName,
  defaultRunId,
  modelKey,
  parseShardJobId,
  shardDigest,
  shardJobId,
  shardName,
  shortHash,
  stableStringify,
  validateRunId,
} from './naming';
export { createQueue, DEFAULT_JOB_OPTIONS, queueDepth, SHARD_JOB_NAME, type ShardQueue } from './queue';
export {
  bullPrefix,
  clusterModeProblem,
  clusterNodeOptions,
  connectRedis,
  duplicateRedis,
  type RedisClient,
  type RedisTarget,
} from './redis';
export {
  type ErrorSample,
  failureReasons,
  isComplete,
  isTerminal,
  progress,
  RUN_STATUSES,
  type RunProgress,
  type RunState,
  type RunStatus,
  runStateFromHash,
} from './run-state';
export { ERROR_SAMPLES_CAP, type FailedShard, RunStore, runKey, type ShardDoneReport } from './run-store';
export {
  DEFAULT_TEMPLATES,
  type EmbedDtype,
  EmbedDtypeSchema,
  parseRunSpec,
  parseShardJob,
  RUN_ID_PATTERN,
  RunIdSchema,
  type RunSpec,
  RunSpecSchema,
  type ShardJob,
  ShardJobSchema,
} from './schemas';
export { modifiedSince, mtimeMs, objectFingerprint, type SourceObject, sourceSeries } from './select';
export { chunk, DEFAULT_SHARD_SIZE, type PlannedShard, planShards } from './shard-plan';
export { SOURCE_MANIFEST_TTL_SECONDS, SourceManifest } from './source-manifest';
