import { createHash } from 'node:crypto';
import { encodeParquet, joinUri, type StorageOptions } from '@metaclip-batch/storage';
import type { Logger } from '@metaclip-batch/telemetry';
import { AnnIndex } from './ann.ts';
import { SearchError } from './errors.ts';
import { openRun, type RunReader, readAllVectors, requireImages } from './run-reader.ts';
import { listSourceImages } from './source-listing.ts';
import { rowDot } from './vectors.ts';

/** Options of {@link dedupRun}. */
export interface DedupOptions {
  /** Cosine at or above which two images are near-duplicates, in (0, 1]. Default 0.96. */
  threshold?: number;
  /** Neighbours examined per image. Default 16. */
  neighbours?: number;
  storage?: StorageOptions;
  logger?: Logger;
}

/** The one-line summary `metaclip dedup` prints. */
export interface DedupSummary {
  groups: number;
  duplicates: number;
  /** Of `duplicates`, byte-for-byte copies of their group's first image. */
  exact: number;
  file: string;
}

/** Union-find over rows: `find` with path halving, union keeps the smaller row as the root (the group's first). */
class Groups {
  private readonly parent: Int32Array;
  constructor(n: number) {
    this.parent = Int32Array.from({ length: n }, (_, i) => i);
  }
  find(i: number): number {
    let x = i;
    while (this.parent[x] !== x) {
      const p = this.parent[x] as number;
      this.parent[x] = this.parent[p] as number;
      x = p;
    }
    return x;
  }
  union(a: number, b: number): void {
    const ra = this.find(a);
    const rb = this.find(b);
    if (ra !== rb) this.parent[Math.max(ra, rb)] = Math.min(ra, rb);
  }
}

/**
 * Finds near-duplicate groups in a run: images whose embeddings have cosine >= threshold (through the HNSW graph,
 * transitively), plus every byte-for-byte copy whatever its cosine (same size, then same SHA-256). Writes
 * `R/duplicates/duplicates.parquet`: one row per duplicate (`image_path`, `duplicate_of` = its group's first image in
 * run order, `score` = cosine to it, `exact`).
 */
export async function dedupRun(runUri: string, opts: DedupOptions = {}): Promise<DedupSummary> {
  const threshold = opts.threshold ?? 0.96;
  if (!(threshold > 0 && threshold <= 1)) {
    throw new SearchError('BAD_ARGUMENT', `threshold must be in (0, 1], got ${threshold}`);
  }
  const run = await openRun(runUri, opts.storage);
  const { images, vectors } = await readAllVectors(run);
  requireImages(run, images.length);
  const n = images.length;
  const dim = run.dim;
  const groups = new Groups(n);

  const ann = AnnIndex.create(dim);
  ann.add(
    Array.from({ length: n }, (_, i) => i),
    vectors,
  );
  const k = Math.min(n, opts.neighbours ?? 16);
  const { keys, scores } = ann.searchBatch(vectors, n, k);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < k; j++) {
      const other = keys[i * k + j] as number;
      if (other >= 0 && other !== i && (scores[i * k + j] as number) >= threshold) groups.union(i, other);
    }
  }
  opts.logger?.info({ images: n }, 'near-duplicate pairs found');
  const exactRows = await byteCopies(run, images, groups);

  const rows: { path: string; of: string; score: number; exact: boolean }[] = [];
  const roots = new Set<number>();
  for (let i = 0; i < n; i++) {
    const root = groups.find(i);
    if (root === i) continue;
    roots.add(root);
    const exact = exactRows.has(i);
    rows.push({
      path: (images[i] as { image_path: string }).image_path,
      of: (images[root] as { image_path: string }).image_path,
      score: exact ? 1 : Math.min(1, rowDot(vectors, dim, i, vectors.subarray(root * dim, (root + 1) * dim))),
      exact,
    });
  }
  const file = joinUri(run.root, 'duplicates', 'duplicates.parquet');
  await run.storage.put(
    file,
    encodeParquet([
      { name: 'image_path', type: 'string', nullable: false, data: rows.map((r) => r.path) },
      { name: 'duplicate_of', type: 'string', nullable: false, data: rows.map((r) => r.of) },
      { name: 'score', type: 'float32', nullable: false, data: rows.map((r) => r.score) },
      { name: 'exact', type: 'boolean', nullable: false, data: rows.map((r) => r.exact) },
    ]),
  );
  return { groups: roots.size, duplicates: rows.length, exact: exactRows.size, file };
}

/**
 * Joins byte-for-byte copies into groups and returns the rows that are exact copies of their group's first image.
 * Only images whose size another image shares are read (sizes from one listing of the source, or a HEAD each when the
 * source is a manifest file).
 */
async function byteCopies(run: RunReader, images: { image_path: string }[], groups: Groups): Promise<Set<number>> {
  const listed = await listSourceImages(run.manifest.source);
  const bySize = new Map<number, number[]>();
  for (const [i, img] of images.entries()) {
    const size = listed ? listed.get(img.image_path) : (await run.storage.head(img.image_path))?.size;
    if (size === undefined) continue; // gone from the source since the run: nothing to compare
    const same = bySize.get(size);
    if (same) same.push(i);
    else bySize.set(size, [i]);
  }
  const hashes = new Map<string, number>();
  const copyOf = new Map<number, number>();
  for (const rows of bySize.values()) {
    if (rows.length < 2) continue;
    for (const i of rows) {
      const bytes = await run.storage.get((images[i] as { image_path: string }).image_path);
      const digest = createHash('sha256').update(bytes).digest('hex');
      const first = hashes.get(digest);
      if (first === undefined) hashes.set(digest, i);
      else {
        groups.union(first, i);
        copyOf.set(i, first);
      }
    }
  }
  // An exact row is a copy of its group's first image only if that first image has the same bytes.
  const exact = new Set<number>();
  for (const [i, first] of copyOf) if (groups.find(i) === first) exact.add(i);
  return exact;
}
