import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { RunState } from '@metaclip-batch/jobs';
import { decodeNpy, float16ToFloat32, readParquet, storageFor } from '@metaclip-batch/storage';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildManifest, writeManifest } from './manifest.ts';
import { manifestUri, shardOutputUris } from './output-layout.ts';
import type { ImageRow } from './shard-runner.ts';
import { shardTables, writeShard } from './shard-writer.ts';

const unit = (...v: number[]) => {
  const n = Math.hypot(...v);
  return Float32Array.from(v, (x) => x / n);
};

const rows: ImageRow[] = [
  {
    uri: 's3://b/a.jpg',
    ok: true,
    width: 640,
    height: 480,
    embedding: unit(1, 2, 2),
    caption: 'a cat on a sofa',
    labels: [
      { label: 'cat', score: 0.75 },
      { label: 'dog', score: 0.25 },
    ],
  },
  { uri: 's3://b/broken.jpg', ok: false, error: 'ImageInputError: not an image' },
  {
    uri: 's3://b/c.png',
    ok: true,
    width: 10,
    height: 20,
    embedding: unit(0, 3, 4),
    caption: null,
    labels: [{ label: 'dog', score: 1 }],
  },
];

describe('output layout', () => {
  it('names shard files by run and six-digit shard under the output root', () => {
    expect(shardOutputUris('s3://out/emb', 'run-1', 42)).toEqual({
      embeddings: 's3://out/emb/run-1/img_emb/img_emb_000042.npy',
      metadata: 's3://out/emb/run-1/metadata/metadata_000042.parquet',
      errors: 's3://out/emb/run-1/errors/errors_000042.parquet',
    });
    expect(manifestUri('/data/out', 'r')).toBe('/data/out/r/manifest.json');
  });
});

describe('shardTables', () => {
  it('keeps embedding row i and metadata row i on the same image, errors apart', () => {
    const t = shardTables(rows, 3);
    expect([t.images, t.failed]).toEqual([2, 1]);
    expect(Array.from(t.embeddings)).toEqual([...unit(1, 2, 2), ...unit(0, 3, 4)]);
    const col = (name: string) => t.metadata.find((c) => c.name === name)?.data;
    expect(col('image_path')).toEqual(['s3://b/a.jpg', 's3://b/c.png']);
    // clip-retrieval's order: image_path, caption, then the rest; null where an image has no caption.
    expect(t.metadata.slice(0, 2).map((c) => c.name)).toEqual(['image_path', 'caption']);
    expect(col('caption')).toEqual(['a cat on a sofa', null]);
    expect(col('label')).toEqual(['cat', 'dog']);
    expect(col('labels')).toEqual([['cat', 'dog'], ['dog']]);
    expect(col('width')).toEqual([640, 10]);
    expect(t.errors.map((c) => c.data)).toEqual([['s3://b/broken.jpg'], ['ImageInputError: not an image']]);
  });

  it('refuses an embedding of the wrong width', () => {
    expect(() => shardTables(rows, 4)).toThrow(RangeError);
  });
});

describe('writeShard and writeManifest on local disk', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'pipeline-writer-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes readable npy and parquet files, and overwrites them when the shard runs again', async () => {
    const storage = storageFor(dir);
    const result = { runId: 'r1', shard: 7, rows, ms: 5 };
    const report = await writeShard(result, { output: dir, embedDim: 3, dtype: 'float16', storage });
    expect([report.images, report.failed]).toEqual([2, 1]);
    await writeShard(result, { output: dir, embedDim: 3, dtype: 'float16', storage });

    const npy = decodeNpy(await readFile(report.uris.embeddings));
    expect(npy.shape).toEqual([2, 3]);
    expect(npy.dtype).toBe('float16');
    const values = float16ToFloat32(npy.data as Uint16Array);
    expect(Array.from(values, (v) => Math.round(v * 1000) / 1000)).toEqual([0.333, 0.667, 0.667, 0, 0.6, 0.8]);

    const meta = await readParquet(await readFile(report.uris.metadata));
    expect(meta.map((r) => [r.image_path, r.caption, r.label, r.width, r.height])).toEqual([
      ['s3://b/a.jpg', 'a cat on a sofa', 'cat', 640, 480],
      ['s3://b/c.png', null, 'dog', 10, 20],
    ]);
    expect(meta[0]?.scores).toEqual([0.75, 0.25]);
    const errors = await readParquet(await readFile(report.uris.errors));
    expect(errors).toEqual([{ image_path: 's3://b/broken.jpg', error: 'ImageInputError: not an image' }]);
    expect((await readdir(path.join(dir, 'r1', 'img_emb'))).sort()).toEqual(['img_emb_000007.npy']);
  });

  it('writes an empty shard and no errors file when every image is fine', async () => {
    const storage = storageFor(dir);
    const okOnly = { runId: 'r2', shard: 0, rows: rows.filter((r) => r.ok), ms: 1 };
    const report = await writeShard(okOnly, { output: dir, embedDim: 3, dtype: 'float32', storage });
    expect(report.failed).toBe(0);
    await expect(readFile(report.uris.errors)).rejects.toThrow(/ENOENT/);
    const empty = await writeShard(
      { runId: 'r2', shard: 1, rows: [], ms: 0 },
      {
        output: dir,
        embedDim: 3,
        dtype: 'float32',
        storage,
      },
    );
    expect(decodeNpy(await readFile(empty.uris.embeddings)).shape).toEqual([0, 3]);
  });

  it('builds the same manifest from the same final state and writes it as JSON', async () => {
    const state: RunState = {
      runId: 'r1',
      queue: 'q',
      source: '/in',
      output: dir,
      model: '/models/tiny',
      labels: ['cat', 'dog'],
      templates: ['a photo of a {}.'],
      topK: 2,
      embedDtype: 'float16',
      shardSize: 8,
      createdAt: 1_000,
      status: 'failed',
      listed: true,
      shardsTotal: 3,
      imagesTotal: 20,
      shardsDone: 2,
      shardsFailed: 1,
      imagesDone: 14,
      imagesFailed: 2,
      shardMs: 900,
      startedAt: 1_000,
      updatedAt: 4_000,
      finishedAt: 4_000,
    };
    const failed = [{ shard: 1, error: 'gave up', uris: ['x'] }];
    const manifest = buildManifest(state, new Set([2, 0]), failed, 3);
    expect(buildManifest(state, new Set([0, 2]), failed, 3)).toEqual(manifest);
    expect(manifest.shards).toEqual({ done: [0, 2], failed: [{ shard: 1, error: 'gave up' }] });
    expect(manifest.counts).toMatchObject({ shards: 3, imagesDone: 14, imagesFailed: 2 });
    expect(manifest.timings.wallMs).toBe(3_000);
    const uri = await writeManifest(storageFor(dir), manifest);
    expect(JSON.parse(await readFile(uri, 'utf8'))).toEqual(manifest);
  });
});
