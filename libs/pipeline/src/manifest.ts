import type { FailedShard, RunState } from '@metaclip-batch/jobs';
import type { Storage } from '@metaclip-batch/storage';
import { manifestUri } from './output-layout.ts';

/** `manifest.json` of a finished run: what was asked, what came out, and where. */
export interface RunManifest {
  version: 1;
  runId: string;
  status: RunState['status'];
  model: string;
  /** Embedding width; null for a run no shard of which was embedded (an empty listing). */
  embedDim: number | null;
  embedDtype: RunState['embedDtype'];
  labels: string[];
  templates: string[];
  topK: number;
  source: string;
  output: string;
  counts: {
    shards: number;
    shardsDone: number;
    shardsFailed: number;
    images: number;
    /** Images embedded (rows in the npy and metadata files). */
    imagesDone: number;
    /** Images that became error rows. */
    imagesFailed: number;
  };
  /** Paths relative to the run folder; `{shard}` is the six-digit shard number. */
  files: { embeddings: string; metadata: string; errors: string };
  shards: { done: number[]; failed: { shard: number; error: string }[] };
  timings: {
    startedAt: string;
    finishedAt: string | null;
    /** From the run's creation to its last shard. */
    wallMs: number | null;
    /** Sum of the workers' per-shard processing times. */
    shardMs: number;
  };
}

/**
 * Pure: the manifest of a run from its final state in the run store. Deterministic (no "written at" stamp), so every
 * worker that writes it writes the same bytes and a second write is harmless.
 */
export function buildManifest(
  state: RunState,
  done: ReadonlySet<number>,
  failed: readonly FailedShard[],
  embedDim: number | null,
): RunManifest {
  return {
    version: 1,
    runId: state.runId,
    status: state.status,
    model: state.model,
    embedDim,
    embedDtype: state.embedDtype,
    labels: [...state.labels],
    templates: [...state.templates],
    topK: state.topK,
    source: state.source,
    output: state.output,
    counts: {
      shards: state.shardsTotal,
      shardsDone: state.shardsDone,
      shardsFailed: state.shardsFailed,
      images: state.imagesTotal,
      imagesDone: state.imagesDone,
      imagesFailed: state.imagesFailed,
    },
    files: {
      embeddings: 'img_emb/img_emb_{shard}.npy',
      metadata: 'metadata/metadata_{shard}.parquet',
      errors: 'errors/errors_{shard}.parquet',
    },
    shards: {
      done: [...done].sort((a, b) => a - b),
      failed: failed.map(({ shard, error }) => ({ shard, error })),
    },
    timings: {
      startedAt: new Date(state.startedAt).toISOString(),
      finishedAt: state.finishedAt === undefined ? null : new Date(state.finishedAt).toISOString(),
      wallMs: state.finishedAt === undefined ? null : state.finishedAt - state.startedAt,
      shardMs: state.shardMs,
    },
  };
}

/** Writes `<output>/<runId>/manifest.json` atomically; returns its URI. */
export async function writeManifest(storage: Storage, manifest: RunManifest): Promise<string> {
  const uri = manifestUri(manifest.output, manifest.runId);
  await storage.put(uri, `${JSON.stringify(manifest, null, 2)}\n`, { contentType: 'application/json' });
  return uri;
}
