import { shardName } from '@metaclip-batch/jobs';
import { joinUri } from '@metaclip-batch/storage';

/**
 * Where a run's output lives, clip-retrieval's layout under `<output>/<runId>/`. Every key depends only on (run,
 * shard), so a shard processed twice overwrites its own files and never adds new ones: exactly-once output from
 * at-least-once jobs.
 */
export interface ShardOutputUris {
  /** `img_emb/img_emb_<shard>.npy`: `[n, D]` unit-length embeddings, row i = metadata row i. */
  embeddings: string;
  /** `metadata/metadata_<shard>.parquet`: one row per embedded image. */
  metadata: string;
  /** `errors/errors_<shard>.parquet`: one row per image that could not be embedded (only when there are some). */
  errors: string;
}

/** The run's own folder: `<output>/<runId>`. */
export function runRoot(output: string, runId: string): string {
  return joinUri(output, runId);
}

/** The three files of one shard. */
export function shardOutputUris(output: string, runId: string, shard: number): ShardOutputUris {
  const name = shardName(shard);
  const root = runRoot(output, runId);
  return {
    embeddings: joinUri(root, 'img_emb', `img_emb_${name}.npy`),
    metadata: joinUri(root, 'metadata', `metadata_${name}.parquet`),
    errors: joinUri(root, 'errors', `errors_${name}.parquet`),
  };
}

/** `<output>/<runId>/manifest.json`. */
export function manifestUri(output: string, runId: string): string {
  return joinUri(runRoot(output, runId), 'manifest.json');
}
