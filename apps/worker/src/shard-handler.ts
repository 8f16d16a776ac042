import { parseShardJob, type RunState, type RunStore, type ShardJob, ShardNotInPlanError } from '@metaclip-batch/jobs';
import type { LabelSet } from '@metaclip-batch/metaclip';
import { finishRun, runShard, type ShardResult, type ShardRunnerDeps, writeShard } from '@metaclip-batch/pipeline';
import type { Storage } from '@metaclip-batch/storage';
import { type Logger, type Metrics, timeStage } from '@metaclip-batch/telemetry';
import { DelayedError, type Job, UnrecoverableError } from 'bullmq';
import { isFinalAttempt, toJobError } from './job-errors.ts';

/** What a completed shard job returns (BullMQ stores it as the job's return value). */
export type ShardOutcome =
  | { status: 'done'; images: number; failed: number; ms: number }
  | { status: 'skipped'; reason: 'run cancelled' };

/** Everything the handler works with; built once per worker. */
export interface ShardHandlerDeps {
  /** `modelKey` of the loaded model: the only model whose jobs this worker runs. */
  modelKey: string;
  embedDim: number;
  store: RunStore;
  /** The run's label embeddings; computed once per label list and templates, then cached. */
  labelSetFor: (labels: readonly string[], templates: readonly string[]) => Promise<LabelSet>;
  /**
   * The shared parts of the shard runner (batcher, pools, storage, the stage observer, which also times the shard's
   * write); the run's labels are added per job.
   */
  runner: Omit<ShardRunnerDeps, 'labelSet' | 'topK'>;
  storageFor: (uri: string) => Storage;
  /** How long a job for another model waits before any worker sees it again. */
  foreignModelDelayMs: number;
  log: Logger;
  metrics?: Metrics;
}

/**
 * The BullMQ processor of shard jobs: validate, check the model, run the shard through the shared batcher, write its
 * files, count it in the run store, and write the run's manifest when this shard finished the run.
 *
 * A job for another model is put back (moved to delayed, its attempts unspent) rather than run: a worker never
 * embeds with the wrong model, and a worker of the right model on the same queue picks it up. Malformed jobs and
 * other permanent failures fail at once; the rest are retried with the queue's backoff, and the last failed attempt
 * is recorded in the run store.
 */
export function createShardHandler(deps: ShardHandlerDeps) {
  return async (job: Job, token?: string): Promise<ShardOutcome> => {
    const data = parseOrFail(job.data);
    const log = deps.log.child({ jobId: job.id, runId: data.runId, shard: data.shard });
    if (data.model !== deps.modelKey) {
      log.warn({ jobModel: data.model, ourModel: deps.modelKey }, 'shard is for another model; putting it back');
      await job.moveToDelayed(Date.now() + deps.foreignModelDelayMs, token);
      throw new DelayedError(`shard ${job.id} is for model ${data.model}, not ${deps.modelKey}`);
    }
    try {
      return await processShard(data, deps, log);
    } catch (error) {
      // Not in the plan: it belongs to no run, so the run's counts stay as they are.
      if (error instanceof ShardNotInPlanError) log.error({ err: error }, 'shard refused');
      else if (isFinalAttempt(error, job.attemptsMade, job.opts.attempts)) await recordFailure(data, error, deps, log);
      else log.warn({ err: error, attempt: job.attemptsMade + 1 }, 'shard failed; it will be retried');
      throw toJobError(error);
    }
  };
}

/** The job's data, or BullMQ's `UnrecoverableError` for data that can never become a valid shard job. */
function parseOrFail(data: unknown): ShardJob {
  try {
    return parseShardJob(data);
  } catch (error) {
    throw toJobError(error);
  }
}

/**
 * Records a shard that BullMQ failed without running it: one whose workers died holding it more than
 * `maxStalledCount` times. BullMQ marks such a job (`deferredFailure`) and fails it when a worker next takes it, but
 * never calls the handler, so without this the run store would never count the shard and the run never finish.
 * Wire it to the BullMQ worker's `failed` event; jobs that did run are recorded by the handler and ignored here.
 */
