/**
 * Our converted folder is a valid transformers.js model: `@huggingface/transformers` loads `onnx/model.onnx` with its
 * own tokenizer and processor, and its logits match transformers (Python) on the golden pixel values.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { AutoTokenizer, CLIPModel, env, pipeline, Tensor } from '@huggingface/transformers';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { GOLDEN_PIXEL_IMAGES, goldenPixels, readGolden } from '../model/golden.fixture.ts';
import { cosine } from '../similarity.ts';
import { ClipTokenizer } from '../tokenizer/clip-tokenizer.ts';
import { convertModel } from './convert.ts';
import { writeRandomModel } from './random-model.ts';

const { tinyClip: TINY_CLIP, images: IMAGES, golden: GOLDEN_DIR } = inject('sharedFixtures');
const golden = readGolden(GOLDEN_DIR);
const vec = (values: number[] | undefined) => Float32Array.from(values ?? []);
let cacheDir: string;
let dir: string;

beforeAll(async () => {
  env.allowRemoteModels = false;
  cacheDir = await mkdtemp(path.join(tmpdir(), 'metaclip-tjs-'));
  dir = await convertModel(TINY_CLIP, { cacheDir });
});
afterAll(async () => {
  await rm(cacheDir, { recursive: true, force: true });
});

describe('transformers.js on our ONNX folder', () => {
  it('CLIPModel gives the logits of transformers on the golden pixel values', async () => {
    const [tokenizer, model] = await Promise.all([
      AutoTokenizer.from_pretrained(dir, { local_files_only: true }),
      CLIPModel.from_pretrained(dir, { local_files_only: true, dtype: 'fp32' }),
    ]);
    const texts = Object.keys(golden.text);
    const inputs = tokenizer(texts, { padding: true, truncation: true });
    const pixel_values = new Tensor('float32', goldenPixels(GOLDEN_DIR), [GOLDEN_PIXEL_IMAGES.length, 3, 224, 224]);
    const output = await model({ ...inputs, pixel_values });
    expect(output.logits_per_image.dims).toEqual([GOLDEN_PIXEL_IMAGES.length, texts.length]);
    const logits = output.logits_per_image.data as Float32Array;
    GOLDEN_PIXEL_IMAGES.forEach((name, i) => {
      texts.forEach((text, j) => {
        const image = vec(golden.images[name]?.image_embeds);
        const expected = golden.logit_scale * cosine(image, vec(golden.text[text]?.text_embeds));
        expect(logits[i * texts.length + j]).toBeCloseTo(expected, 4);
      });
    });
    const textEmbeds = output.text_embeds.data as Float32Array;
    texts.forEach((text, j) => {
      const row = textEmbeds.subarray(j * 24, (j + 1) * 24);
      expect(cosine(row, vec(golden.text[text]?.text_embeds))).toBeGreaterThan(0.9999);
    });
    await model.dispose();
  });

  it("pipeline('zero-shot-image-classification') loads the folder and ranks like transformers", async () => {
    const classifier = await pipeline('zero-shot-image-classification', dir, { local_files_only: true, dtype: 'fp32' });
    const result = (await classifier(path.join(IMAGES, 'astronaut.jpg'), golden.labels, {
      hypothesis_template: 'This is a photo of {}.',
    })) as { label: string; score: number }[];
    expect(result.reduce((sum, r) => sum + r.score, 0)).toBeCloseTo(1, 5);
    // Scores differ a little from Python's: transformers.js resizes with sharp, not PIL. The ranking holds.
    expect(result.map((r) => r.label)).toEqual(golden.pipeline['astronaut.jpg']?.map((r) => r.label));
    await classifier.dispose();
  });
});

describe('transformers.js on our conversion of a checkpoint with vocab.json + merges.txt only', () => {
  it('tokenizes the generated tokenizer.json to the ids of our ClipTokenizer on the source files', async () => {
    const hfDir = await writeRandomModel(path.join(cacheDir, 'random-tiny'), 'tiny', { seed: 1 });
    const converted = await convertModel(hfDir, { cacheDir });
    const [theirs, ours] = await Promise.all([
      AutoTokenizer.from_pretrained(converted, { local_files_only: true }),
      ClipTokenizer.fromDir(hfDir),
    ]);
    // The golden strings exercise the normalizer and the split (whitespace, case, contractions, digits, unicode);
    // only those that fit the context, since encode() in transformers.js does not truncate.
    const goldenFile = path.join(GOLDEN_DIR, 'tokenizer.json');
    const goldenIds = JSON.parse(await readFile(goldenFile, 'utf8')) as { ids: Record<string, number[]> };
    const texts = Object.keys(goldenIds.ids).filter((t) => ours.encode(t).length < ours.contextLength);
    expect(texts.length).toBeGreaterThan(10);
    for (const text of texts) expect(theirs.encode(text), JSON.stringify(text)).toEqual(ours.encode(text));
  });
});
