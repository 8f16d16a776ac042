import { encodeNpy, encodeParquet, joinUri, type StorageOptions } from '@metaclip-batch/storage';
import type { Logger } from '@metaclip-batch/telemetry';
import { type KMeansOptions, sphericalKMeans } from './kmeans.ts';
import { QueryEncoder } from './query-encoder.ts';
import { openRun, readAllVectors, requireImages } from './run-reader.ts';
import { exactTopK } from './vectors.ts';

/** Options of {@link clusterRun}. */
export interface ClusterRunOptions extends Omit<KMeansOptions, 'onIteration'> {
  /** Name clusters after these prompts (embedded as given) instead of the run's labels. */
  names?: string[];
  /** Example images per cluster in `clusters.json`. Default 8. */
  examples?: number;
  storage?: StorageOptions;
  logger?: Logger;
}

/** One entry of `clusters.json`. */
export interface ClusterInfo {
  id: number;
  size: number;
  /** The label (or `--names` prompt) nearest to the centroid; null when the run has no labels and none were given. */
  name: string | null;
  /** The images nearest to the centroid, best first. */
  examples: string[];
}

/** What {@link clusterRun} wrote. */
export interface ClusterSummary {
  clusters: number;
  images: number;
  iterations: number;
  files: { clusters: string; centroids: string; info: string };
}

/**
 * Clusters a run's embeddings with spherical k-means and writes `R/clusters/`: `clusters.parquet` (`image_path`,
 * `cluster`, `score` = cosine to its centroid; every image exactly once), `centroids.npy` (float32 `[K, D]`) and
 * `clusters.json` (per cluster: `id`, `size`, `name`, `examples`).
 */
export async function clusterRun(runUri: string, opts: ClusterRunOptions): Promise<ClusterSummary> {
  const run = await openRun(runUri, opts.storage);
  const { images, vectors } = await readAllVectors(run);
  requireImages(run, images.length);
  const dim = run.dim;
  const started = Date.now();
  const km = sphericalKMeans(vectors, dim, {
    ...opts,
    onIteration: (i, of) => {
      if (i % 10 === 0 || i === of) opts.logger?.info({ iteration: i, of }, 'k-means');
    },
  });
  opts.logger?.info({ clusters: opts.k, ms: Date.now() - started, iterations: km.iterations }, 'clustered');
  const k = km.centroids.length / dim;
  const names = await nameClusters(run.manifest, km.centroids, dim, opts.names);

  const members: number[][] = Array.from({ length: k }, () => []);
  for (const [i, c] of km.assignment.entries()) members[c]?.push(i);
  const want = opts.examples ?? 8;
  const info: ClusterInfo[] = members.map((rows, id) => ({
    id,
    size: rows.length,
    name: names?.[id] ?? null,
    examples: [...rows]
      .sort((a, b) => (km.score[b] as number) - (km.score[a] as number) || a - b)
      .slice(0, want)
      .map((i) => (images[i] as { image_path: string }).image_path),
  }));
  const files = {
    clusters: joinUri(run.root, 'clusters', 'clusters.parquet'),
    centroids: joinUri(run.root, 'clusters', 'centroids.npy'),
    info: joinUri(run.root, 'clusters', 'clusters.json'),
  };
  await run.storage.put(
    files.clusters,
    encodeParquet([
      { name: 'image_path', type: 'string', nullable: false, data: images.map((i) => i.image_path) },
      { name: 'cluster', type: 'int32', nullable: false, data: km.assignment },
      { name: 'score', type: 'float32', nullable: false, data: km.score },
    ]),
  );
  await run.storage.put(files.centroids, encodeNpy(km.centroids, [k, dim], 'float32'));
  await run.storage.put(files.info, `${JSON.stringify(info, null, 2)}\n`);
  return { clusters: k, images: images.length, iterations: km.iterations, files };
}

/** The nearest name of each centroid: `--names` prompts as given, else the run's labels with its templates. */
async function nameClusters(
  manifest: { model: string; labels: string[]; templates: string[] },
  centroids: Float32Array,
  dim: number,
  prompts?: string[],
): Promise<string[] | null> {
  const names = prompts && prompts.length > 0 ? prompts : manifest.labels;
  if (names.length === 0) return null;
  const encoder = await QueryEncoder.open(manifest.model);
  try {
    const table =
      prompts && prompts.length > 0
        ? concat(await encoder.texts(prompts), dim)
        : await encoder.labels(manifest.labels, manifest.templates);
    const k = centroids.length / dim;
    return Array.from({ length: k }, (_, c) => {
      const [best] = exactTopK(table, dim, centroids.subarray(c * dim, (c + 1) * dim), 1);
      return names[best?.row ?? 0] as string;
    });
  } finally {
    await encoder.close();
  }
}

function concat(rows: Float32Array[], dim: number): Float32Array {
  const out = new Float32Array(rows.length * dim);
  for (const [i, r] of rows.entries()) out.set(r, i * dim);
  return out;
}
