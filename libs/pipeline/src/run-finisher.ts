import { isComplete, isTerminal, type RunState, type RunStore } from '@metaclip-batch/jobs';
import type { Storage } from '@metaclip-batch/storage';
import { buildManifest, writeManifest } from './manifest.ts';
import { runRoot } from './output-layout.ts';

/** What {@link finishRun} works with. */
export interface FinishRunDeps {
  store: RunStore;
  /** Storage of the run's output. */
  storage: Storage;
  /** Embedding width for the manifest; default the one the run store recorded with the first shard done. */
  embedDim?: number;
}

/** What {@link finishRun} did. */
export interface FinishRunOutcome {
  state: RunState;
  /** The manifest's URI; absent when the run was not ready to end or the manifest could not be written. */
  manifest?: string;
  /** Temp files of interrupted writes that were removed from the run's output. */
  removedTemps: string[];
}

/**
 * End a run whose every shard is accounted for: remove the temp files interrupted writes left in its output, write
 * `manifest.json`, and only then record it `completed` (or `failed`), so a finished run always has all its files.
 * A run not yet complete, or already ended, is returned as it is.
 *
 * The manifest takes the run's last update as its finish time, so two finishers of the same state (a redelivered
 * last shard) write the same bytes. When the manifest cannot be written and `final` is set (no retry will come), the
 * run is recorded `failed` with the reason; otherwise the error is thrown for the caller to retry.
 */
export async function finishRun(state: RunState, deps: FinishRunDeps, final = false): Promise<FinishRunOutcome> {
  if (!isComplete(state) || isTerminal(state.status)) return { state, removedTemps: [] };
  const [done, failed] = await Promise.all([deps.store.doneShards(state.runId), deps.store.failedShards(state.runId)]);
  const finishedAt = state.updatedAt;
  const ending: RunState = { ...state, status: failed.length > 0 ? 'failed' : 'completed', finishedAt };
  try {
    const removedTemps = (await deps.storage.removeTempFiles?.(`${runRoot(state.output, state.runId)}/`)) ?? [];
    const manifest = await writeManifest(
      deps.storage,
      buildManifest(ending, done, failed, deps.embedDim ?? state.embedDim ?? null),
    );
    return { state: await deps.store.finish(state.runId, { now: finishedAt }), manifest, removedTemps };
  } catch (err) {
    if (!final) throw err;
    const error = `manifest.json could not be written: ${err instanceof Error ? err.message : String(err)}`;
    return { state: await deps.store.finish(state.runId, { error, now: finishedAt }), removedTemps: [] };
  }
}
