export { buildCli, type CliActions } from './cli';
export { resolveConfig, WORKER_SETTINGS, type WorkerConfig } from './config';
export { isFinalAttempt, isPermanentFailure, toJobError } from './job-errors';
export { countVisibleGpus, LaunchError, type LaunchPlan, launchWorkers, planLaunch, selectGpus } from './launcher';
export { createShardHandler, type ShardHandlerDeps, type ShardOutcome } from './shard-handler';
export { type RunningWorker, startWorker } from './worker';
