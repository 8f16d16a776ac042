/**
 * The converter against Hugging Face transformers: our ONNX graphs of fixtures/tiny-clip, run by onnxruntime, must
 * reproduce the golden embeddings of transformers 5.17, in every variant (fp32/fp16, standard/fused, both pooling
 * rules).
 */
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ModelLoadError } from '../errors.ts';
import { GOLDEN_PIXEL_IMAGES, goldenPixels, readGolden } from '../model/golden.fixture.ts';
import { createSession } from '../runtime/session.ts';
import { cosine } from '../similarity.ts';
import { ClipTokenizer } from '../tokenizer/clip-tokenizer.ts';
import { clipTokenizerJson } from '../tokenizer/clip-tokenizer-json.ts';
import { CLIP_BOS_TOKEN, CLIP_EOS_TOKEN, loadVendoredClipVocabulary } from '../tokenizer/vocab-files.ts';
import { COPIED_FILES, type ConvertOptions, convertModel, readManifest } from './convert.ts';
import { writeRandomModel } from './random-model.ts';

const { tinyClip: TINY_CLIP, golden: GOLDEN_DIR } = inject('sharedFixtures');
const golden = readGolden(GOLDEN_DIR);
const TEXTS = Object.keys(golden.text);
const D = 24;
let cacheDir: string;

beforeAll(async () => {
  cacheDir = await mkdtemp(path.join(tmpdir(), 'metaclip-convert-'));
});
afterAll(async () => {
  await rm(cacheDir, { recursive: true, force: true });
});

/** Convert `hfDir` and embed the golden pixels and golden token ids with the two tower graphs. */
async function embed(hfDir: string, options: ConvertOptions) {
  const dir = await convertModel(hfDir, { cacheDir, ...options });
  const cpu = { device: { kind: 'cpu' } as const };
  const [vision, text] = await Promise.all([
    createSession(path.join(dir, 'onnx/vision_model.onnx'), cpu),
    createSession(path.join(dir, 'onnx/text_model.onnx'), cpu),
  ]);
  try {
    const pixels = new ort.Tensor('float32', goldenPixels(GOLDEN_DIR), [GOLDEN_PIXEL_IMAGES.length, 3, 224, 224]);
    const images = (await vision.run({ pixel_values: pixels })).image_embeds?.data as Float32Array;
    // Padded with the end token, as CLIPTokenizer pads.
    const length = Math.max(...TEXTS.map((t) => golden.text[t]?.input_ids.length ?? 0));
    const ids = new BigInt64Array(TEXTS.length * length).fill(49407n);
    TEXTS.forEach((t, i) => {
      ids.set((golden.text[t]?.input_ids ?? []).map(BigInt), i * length);
    });
    const texts = (await text.run({ input_ids: new ort.Tensor('int64', ids, [TEXTS.length, length]) })).text_embeds
      ?.data as Float32Array;
    return { dir, images, texts };
  } finally {
    await Promise.all([vision.release(), text.release()]);
  }
}

const row = (data: Float32Array, i: number) => data.subarray(i * D, (i + 1) * D);
const vec = (values: number[] | undefined) => Float32Array.from(values ?? []);

/** Smallest cosine between matching rows of two `[n, D]` outputs. */
function minCosine(a: Float32Array, b: Float32Array): number {
  let min = 1;
  for (let i = 0; i < a.length / D; i++) min = Math.min(min, cosine(row(a, i), row(b, i)));
  return min;
}

