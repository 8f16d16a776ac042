import { parseShardJobId } from '@metaclip-batch/jobs';
import type { JobType } from 'bullmq';
import type { Context } from '../context.ts';

/** Job states a cancel removes: everything not yet started. Active jobs finish; workers skip cancelled runs. */
const NOT_STARTED: JobType[] = ['waiting', 'prioritized', 'paused', 'delayed'];
/** Job ids fetched per page while scanning the queue. */
const PAGE = 5000;

/** What `cancel` did. */
export interface CancelOutcome {
  runId: string;
  /** Jobs removed from the queue. */
  removed: number;
}

/**
 * Cancel a run: mark it `cancelled` first (a producer still listing stops at its next chunk, workers skip its
 * shards), then remove its jobs that have not started, found by their deterministic ids (`<runId>.<shard>`), one page
 * of ids at a time.
 */
export async function cancelRun(ctx: Context, runId: string): Promise<CancelOutcome> {
  const state = await ctx.store.require(runId);
  await ctx.store.setStatus(runId, 'cancelled');
  const queue = ctx.queue(state.queue);
  let removed = 0;
  for (const type of NOT_STARTED) {
    let start = 0;
    for (;;) {
      const ids = await queue.getRanges([type], start, start + PAGE - 1, true);
      if (ids.length === 0) break;
      const ours = ids.filter((id) => parseShardJobId(id)?.runId === runId);
      const counts = await Promise.all(ours.map((id) => queue.remove(id)));
      const gone = counts.reduce((a, b) => a + b, 0);
      removed += gone;
      // Removed ids leave the list, so the next page starts that much earlier.
      start += ids.length - gone;
    }
  }
  ctx.log.info({ runId, removed }, 'run cancelled');
  return { runId, removed };
}
