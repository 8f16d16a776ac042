import { JobsError, SHARD_JOB_NAME, type ShardJob, shardJobId } from '@metaclip-batch/jobs';
import type { Context } from '../context.ts';

/** What `retry` did, shard numbers per outcome. */
export interface RetryOutcome {
  runId: string;
  /** Failed jobs moved back to waiting, attempts reset. */
  retried: number[];
  /** Jobs BullMQ had already removed, re-created from the URIs the worker recorded with the failure. */
  recreated: number[];
  /** Shards whose job is queued or running again already (nothing to do). */
  pending: number[];
  /** Shards that cannot be retried: the job is gone and the failure record has no URIs. */
  lost: number[];
}

/**
 * Retry every failed shard of a run: a failed job still in BullMQ is retried in place (attempts reset); one BullMQ
 * already removed (`removeOnFail`) is re-created under the same job id from the URIs recorded with the failure. The
 * run store forgets those failures first, so the run counts the shards as outstanding and becomes `running` again.
 *
 * @throws {@link JobsError} for a cancelled run.
 */
export async function retryRun(ctx: Context, runId: string): Promise<RetryOutcome> {
  const state = await ctx.store.require(runId);
  if (state.status === 'cancelled') {
    throw new JobsError('RUN_CANCELLED', `run ${runId} is cancelled; enqueue it again under a new run id`);
  }
  const queue = ctx.queue(state.queue);
  const failed = await ctx.store.failedShards(runId);
  const outcome: RetryOutcome = { runId, retried: [], recreated: [], pending: [], lost: [] };
  const actions: (() => Promise<unknown>)[] = [];
  for (const f of failed) {
    const jobId = shardJobId(runId, f.shard);
    const job = await queue.getJob(jobId);
    const jobState = job ? await job.getState() : 'unknown';
    if (job && jobState === 'failed') {
      outcome.retried.push(f.shard);
      actions.push(() => job.retry('failed', { resetAttemptsMade: true, resetAttemptsStarted: true }));
    } else if (jobState !== 'unknown' && jobState !== 'completed') {
      outcome.pending.push(f.shard);
    } else if (f.uris && f.uris.length > 0) {
      outcome.recreated.push(f.shard);
      // A completed job under this id would block the add; it carries nothing the run store still needs.
      if (job) actions.push(() => job.remove());
      const data: ShardJob = { runId, shard: f.shard, model: state.model, uris: f.uris };
      actions.push(() => queue.add(SHARD_JOB_NAME, data, { jobId }));
    } else {
      outcome.lost.push(f.shard);
    }
  }
  const reopened = [...outcome.retried, ...outcome.recreated, ...outcome.pending];
  // Reopen before the jobs move, so a shard that fails again at once is recorded after, not erased.
  if (reopened.length > 0) await ctx.store.reopenShards(runId, reopened);
  for (const act of actions) await act();
  ctx.log.info(
    {
      runId,
      retried: outcome.retried.length,
      recreated: outcome.recreated.length,
      pending: outcome.pending.length,
      lost: outcome.lost.length,
    },
    'retry',
  );
  return outcome;
}
