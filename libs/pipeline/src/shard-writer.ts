import { encodeNpy, encodeParquet, type NpyDtype, type ParquetColumn, type Storage } from '@metaclip-batch/storage';
import { type ShardOutputUris, shardOutputUris } from './output-layout.ts';
import type { ImageRow, ShardResult } from './shard-runner.ts';

/** Where and how to write a shard. */
export interface ShardWriteOptions {
  /** The run's output root (`O`); files go under `O/<runId>/`. */
  output: string;
  /** Embedding width D (for the shape of an empty shard). */
  embedDim: number;
  /** `float16` halves the file; values are unit-length so the precision loss is ~1e-3 per component. */
  dtype: NpyDtype;
  storage: Storage;
}

/** What was written. */
export interface ShardWriteReport {
  /** Rows in the embeddings and metadata files. */
  images: number;
  /** Rows in the errors file (0: no errors file was written). */
  failed: number;
  uris: ShardOutputUris;
}

type OkRow = Extract<ImageRow, { ok: true }>;
type ErrorRow = Extract<ImageRow, { ok: false }>;

/**
 * Pure: the embeddings matrix and the metadata and error columns of a shard. Row i of the matrix is row i of the
 * metadata; both keep the shard's URI order.
 */
export function shardTables(rows: readonly ImageRow[], embedDim: number) {
  const ok = rows.filter((r): r is OkRow => r.ok);
  const bad = rows.filter((r): r is ErrorRow => !r.ok);
  const embeddings = new Float32Array(ok.length * embedDim);
  ok.forEach((row, i) => {
    if (row.embedding.length !== embedDim) {
      throw new RangeError(`embedding of ${row.uri} has ${row.embedding.length} values, expected ${embedDim}`);
    }
    embeddings.set(row.embedding, i * embedDim);
  });
  const metadata: ParquetColumn[] = [
    { name: 'image_path', type: 'string', nullable: false, data: ok.map((r) => r.uri) },
    // Second, where clip-retrieval puts it; in every file, so all shards of all runs share one schema.
    { name: 'caption', type: 'string', data: ok.map((r) => r.caption) },
    { name: 'label', type: 'string', data: ok.map((r) => r.labels[0]?.label ?? null) },
    { name: 'score', type: 'float32', data: ok.map((r) => r.labels[0]?.score ?? null) },
    { name: 'labels', type: 'list<string>', data: ok.map((r) => r.labels.map((l) => l.label)) },
    { name: 'scores', type: 'list<float32>', data: ok.map((r) => r.labels.map((l) => l.score)) },
    { name: 'width', type: 'int32', data: ok.map((r) => r.width) },
    { name: 'height', type: 'int32', data: ok.map((r) => r.height) },
  ];
  const errors: ParquetColumn[] = [
    { name: 'image_path', type: 'string', nullable: false, data: bad.map((r) => r.uri) },
    { name: 'error', type: 'string', nullable: false, data: bad.map((r) => r.error) },
  ];
  return { embeddings, images: ok.length, failed: bad.length, metadata, errors };
}

/**
 * Writes a shard's `img_emb_<shard>.npy`, `metadata_<shard>.parquet` and, when some images failed,
 * `errors_<shard>.parquet`, each atomically (`Storage.put`). Keys depend only on (run, shard): a shard processed
 * twice overwrites itself.
 */
export async function writeShard(result: ShardResult, opts: ShardWriteOptions): Promise<ShardWriteReport> {
  const uris = shardOutputUris(opts.output, result.runId, result.shard);
  const tables = shardTables(result.rows, opts.embedDim);
  const writes = [
    opts.storage.put(uris.embeddings, encodeNpy(tables.embeddings, [tables.images, opts.embedDim], opts.dtype)),
    opts.storage.put(uris.metadata, encodeParquet(tables.metadata)),
  ];
  if (tables.failed > 0) writes.push(opts.storage.put(uris.errors, encodeParquet(tables.errors)));
  await Promise.all(writes);
  return { images: tables.images, failed: tables.failed, uris };
}
