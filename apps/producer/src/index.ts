export { type CliIo, EXIT_FAILED, runCli } from './cli';
export { type CancelOutcome, cancelRun } from './commands/cancel';
export { buildSpec, type EnqueueDeps, findIncrementalBase, followRun, runEnqueue } from './commands/enqueue';
export { type RetryOutcome, retryRun } from './commands/retry';
export {
  controlQueue,
  defaultScheduleName,
  handleFiring,
  listSchedules,
  SCHEDULED_JOB_NAME,
  type ScheduledEnqueue,
  type SchedulerHandle,
  schedule,
  startScheduler,
  unschedule,
} from './commands/schedule';
export { runsDocument, statusDocument } from './commands/status';
export {
  ConfigError,
  DEFAULT_HIGH_WATER,
  type EnqueueFlags,
  type EnqueueOptions,
  type Env,
  EXIT_CONFIG,
  loadEnqueueOptions,
  loadEnv,
  PRODUCER_SETTINGS,
} from './config';
export { type Context, openContext, probeRedis } from './context';
export { isManifestName, ManifestFormatError, parseManifestLine } from './manifest-file';
export { type OpenedSource, openSource, type SourceKind } from './sources';