describe('convertModel on fixtures/tiny-clip', () => {
  it('reproduces transformers image and text embeddings and the logit scale (fp32, standard ops)', async () => {
    const { dir, images, texts } = await embed(TINY_CLIP, { dtype: 'fp32', fused: false });
    GOLDEN_PIXEL_IMAGES.forEach((name, i) => {
      expect(cosine(row(images, i), vec(golden.images[name]?.image_embeds))).toBeGreaterThanOrEqual(0.999999);
    });
    TEXTS.forEach((t, i) => {
      expect(cosine(row(texts, i), vec(golden.text[t]?.text_embeds))).toBeGreaterThanOrEqual(0.999999);
    });
    const manifest = await readManifest(dir);
    expect(manifest?.logitScale).toBe(golden.logit_scale);
    expect(manifest).toMatchObject({ dtype: 'fp32', fused: false, embedDim: 24, imageSize: 224 });
  });

  it('gives the same numbers with fused onnxruntime ops', async () => {
    const plain = await embed(TINY_CLIP, { dtype: 'fp32', fused: false });
    const fused = await embed(TINY_CLIP, { dtype: 'fp32', fused: true });
    expect(minCosine(fused.images, plain.images)).toBeGreaterThanOrEqual(0.9999999);
    expect(minCosine(fused.texts, plain.texts)).toBeGreaterThanOrEqual(0.9999999);
    const maxDiff = Math.max(...fused.images.map((v, i) => Math.abs(v - (plain.images[i] as number))));
    expect(maxDiff).toBeLessThan(1e-4);
  });

  it('stays close to fp32 in fp16 (weights and compute), fused and not', async () => {
    const fp32 = await embed(TINY_CLIP, { dtype: 'fp32', fused: false });
    for (const fused of [false, true]) {
      const fp16 = await embed(TINY_CLIP, { dtype: 'fp16', fused });
      expect(minCosine(fp16.images, fp32.images)).toBeGreaterThanOrEqual(0.999);
      expect(minCosine(fp16.texts, fp32.texts)).toBeGreaterThanOrEqual(0.999);
      expect((await readManifest(fp16.dir))?.dtype).toBe('fp16');
    }
  });

  it('pools legacy eos_token_id 2 configs at argmax(input_ids) with the same result', async () => {
    const legacy = path.join(cacheDir, 'legacy-src');
    await mkdir(legacy);
    for (const file of ['model.safetensors', 'tokenizer.json', 'tokenizer_config.json', 'preprocessor_config.json']) {
      await symlink(path.join(TINY_CLIP, file), path.join(legacy, file));
    }
    const config = JSON.parse(await readFile(path.join(TINY_CLIP, 'config.json'), 'utf8'));
    config.text_config.eos_token_id = 2;
    await writeFile(path.join(legacy, 'config.json'), JSON.stringify(config));
    const { texts } = await embed(legacy, { dtype: 'fp32', fused: false });
    TEXTS.forEach((t, i) => {
      expect(cosine(row(texts, i), vec(golden.text[t]?.text_embeds))).toBeGreaterThanOrEqual(0.999999);
    });
  });

  it('converts once: the second call is a cache hit that reuses the folder', async () => {
    const first = await convertModel(TINY_CLIP, { cacheDir, dtype: 'fp32', fused: true });
    const created = (await readManifest(first))?.createdAt;
    const second = await convertModel(TINY_CLIP, { cacheDir, dtype: 'fp32', fused: true });
    expect(second).toBe(first);
    expect((await readManifest(second))?.createdAt).toBe(created);
    expect(await convertModel(TINY_CLIP, { cacheDir, dtype: 'fp16', fused: true })).not.toBe(first);
  });

  it('writes the transformers.js layout, with model.onnx sharing the towers data files', async () => {
    const dir = await convertModel(TINY_CLIP, { cacheDir, dtype: 'fp32', fused: true });
    for (const file of ['config.json', 'preprocessor_config.json', 'tokenizer.json', 'tokenizer_config.json']) {
      const [copy, original] = await Promise.all([
        readFile(path.join(dir, file)),
        readFile(path.join(TINY_CLIP, file)),
      ]);
      expect(copy.equals(original), file).toBe(true);
    }
    const model = await createSession(path.join(dir, 'onnx/model.onnx'), { device: { kind: 'cpu' } });
    try {
      expect([...model.inputNames].sort()).toEqual(['input_ids', 'pixel_values']);
      expect(model.outputNames).toEqual(['logits_per_image', 'logits_per_text', 'text_embeds', 'image_embeds']);
      const pixels = new ort.Tensor('float32', goldenPixels(GOLDEN_DIR), [4, 3, 224, 224]);
      const ids = BigInt64Array.from((golden.text['a photo of a cat.']?.input_ids ?? []).map(BigInt));
      const out = await model.run({ pixel_values: pixels, input_ids: new ort.Tensor('int64', ids, [1, ids.length]) });
      const logits = out.logits_per_image?.data as Float32Array;
      expect(out.logits_per_image?.dims).toEqual([4, 1]);
      GOLDEN_PIXEL_IMAGES.forEach((name, i) => {
        const cos = cosine(vec(golden.images[name]?.image_embeds), vec(golden.text['a photo of a cat.']?.text_embeds));
        expect(logits[i]).toBeCloseTo(golden.logit_scale * cos, 4);
      });
    } finally {
      await model.release();
    }
  });

  it('writes to an explicit outDir, and refuses to replace a folder that is not a conversion', async () => {
    const outDir = path.join(cacheDir, 'explicit');
    expect(await convertModel(TINY_CLIP, { cacheDir, outDir, fused: false })).toBe(outDir);
    expect((await readManifest(outDir))?.fused).toBe(false);
    expect(await convertModel(TINY_CLIP, { cacheDir, outDir, fused: true })).toBe(outDir);
    expect((await readManifest(outDir))?.fused).toBe(true);
    const foreign = path.join(cacheDir, 'foreign');
    await mkdir(foreign);
    await writeFile(path.join(foreign, 'precious.txt'), 'keep me');
    await expect(convertModel(TINY_CLIP, { cacheDir, outDir: foreign })).rejects.toThrow(/refusing to replace/);
    expect(await readFile(path.join(foreign, 'precious.txt'), 'utf8')).toBe('keep me');
  });
});

