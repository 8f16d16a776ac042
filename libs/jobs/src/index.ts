export { type BullClosable, closeAfterInit } from './close.ts';
export { formatDuration } from './duration.ts';
export { type EnqueueProgress, type EnqueueResult, type EnqueueRunOptions, enqueueRun } from './enqueue.ts';
export {
  InvalidRunIdError,
  JobsError,
  MalformedJobError,
  RunConflictError,
  RunNotFoundError,
  ShardNotInPlanError,
  type SpecConflict,
} from './errors.ts';
export {
  defaultQueueName,
  defaultRunId,
  modelKey,
  parseShardJobId,
  shardJobId,
  shardName,
  shortHash,
  validateRunId,
} from './naming.ts';
export { createQueue, DEFAULT_JOB_OPTIONS, queueDepth, SHARD_JOB_NAME, type ShardQueue } from './queue.ts';
export {
  bullPrefix,
  clusterModeProblem,
  clusterNodeOptions,
  connectRedis,
  duplicateRedis,
  type RedisClient,
  type RedisTarget,
} from './redis.ts';
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
} from './run-state.ts';
export { ERROR_SAMPLES_CAP, type FailedShard, RunStore, runKey, type ShardDoneReport } from './run-store.ts';
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
} from './schemas.ts';
export { modifiedSince, type SourceObject, type SourceSidecar, sourceSeries } from './select.ts';
export { DEFAULT_SHARD_SIZE, type PlannedShard, planShards } from './shard-plan.ts';
export {
  DEFAULT_PAIRING_WINDOW,
  type PairingOptions,
  pairSidecars,
  SIDECAR_EXTENSIONS,
  type SidecarExt,
  sidecarUri,
} from './sidecars.ts';
export { SOURCE_MANIFEST_TTL_SECONDS, SourceManifest } from './source-manifest.ts';
