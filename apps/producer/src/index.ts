export { type CliIo, EXIT_FAILED, runCli } from './cli.ts';
export { type CancelOutcome, cancelRun } from './commands/cancel.ts';
export { buildSpec, type EnqueueDeps, findIncrementalBase, followRun, runEnqueue } from './commands/enqueue.ts';
export { type RetryOutcome, retryRun } from './commands/retry.ts';
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
} from './commands/schedule.ts';
export { runsDocument, statusDocument } from './commands/status.ts';
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
} from './config.ts';
export { type Context, openContext, probeRedis } from './context.ts';
export { isManifestName, ManifestFormatError, parseManifestLine } from './manifest-file.ts';
export { type OpenedSource, openSource, type SourceKind } from './sources.ts';