describe('convertModel on a checkpoint with vocab.json + merges.txt and no tokenizer.json', () => {
  let hfDir: string;
  beforeAll(async () => {
    hfDir = await writeRandomModel(path.join(cacheDir, 'random-tiny'), 'tiny', { seed: 1 });
  });

  it('writes the CLIP tokenizer.json, which our tokenizer runs with the ids of the vocabulary files', async () => {
    const dir = await convertModel(hfDir, { cacheDir });
    await expect(stat(path.join(hfDir, 'tokenizer.json'))).rejects.toThrow(/ENOENT/);
    // The file the CLI and the bench used to write: the vendored vocabulary, start token, end token for the rest.
    const { vocab, merges } = await loadVendoredClipVocabulary();
    const specials = { bos: CLIP_BOS_TOKEN, eos: CLIP_EOS_TOKEN, pad: CLIP_EOS_TOKEN, unk: CLIP_EOS_TOKEN };
    const written = JSON.parse(await readFile(path.join(dir, 'tokenizer.json'), 'utf8'));
    expect(written).toEqual(clipTokenizerJson(Object.fromEntries(vocab), merges, specials));
    const [fromVocab, fromJson] = await Promise.all([ClipTokenizer.fromDir(hfDir), ClipTokenizer.fromDir(dir)]);
    for (const text of ['a photo of a cat.', "don't won't it's", 'naïve café 3.14', '<|endoftext|> literal']) {
      expect(fromJson.encode(text), text).toEqual(fromVocab.encode(text));
    }
  });

  it('copies a tokenizer.json the checkpoint ships unchanged, even beside vocab.json + merges.txt', async () => {
    const withJson = path.join(cacheDir, 'random-tiny-with-tokenizer-json');
    await mkdir(withJson);
    for (const file of await readdir(hfDir)) await symlink(path.join(hfDir, file), path.join(withJson, file));
    await symlink(path.join(TINY_CLIP, 'tokenizer.json'), path.join(withJson, 'tokenizer.json'));
    const dir = await convertModel(withJson, { cacheDir });
    const [copy, original] = await Promise.all([
      readFile(path.join(dir, 'tokenizer.json')),
      readFile(path.join(TINY_CLIP, 'tokenizer.json')),
    ]);
    expect(copy.equals(original)).toBe(true);
  });
});

describe('convertModel failures', () => {
  /** A copy of the fixture with one file replaced. */
  async function variant(name: string, file: string, content: Buffer | string): Promise<string> {
    const dir = path.join(cacheDir, name);
    await mkdir(dir);
    for (const f of [...COPIED_FILES, 'model.safetensors']) {
      await copyFile(path.join(TINY_CLIP, f), path.join(dir, f)).catch(() => undefined);
    }
    await writeFile(path.join(dir, file), content);
    return dir;
  }

  it('names the bad config key', async () => {
    const config = JSON.parse(await readFile(path.join(TINY_CLIP, 'config.json'), 'utf8'));
    config.vision_config.hidden_act = 'swish';
    const dir = await variant('bad-config', 'config.json', JSON.stringify(config));
    const attempt = convertModel(dir, { cacheDir });
    await expect(attempt).rejects.toBeInstanceOf(ModelLoadError);
    await expect(attempt).rejects.toThrow(/vision_config\.hidden_act/);
  });

  it('rejects corrupt weights', async () => {
    const weights = await readFile(path.join(TINY_CLIP, 'model.safetensors'));
    const dir = await variant('truncated', 'model.safetensors', weights.subarray(0, weights.length / 2));
    await expect(convertModel(dir, { cacheDir: path.join(cacheDir, 'c2') })).rejects.toThrow(
      /corrupt safetensors.*truncated/,
    );
  });

  it('rejects a checkpoint whose shapes contradict its config, leaving nothing half-written in the cache', async () => {
    const config = JSON.parse(await readFile(path.join(TINY_CLIP, 'config.json'), 'utf8'));
    config.projection_dim = 32;
    const dir = await variant('wrong-shape', 'config.json', JSON.stringify(config));
    const ownCache = path.join(cacheDir, 'c3');
    await expect(convertModel(dir, { cacheDir: ownCache })).rejects.toThrow(
      /visual_projection.weight" has shape \[24,48\], the config implies \[32,48\]/,
    );
    // The export failed after its temporary folder was made: it must be gone, and no cache entry published.
    expect(await readdir(path.join(ownCache, 'onnx'))).toEqual([]);
  });

  it('explains a folder without weights, and a pytorch_model.bin that is not a checkpoint', async () => {
    const dir = path.join(cacheDir, 'no-weights');
    await mkdir(dir);
    await copyFile(path.join(TINY_CLIP, 'config.json'), path.join(dir, 'config.json'));
    await expect(convertModel(dir, { cacheDir })).rejects.toThrow(
      /has no weights \(model.safetensors, model.safetensors.index.json, pytorch_model.bin, pytorch_model.bin.index.json\)/,
    );
    await writeFile(path.join(dir, 'pytorch_model.bin'), '');
    await expect(convertModel(dir, { cacheDir })).rejects.toThrow(/is not a PyTorch checkpoint/);
  });
});
