import { shardName } from '@metaclip-batch/jobs';
import type { RunManifest } from '@metaclip-batch/pipeline';
import {
  decodeNpy,
  joinUri,
  NotFoundError,
  npyFloat32,
  readParquet,
  type Storage,
  type StorageOptions,
  storageFor,
} from '@metaclip-batch/storage';
import { SearchError } from './errors.ts';

/** One image of a run: where it came from and what the run said it is. */
export interface RunImage {
  image_path: string;
  /** The run's top label (null when the run had no labels). */
  label: string | null;
}

/** The rows of one shard: `vectors` holds `images.length` unit vectors of `dim` floats, row i = image i. */
export interface RunShard {
  shard: number;
  images: RunImage[];
  vectors: Float32Array;
}

/** A finished run's output, read through its `manifest.json`. */
export interface RunReader {
  /** The run folder or S3 prefix (`<output>/<runId>`), no trailing slash. */
  root: string;
  manifest: RunManifest;
  storage: Storage;
  /** Embedding width D. */
  dim: number;
  /** Shards in order, one at a time (memory: one shard). */
  shards(): AsyncIterable<RunShard>;
}

/**
 * Opens a run folder or S3 prefix: reads and checks its `manifest.json` (written when the run completes).
 *
 * @throws SearchError `RUN_NOT_FOUND` when there is no manifest, `BAD_RUN` when it is not a run's manifest.
 */
export async function openRun(uri: string, opts: StorageOptions = {}): Promise<RunReader> {
  const root = uri.replace(/\/+$/, '');
  const storage = storageFor(root, opts);
  const manifestUri = joinUri(root, 'manifest.json');
  let text: string;
  try {
    text = (await storage.get(manifestUri)).toString('utf8');
  } catch (err) {
    if (err instanceof NotFoundError) {
      throw new SearchError(
        'RUN_NOT_FOUND',
        `${root} is not a finished run: no ${manifestUri} (give the run's folder <output>/<run-id>, and wait for the ` +
          'run to complete: the manifest is written last)',
        { cause: err },
      );
    }
    throw err;
  }
  const manifest = parseManifest(text, manifestUri);
  const dim = manifest.embedDim;
  // A run whose listing was empty ends with a manifest but embedded nothing, so it has no width either.
  if (dim === null)
    throw new SearchError('BAD_RUN', `${manifestUri}: the run embedded no image, there is nothing to search`);
  return {
    root,
    manifest,
    storage,
    dim,
    shards: () => readShards(storage, root, manifest),
  };
}

function parseManifest(text: string, uri: string): RunManifest {
  let m: Partial<RunManifest>;
  try {
    m = JSON.parse(text) as Partial<RunManifest>;
  } catch (err) {
    throw new SearchError('BAD_RUN', `${uri} is not JSON: ${(err as Error).message}`, { cause: err });
  }
  const ok =
    typeof m.runId === 'string' &&
    typeof m.model === 'string' &&
    Number.isSafeInteger(m.embedDim) &&
    typeof m.source === 'string' &&
    Array.isArray(m.shards?.done) &&
    typeof m.files?.embeddings === 'string' &&
    typeof m.files?.metadata === 'string';
  if (!ok) throw new SearchError('BAD_RUN', `${uri} is not a run manifest (runId, model, embedDim, shards, files)`);
  return m as RunManifest;
}

async function* readShards(storage: Storage, root: string, manifest: RunManifest): AsyncGenerator<RunShard> {
  for (const shard of manifest.shards.done) {
    const name = shardName(shard);
    const [npyBuf, metaBuf] = await Promise.all([
      storage.get(joinUri(root, manifest.files.embeddings.replace('{shard}', name))),
      storage.get(joinUri(root, manifest.files.metadata.replace('{shard}', name))),
    ]);
    const npy = decodeNpy(npyBuf);
    const rows = await readParquet(metaBuf, ['image_path', 'label']);
    const n = npy.shape[0] ?? 0;
    if (rows.length !== n || (n > 0 && npy.shape[1] !== manifest.embedDim)) {
      throw new SearchError(
        'BAD_RUN',
        `shard ${name} of ${root} has ${rows.length} metadata rows and embeddings of shape (${npy.shape.join(', ')}); ` +
          `expected ${n} rows of ${manifest.embedDim}`,
      );
    }
    const vectors = npyFloat32(npy);
    const images = rows.map((r) => ({ image_path: String(r.image_path), label: (r.label as string | null) ?? null }));
    yield { shard, images, vectors };
  }
}

/** Every image and vector of a run in one matrix (row order = shard order, then row). */
export async function readAllVectors(run: RunReader): Promise<{ images: RunImage[]; vectors: Float32Array }> {
  const parts: Float32Array[] = [];
  const images: RunImage[] = [];
  for await (const s of run.shards()) {
    parts.push(s.vectors);
    images.push(...s.images);
  }
  const vectors = new Float32Array(images.length * run.dim);
  let at = 0;
  for (const p of parts) {
    vectors.set(p, at);
    at += p.length;
  }
  return { images, vectors };
}

/** @throws SearchError `RUN_EMPTY` when a run embedded no image. */
export function requireImages(run: RunReader, count: number): void {
  if (count === 0) {
    throw new SearchError(
      'RUN_EMPTY',
      `run ${run.manifest.runId} at ${run.root} embedded no images (${run.manifest.counts.imagesFailed} failed): ` +
        'nothing to index, search or group; check its errors/ folder and the source',
    );
  }
}
