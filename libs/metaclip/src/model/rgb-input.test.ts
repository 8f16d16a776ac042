/**
 * The RGB vision graph (`vision_model_rgb.onnx`, `loadModel`'s `visionInput: 'rgb'`): packed 8-bit crops in, the
 * same embeddings as transformers' out, checked against the golden outputs; and the host-normalised fallback for a
 * folder without that graph.
 */
import { readdirSync } from 'node:fs';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ONNX_FILES } from '../convert/export-onnx.ts';
import { cosine } from '../similarity.ts';
import { readGolden } from './golden.fixture.ts';
import { loadModel } from './load.ts';
import type { MetaClipModel } from './metaclip-model.ts';

const { tinyClip: TINY_CLIP, images: IMAGES, golden: GOLDEN_DIR } = inject('sharedFixtures');
const golden = readGolden(GOLDEN_DIR);
const names = Object.keys(golden.images);
let cacheDir: string;
let rgbModel: MetaClipModel;
let floatModel: MetaClipModel;

beforeAll(async () => {
  cacheDir = await mkdtemp(path.join(tmpdir(), 'metaclip-rgb-'));
  floatModel = await loadModel(TINY_CLIP, { cacheDir, intraOpThreads: 1 });
  rgbModel = await loadModel(TINY_CLIP, { cacheDir, intraOpThreads: 1, visionInput: 'rgb' });
});
afterAll(async () => {
  await Promise.all([rgbModel?.dispose(), floatModel?.dispose()]);
  await rm(cacheDir, { recursive: true, force: true });
});

/** Every golden image as packed RGB crops, back to back. */
async function rgbCrops(model: MetaClipModel): Promise<Uint8Array> {
  const per = model.pixelsPerImage;
  const rgb = new Uint8Array(names.length * per);
  for (const [i, name] of names.entries()) await model.processor.preprocessRgb(path.join(IMAGES, name), rgb, i * per);
  return rgb;
}

describe("visionInput: 'rgb'", () => {
  it('the converter writes the RGB graph beside the float one', () => {
    expect(readdirSync(path.join(rgbModel.dir, 'onnx'))).toEqual(
      expect.arrayContaining([ONNX_FILES.vision, ONNX_FILES.visionRgb]),
    );
  });

  it('embedRgb reproduces transformers get_image_features on every golden image', async () => {
    const embeds = await rgbModel.embedRgb(await rgbCrops(rgbModel), names.length);
    names.forEach((name, i) => {
      const ours = embeds.subarray(i * 24, (i + 1) * 24);
      expect(cosine(ours, Float32Array.from(golden.images[name]?.image_embeds ?? [])), name).toBeGreaterThan(0.999);
    });
  });

  it('normalising inside the graph gives what the float graph gives on host-normalised pixels', async () => {
    const per = floatModel.pixelsPerImage;
    const pixels = new Float32Array(names.length * per);
    for (const [i, name] of names.entries())
      await floatModel.processor.preprocess(path.join(IMAGES, name), pixels, i * per);
    const float = await floatModel.embedPixels(pixels, names.length);
    const rgb = await rgbModel.embedRgb(await rgbCrops(rgbModel), names.length);
    names.forEach((name, i) => {
      const a = float.subarray(i * 24, (i + 1) * 24);
      expect(cosine(a, rgb.subarray(i * 24, (i + 1) * 24)), name).toBeGreaterThan(0.99999);
    });
  });

  it('a folder without the RGB graph normalises on the host, to the same embeddings', async () => {
    const copy = path.join(cacheDir, 'no-rgb-graph');
    await cp(rgbModel.dir, copy, { recursive: true });
    await rm(path.join(copy, 'onnx', ONNX_FILES.visionRgb));
    const fallback = await loadModel(copy, { intraOpThreads: 1, visionInput: 'rgb' });
    try {
      const rgb = await rgbCrops(rgbModel);
      const a = await fallback.embedRgb(rgb, names.length);
      const b = await rgbModel.embedRgb(rgb, names.length);
      for (let i = 0; i < names.length; i++) {
        expect(cosine(a.subarray(i * 24, (i + 1) * 24), b.subarray(i * 24, (i + 1) * 24))).toBeGreaterThan(0.99999);
      }
    } finally {
      await fallback.dispose();
    }
  });

  it('refuses float pixels and short buffers', async () => {
    await expect(rgbModel.embedPixels(new Float32Array(rgbModel.pixelsPerImage), 1)).rejects.toThrow(/embedRgb/);
    await expect(rgbModel.embedRgb(new Uint8Array(10), 1)).rejects.toThrow(RangeError);
  });
});

describe('ImageProcessor.preprocessRgb', () => {
  it('normalised on the host, its bytes are exactly the pixels preprocess writes, padding included', async () => {
    const processor = floatModel.processor;
    const per = floatModel.pixelsPerImage;
    const files = readdirSync(IMAGES).filter((f) => !f.startsWith('.'));
    const rgb = new Uint8Array(per);
    const expected = new Float32Array(per);
    const normalised = new Float32Array(per);
    let compared = 0;
    for (const file of files) {
      try {
        await processor.preprocess(path.join(IMAGES, file), expected, 0);
      } catch {
        continue; // the fixtures hold deliberately broken files; their errors are decode.test.ts's business
      }
      await processor.preprocessRgb(path.join(IMAGES, file), rgb, 0);
      const got = processor.normaliseRgb(rgb, 1, normalised);
      // Counted rather than compared with toEqual: a diff of 150,000 floats would take minutes to print.
      const differing = got.reduce((n, v, i) => (v === expected[i] ? n : n + 1), 0);
      expect(differing, file).toBe(0);
      compared++;
    }
    expect(compared).toBeGreaterThan(10);
  });
});
