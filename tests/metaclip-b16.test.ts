/**
 * MetaCLIP ViT-B/16 at full size (random weights, ~600 MB): the converter handles the real architecture and its
 * external data, a second load is a cache hit, and the model embeds one small batch of real images and texts.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { cosine, loadModel, type MetaClipModel } from '@metaclip-batch/metaclip';
import { convertModel, readManifest, writeRandomModel } from '@metaclip-batch/metaclip/convert';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

const IMAGES = inject('sharedFixtures').images;
let work: string;
let hfDir: string;
let model: MetaClipModel | undefined;

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'metaclip-b16-'));
  hfDir = await writeRandomModel(path.join(work, 'hf'), 'b16', { seed: 16 });
});
afterAll(async () => {
  await model?.dispose();
  await rm(work, { recursive: true, force: true });
});

describe('MetaCLIP ViT-B/16 (random weights)', () => {
  it('converts once, then hits the cache', async () => {
    const cacheDir = path.join(work, 'cache');
    const dir = await convertModel(hfDir, { cacheDir });
    const manifest = await readManifest(dir);
    expect(manifest).toMatchObject({ embedDim: 512, imageSize: 224, dtype: 'fp32' });
    expect(await convertModel(hfDir, { cacheDir })).toBe(dir);
    expect((await readManifest(dir))?.createdAt).toBe(manifest?.createdAt);
  });

  it('embeds a small batch of images and texts', async () => {
    model = await loadModel(hfDir, { cacheDir: path.join(work, 'cache') });
    expect(model.embedDim).toBe(512);
    const [astronaut, coins] = await model.embedImages([
      path.join(IMAGES, 'astronaut.jpg'),
      path.join(IMAGES, 'coins.jpg'),
    ]);
    for (const e of [astronaut, coins]) {
      expect(e).toBeInstanceOf(Float32Array);
      expect((e as Float32Array).length).toBe(512);
      expect((e as Float32Array).every(Number.isFinite)).toBe(true);
    }
    // One image alone gives its row of the batch: batching does not mix images.
    const [alone] = await model.embedImages([path.join(IMAGES, 'astronaut.jpg')]);
    expect(cosine(alone as Float32Array, astronaut as Float32Array)).toBeGreaterThan(0.99999);
    expect(cosine(astronaut as Float32Array, coins as Float32Array)).toBeLessThan(0.9999);

    const texts = await model.embedTexts(['a photo of an astronaut.', 'a photo of coins.']);
    expect(texts.map((t) => t.length)).toEqual([512, 512]);
    expect(texts.every((t) => t.every(Number.isFinite))).toBe(true);
  });
});
