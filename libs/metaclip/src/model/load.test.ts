/**
 * loadModel + MetaClipModel end to end on fixtures/tiny-clip: real conversion, real onnxruntime sessions, the real
 * tokenizer and image processor, checked against the golden outputs of Hugging Face transformers.
 */
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ImageInputError, ModelLoadError, ProviderUnavailableError } from '../errors.ts';
import { cosine } from '../similarity.ts';
import { GOLDEN_PIXEL_IMAGES, goldenPixels, readGolden } from './golden.fixture.ts';
import { loadModel } from './load.ts';
import type { MetaClipModel } from './metaclip-model.ts';

const { tinyClip: TINY_CLIP, images: IMAGES, golden: GOLDEN_DIR } = inject('sharedFixtures');
const golden = readGolden(GOLDEN_DIR);
const vec = (values: number[] | undefined) => Float32Array.from(values ?? []);
let cacheDir: string;
let model: MetaClipModel;

beforeAll(async () => {
  cacheDir = await mkdtemp(path.join(tmpdir(), 'metaclip-load-'));
  model = await loadModel(TINY_CLIP, { cacheDir, intraOpThreads: 1 });
});
afterAll(async () => {
  await model?.dispose();
  await rm(cacheDir, { recursive: true, force: true });
});

describe('loadModel from a Hugging Face folder', () => {
  it('describes the model', () => {
    expect(model).toMatchObject({ embedDim: 24, imageSize: 224, device: 'cpu', logitScale: golden.logit_scale });
    expect(model.ref).toBe(TINY_CLIP);
    expect(model.processor.size).toBe(224);
    expect(model.tokenizer.contextLength).toBe(77);
  });

  it('embedPixels reproduces transformers get_image_features, reading only the first n images of a buffer', async () => {
    const pixels = goldenPixels(GOLDEN_DIR);
    const all = await model.embedPixels(pixels, 4);
    expect(all.length).toBe(4 * 24);
    GOLDEN_PIXEL_IMAGES.forEach((name, i) => {
      expect(cosine(all.subarray(i * 24, (i + 1) * 24), vec(golden.images[name]?.image_embeds))).toBeGreaterThan(
        0.9999,
      );
    });
    const firstTwo = await model.embedPixels(pixels, 2);
    expect(Array.from(firstTwo)).toEqual(Array.from(all.subarray(0, 48)));
    await expect(model.embedPixels(pixels, 5)).rejects.toThrow(RangeError);
  });

  it('opens only the towers asked for, and says so when the other is used', async () => {
    const textOnly = await loadModel(TINY_CLIP, { cacheDir, intraOpThreads: 1, towers: 'text' });
    const visionOnly = await loadModel(TINY_CLIP, { cacheDir, intraOpThreads: 1, towers: 'vision' });
    try {
      const [text] = await textOnly.embedTexts(['a photo of a cat']);
      const [reference] = await model.embedTexts(['a photo of a cat']);
      expect(Array.from(text as Float32Array)).toEqual(Array.from(reference as Float32Array));
      await expect(textOnly.embedPixels(goldenPixels(GOLDEN_DIR), 1)).rejects.toThrow(/without its vision tower/);
      const image = await visionOnly.embedPixels(goldenPixels(GOLDEN_DIR), 1);
      expect(Array.from(image)).toEqual(Array.from(await model.embedPixels(goldenPixels(GOLDEN_DIR), 1)));
      await expect(visionOnly.embedTexts(['a cat'])).rejects.toThrow(/without its text tower/);
    } finally {
      await Promise.all([textOnly.dispose(), visionOnly.dispose()]);
    }
  });

  it('embedTexts reproduces transformers get_text_features', async () => {
    const texts = Object.keys(golden.text);
    const embeds = await model.embedTexts(texts);
    expect(embeds.length).toBe(texts.length);
    texts.forEach((t, i) => {
      expect(cosine(embeds[i] as Float32Array, vec(golden.text[t]?.text_embeds))).toBeGreaterThanOrEqual(0.9999);
    });
  });

  it('embedImages embeds real files and bytes, with a bad image as an error in its slot', async () => {
    const astronaut = path.join(IMAGES, 'astronaut.jpg');
    const results = await model.embedImages([
      astronaut,
      Buffer.from('not an image'),
      path.join(IMAGES, 'brick.png'),
      path.join(IMAGES, 'does-not-exist.jpg'),
    ]);
    expect(results[1]).toBeInstanceOf(ImageInputError);
    expect(results[3]).toBeInstanceOf(ImageInputError);
    for (const [i, name] of [
      [0, 'astronaut.jpg'],
      [2, 'brick.png'],
    ] as const) {
      expect(results[i]).toBeInstanceOf(Float32Array);
      // Decoding and resizing are the image processor's (tested against PIL there); close, not bit-equal.
      expect(cosine(results[i] as Float32Array, vec(golden.images[name]?.image_embeds))).toBeGreaterThan(0.99);
    }
  });
});

