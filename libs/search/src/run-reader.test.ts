import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { encodeNpy, encodeParquet, float16ToFloat32, float32ToFloat16 } from '@metaclip-batch/storage';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { openRun, readAllVectors } from './run-reader.ts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'metaclip-run-reader-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

const vectors = [
  new Float32Array([0.6, 0.8, 0, 0]),
  new Float32Array([0, 0, 0.28, 0.96]),
  new Float32Array([0.5, 0.5, 0.5, 0.5]),
];

/** A finished run of two shards: shard 0 in float16 (the default), shard 1 in float32 (on request). */
async function writeRun(): Promise<void> {
  const shards = [
    { name: '000000', rows: [0, 1], dtype: 'float16' as const },
    { name: '000001', rows: [2], dtype: 'float32' as const },
  ];
  await mkdir(path.join(dir, 'img_emb'));
  await mkdir(path.join(dir, 'metadata'));
  for (const s of shards) {
    const data = new Float32Array(s.rows.flatMap((r) => [...(vectors[r] as Float32Array)]));
    await writeFile(path.join(dir, `img_emb/img_emb_${s.name}.npy`), encodeNpy(data, [s.rows.length, 4], s.dtype));
    const columns = [
      { name: 'image_path', type: 'string' as const, data: s.rows.map((r) => `/src/${r}.jpg`) },
      { name: 'label', type: 'string' as const, data: s.rows.map(() => 'a') },
    ];
    await writeFile(path.join(dir, `metadata/metadata_${s.name}.parquet`), encodeParquet(columns));
  }
  const manifest = {
    runId: 'r',
    model: 'm',
    embedDim: 4,
    source: '/src/',
    shards: { done: [0, 1], failed: [] },
    files: {
      embeddings: 'img_emb/img_emb_{shard}.npy',
      metadata: 'metadata/metadata_{shard}.parquet',
      errors: 'errors/errors_{shard}.parquet',
    },
  };
  await writeFile(path.join(dir, 'manifest.json'), JSON.stringify(manifest));
}

it('reads float16 and float32 embeddings alike, as float32', async () => {
  await writeRun();
  const { images, vectors: read } = await readAllVectors(await openRun(dir));
  expect(images.map((i) => i.image_path)).toEqual(['/src/0.jpg', '/src/1.jpg', '/src/2.jpg']);
  // float16 rows come back as their half-precision values, float32 rows exactly.
  const half = float16ToFloat32(
    float32ToFloat16(new Float32Array([...(vectors[0] as Float32Array), ...(vectors[1] as Float32Array)])),
  );
  expect([...read.subarray(0, 8)]).toEqual([...half]);
  expect([...read.subarray(8)]).toEqual([...(vectors[2] as Float32Array)]);
});