export function createDeferredFailureRecorder(deps: ShardHandlerDeps) {
  return async (job: Job, error: Error): Promise<void> => {
    if (!job.deferredFailure) return;
    let data: ShardJob;
    try {
      data = parseShardJob(job.data);
    } catch {
      return; // A malformed job belongs to no run.
    }
    await recordFailure(data, error, deps, deps.log.child({ jobId: job.id, runId: data.runId, shard: data.shard }));
  };
}

async function processShard(job: ShardJob, deps: ShardHandlerDeps, log: Logger): Promise<ShardOutcome> {
  const run = await deps.store.get(job.runId);
  if (!run) throw new UnrecoverableError(`run ${job.runId} does not exist in the run store`);
  if (run.status === 'cancelled') {
    log.info('run cancelled; skipping shard');
    return { status: 'skipped', reason: 'run cancelled' };
  }
  if (!(await deps.store.inPlan(job.runId, job.shard, job.uris))) throw new ShardNotInPlanError(job.runId, job.shard);
  const labelSet = await deps.labelSetFor(run.labels, run.templates);
  const result = await runShard(job, { ...deps.runner, labelSet, topK: run.topK });
  const written = await timeStage(deps.runner.onStage, 'write', () =>
    writeShard(result, {
      output: run.output,
      embedDim: deps.embedDim,
      dtype: run.embedDtype,
      storage: deps.storageFor(run.output),
    }),
  );
  await deps.store.addErrorSamples(job.runId, errorSamples(result));
  const after = await deps.store.recordShardDone(job.runId, job.shard, {
    images: written.images,
    failed: written.failed,
    ms: result.ms,
    embedDim: deps.embedDim,
  });
  deps.metrics?.shardsProcessed.inc({ status: 'done' });
  deps.metrics?.imagesProcessed.inc(written.images);
  log.info({ images: written.images, failed: written.failed, ms: result.ms }, 'shard written');
  await finishRunIfComplete(after, deps, log, false);
  return { status: 'done', images: written.images, failed: written.failed, ms: result.ms };
}

async function recordFailure(job: ShardJob, error: unknown, deps: ShardHandlerDeps, log: Logger): Promise<void> {
  log.error({ err: error }, 'shard failed for good');
  deps.metrics?.shardsProcessed.inc({ status: 'failed' });
  const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  try {
    const after = await deps.store.recordShardFailed(job.runId, job.shard, message, job.uris);
    await finishRunIfComplete(after, deps, log, true);
  } catch (recordError) {
    // The job still fails with its own error; the run store simply lacks this shard's failure record.
    log.error({ err: recordError }, 'could not record the shard failure in the run store');
  }
}

/**
 * If this shard was the run's last, this worker ends the run: manifest written, then the run recorded completed or
 * failed (see `finishRun`). On a shard that will be retried a failed manifest write fails the shard, so the retry
 * writes it; on a final attempt the run is recorded failed with the reason.
 */
async function finishRunIfComplete(state: RunState, deps: ShardHandlerDeps, log: Logger, final: boolean) {
  const storage = deps.storageFor(state.output);
  const outcome = await finishRun(state, { store: deps.store, storage, embedDim: deps.embedDim }, final);
  if (outcome.state.status === state.status) return;
  if (outcome.removedTemps.length > 0)
    log.info({ removed: outcome.removedTemps }, 'temp files of interrupted writes removed');
  log.info(
    { manifest: outcome.manifest, status: outcome.state.status, error: outcome.state.error, images: state.imagesDone },
    'run complete',
  );
}

function errorSamples(result: ShardResult) {
  return result.rows.flatMap((r) => (r.ok ? [] : [{ image_path: r.uri, error: r.error }]));
}
