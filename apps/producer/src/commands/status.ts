import { progress, type RunState } from '@metaclip-batch/jobs';
import type { Context } from '../context.ts';

/** The `status --json` document: the run state, its progress, failed shards and a few error samples. */
export async function statusDocument(ctx: Context, runId: string, now = Date.now()) {
  const state = await ctx.store.require(runId);
  const failedShards = (await ctx.store.failedShards(runId)).map(({ shard, error }) => ({ shard, error }));
  const errorSamples = await ctx.store.errorSamples(runId, 20);
  return { ...state, progress: progress(state, now), failedShards, errorSamples };
}

/** How many failed shards the human `status` (and `--wait`) shows the reasons of. */
export const FAILURE_SAMPLE = 5;

/** The run state with a sample of its failed shards, for the human `status`. */
export async function statusWithFailures(ctx: Context, runId: string) {
  const state = await ctx.store.require(runId);
  const failedShards = state.shardsFailed > 0 ? await ctx.store.failedShardSample(runId, FAILURE_SAMPLE) : [];
  return { state, failedShards };
}

/** Runs, newest first, with their progress. */
export async function runsDocument(ctx: Context, limit: number, now = Date.now()) {
  const runs = await ctx.store.list(limit);
  return runs.map((s: RunState) => ({ ...s, progress: progress(s, now) }));
}
