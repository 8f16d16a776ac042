export { buildCli, type CliActions } from './cli.ts';
export { resolveConfig, WORKER_SETTINGS, type WorkerConfig } from './config.ts';
export { isFinalAttempt, isPermanentFailure, toJobError } from './job-errors.ts';
export { countVisibleGpus, LaunchError, type LaunchPlan, launchWorkers, planLaunch, selectGpus } from './launcher.ts';
export { createShardHandler, type ShardHandlerDeps, type ShardOutcome } from './shard-handler.ts';
export { type RunningWorker, startWorker } from './worker.ts';