describe('loadModel from ONNX folders', () => {
  it('loads our converted folder as is, with the same embeddings', async () => {
    const again = await loadModel(model.dir, { cacheDir });
    try {
      const pixels = goldenPixels(GOLDEN_DIR);
      expect(Array.from(await again.embedPixels(pixels, 4))).toEqual(Array.from(await model.embedPixels(pixels, 4)));
      expect(again.logitScale).toBe(model.logitScale);
    } finally {
      await again.dispose();
    }
  });

  it('runs a folder that only has model.onnx, reading the logit scale off the graph when nothing records it', async () => {
    const dir = path.join(cacheDir, 'combined-only');
    await cp(model.dir, dir, { recursive: true });
    await rm(path.join(dir, 'onnx/vision_model.onnx'));
    await rm(path.join(dir, 'onnx/text_model.onnx'));
    await rm(path.join(dir, 'metaclip.json'));
    const combined = await loadModel(dir, { cacheDir });
    try {
      expect(combined.logitScale).toBeCloseTo(golden.logit_scale, 3);
      const pixels = goldenPixels(GOLDEN_DIR);
      const [mine, theirs] = [await combined.embedPixels(pixels, 4), await model.embedPixels(pixels, 4)];
      expect(cosine(mine, theirs)).toBeGreaterThan(0.999999);
      const [text] = await combined.embedTexts(['a photo of a cat.']);
      expect(cosine(text as Float32Array, vec(golden.text['a photo of a cat.']?.text_embeds))).toBeGreaterThan(0.9999);
    } finally {
      await combined.dispose();
    }
  });
});

describe('loadModel failures', () => {
  it('rejects an unknown device before doing any work', async () => {
    await expect(loadModel(TINY_CLIP, { cacheDir, device: 'tpu' })).rejects.toBeInstanceOf(ProviderUnavailableError);
  });

  it('rejects a folder that is not a model', async () => {
    await expect(loadModel(IMAGES, { cacheDir })).rejects.toBeInstanceOf(ModelLoadError);
    await expect(loadModel(path.join(cacheDir, 'nothing-here'), { cacheDir })).rejects.toThrow(/no config.json/);
  });

  it('rejects a preprocessor whose crop does not match the vision tower', async () => {
    const dir = path.join(cacheDir, 'crop-mismatch');
    await cp(model.dir, dir, { recursive: true });
    const file = path.join(dir, 'preprocessor_config.json');
    const config = JSON.parse(await readFile(file, 'utf8'));
    config.crop_size = { height: 112, width: 112 };
    await writeFile(file, JSON.stringify(config));
    await expect(loadModel(dir, { cacheDir })).rejects.toThrow(/crops to 112 px but the vision tower takes 224 px/);
  });

  it('refuses a disposed model', async () => {
    const short = await loadModel(TINY_CLIP, { cacheDir });
    await short.dispose();
    await expect(short.embedTexts(['x'])).rejects.toThrow(/disposed/);
  });
});
