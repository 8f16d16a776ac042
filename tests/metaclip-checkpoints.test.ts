/**
 * Every checkpoint format and architecture against what Hugging Face transformers computes for it: MetaCLIP 2
 * (`tiny-metaclip2`, XLM-R-style SentencePiece tokenizer, gelu, patch 14, square resize), the same weights in three
 * safetensors shards, and MetaCLIP 1's `tiny-clip` saved only as a PyTorch zip checkpoint (`pytorch_model.bin`).
 * Each folder goes through `loadModel` as a user's would: our converter, our tokenizer, our preprocessing.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  buildLabelSet,
  classify,
  cosine,
  DEFAULT_TEMPLATE,
  loadModel,
  type MetaClipModel,
} from '@metaclip-batch/metaclip';
import { convertModel } from '@metaclip-batch/metaclip/convert';
import { resolveModelDir } from '@metaclip-batch/metaclip/resolve';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { filesFrom, startFakeHub } from './helpers/hub-server';

const { fixtures, tinyClip, images, golden: goldenDir } = inject('sharedFixtures');
type Scored = { label: string; score: number }[];

interface Metaclip2Golden {
  tokens: Record<string, { input_ids: number[]; padded: number[] }>;
  image_embeds: Record<string, number[]>;
  text_embeds: Record<string, { prompts: string[]; embeds: number[][] }>;
  pipeline: Record<string, Record<string, Scored>>;
  logit_scale: number;
}
interface ClipGolden {
  labels: string[];
  logit_scale: number;
  images: Record<string, { image_embeds: number[] }>;
  text: Record<string, { input_ids: number[]; text_embeds: number[] }>;
  pipeline: Record<string, Scored>;
}
const readJson = <T>(name: string): T => JSON.parse(readFileSync(path.join(goldenDir, name), 'utf8')) as T;

/** Label sets of golden/tiny_metaclip2.json: labels are the prompts with the template's parts taken away. */
const LABEL_SETS = {
  en_default: {
    template: DEFAULT_TEMPLATE,
    labels: ['doctor', 'scientist', 'businessman', 'teacher', 'artist'],
  },
  zh_template: { template: '这是一张{}的照片。', labels: ['猫', '狗', '汽车', '宇航员', '硬币'] },
} as const;

/** Expected zero-shot scores by file, for `labels` under `template`. */
interface ZeroShotCase {
  labels: readonly string[];
  template: string;
  expected: Record<string, Scored>;
}

let cacheDir: string;
beforeAll(async () => {
  cacheDir = await mkdtemp(path.join(tmpdir(), 'metaclip-checkpoints-'));
});
afterAll(async () => {
  await rm(cacheDir, { recursive: true, force: true });
});

async function embedFiles(model: MetaClipModel, files: string[]): Promise<Float32Array> {
  const per = model.pixelsPerImage;
  const pixels = new Float32Array(files.length * per);
  for (const [i, file] of files.entries()) await model.processor.preprocess(path.join(images, file), pixels, i * per);
  return model.embedPixels(pixels, files.length);
}

/** Scores within 0.01 of the pipeline's for every label, and the same top label, for every image. */
async function expectZeroShot(model: MetaClipModel, c: ZeroShotCase): Promise<void> {
  const files = Object.keys(c.expected);
  const labelSet = await buildLabelSet(model, [...c.labels], [c.template]);
  const results = classify(await embedFiles(model, files), files.length, labelSet);
  const problems: string[] = [];
  files.forEach((file, i) => {
    const expected = c.expected[file] as Scored;
    const actual = results[i] as Scored;
    if (actual[0]?.label !== expected[0]?.label)
      problems.push(`${file}: top ${actual[0]?.label} != ${expected[0]?.label}`);
    for (const e of expected) {
      const a = actual.find((s) => s.label === e.label)?.score ?? Number.NaN;
      if (!(Math.abs(a - e.score) <= 0.01)) problems.push(`${file}: ${e.label} ${a} vs ${e.score}`);
    }
  });
  expect(problems).toEqual([]);
}

function expectImageEmbeds(actual: Float32Array, files: string[], expected: (file: string) => number[], dim: number) {
  const worst = files
    .map((file, i) => ({
      file,
      cos: cosine(actual.subarray(i * dim, (i + 1) * dim), Float32Array.from(expected(file))),
    }))
    .sort((a, b) => a.cos - b.cos)[0];
  expect(worst?.cos, worst?.file).toBeGreaterThanOrEqual(0.999);
}

describe.each(['tiny-metaclip2', 'tiny-metaclip2-sharded'])('MetaCLIP 2: %s', (fixture) => {
  const golden = readJson<Metaclip2Golden>('tiny_metaclip2.json');
  let model: MetaClipModel;
  beforeAll(async () => {
    model = await loadModel(path.join(fixtures, fixture), { cacheDir, intraOpThreads: 1 });
  }, 120_000);
  afterAll(async () => {
    await model?.dispose();
  });

  it('tokenizes every golden string to the same ids, unpadded and padded to 77 (truncation keeps </s>)', () => {
    for (const [text, ids] of Object.entries(golden.tokens)) {
      expect(model.tokenizer.encode(text), text).toEqual(
        ids.input_ids.slice(0, 77).length === 77 ? ids.padded : ids.input_ids,
      );
      const { inputIds } = model.tokenizer.encodeBatch([text]);
      expect(Array.from(inputIds, Number), text).toEqual(ids.padded);
    }
  });

  it('embeds every fixture image as get_image_features does (cosine >= 0.999)', async () => {
    const files = Object.keys(golden.image_embeds);
    expect(files.length).toBeGreaterThanOrEqual(20);
    expectImageEmbeds(await embedFiles(model, files), files, (f) => golden.image_embeds[f] ?? [], model.embedDim);
  });

  it('embeds English and Chinese prompts as get_text_features does (cosine >= 0.9999)', async () => {
    for (const set of Object.values(golden.text_embeds)) {
      const embeds = await model.embedTexts(set.prompts);
      set.prompts.forEach((prompt, i) => {
        expect(
          cosine(embeds[i] as Float32Array, Float32Array.from(set.embeds[i] ?? [])),
          prompt,
        ).toBeGreaterThanOrEqual(0.9999);
      });
    }
    expect(model.logitScale).toBeCloseTo(golden.logit_scale, 3);
  });

  it.each(Object.keys(LABEL_SETS) as (keyof typeof LABEL_SETS)[])(
    'zero-shot with the %s labels: within 0.01 of the pipeline and the same top label',
    async (set) => {
      await expectZeroShot(model, { ...LABEL_SETS[set], expected: golden.pipeline[set] ?? {} });
    },
  );
});

describe('MetaCLIP 1 from pytorch_model.bin only: tiny-clip-bin', () => {
  const golden = readJson<ClipGolden>('tiny_clip.json');
  let model: MetaClipModel;
  beforeAll(async () => {
    model = await loadModel(path.join(fixtures, 'tiny-clip-bin'), { cacheDir, intraOpThreads: 1 });
  }, 120_000);
  afterAll(async () => {
    await model?.dispose();
  });

  it("gives golden/tiny_clip.json's image and text embeddings", async () => {
    const files = Object.keys(golden.images);
    expectImageEmbeds(
      await embedFiles(model, files),
      files,
      (f) => golden.images[f]?.image_embeds ?? [],
      model.embedDim,
    );
    for (const [text, expected] of Object.entries(golden.text)) {
      expect(model.tokenizer.encode(text), text).toEqual(expected.input_ids);
      const [embed] = await model.embedTexts([text]);
      expect(cosine(embed as Float32Array, Float32Array.from(expected.text_embeds)), text).toBeGreaterThanOrEqual(
        0.9999,
      );
    }
    expect(model.logitScale).toBeCloseTo(golden.logit_scale, 3);
  });

  it("gives the pipeline's zero-shot scores within 0.01 and its top label", async () => {
    await expectZeroShot(model, { labels: golden.labels, template: DEFAULT_TEMPLATE, expected: golden.pipeline });
  });
});

describe('hub ids with PyTorch-only and sharded checkpoints', () => {
  const COMMIT = 'c'.repeat(40);
  const repo = (fixture: string, extra: Record<string, Buffer> = {}) => ({
    refs: { main: COMMIT },
    files: { ...filesFrom(path.join(fixtures, fixture), readdirSync(path.join(fixtures, fixture))), ...extra },
    lfs: [],
  });

  it('fetches pytorch_model.bin when there are no safetensors, every shard of a sharded one, and nothing else', async () => {
    const unused = {
      'README.md': Buffer.from('# x\n'),
      'tf_model.h5': Buffer.alloc(64),
      'onnx/model.onnx': Buffer.alloc(64),
    };
    const hub = await startFakeHub({
      'org/bin': repo('tiny-clip-bin', unused),
      'org/sharded': repo('tiny-metaclip2-sharded', { ...unused, 'pytorch_model.bin': Buffer.alloc(64) }),
    });
    const env = { HF_ENDPOINT: hub.endpoint, HF_HUB_CACHE: path.join(cacheDir, 'hub') };
    try {
      const fetched = () =>
        hub.requests
          .filter((r) => r.server === 'hub' && r.method === 'HEAD')
          .map((r) => r.url.split('/').pop())
          .sort();
      const binDir = await resolveModelDir('org/bin', { env });
      expect(fetched()).toEqual(readdirSync(path.join(fixtures, 'tiny-clip-bin')).sort());
      hub.requests.length = 0;
      const shardedDir = await resolveModelDir('org/sharded', { env });
      expect(fetched()).toEqual(readdirSync(path.join(fixtures, 'tiny-metaclip2-sharded')).sort());
      // What was fetched is a model: the sharded one embeds as the single-file golden says.
      const golden = readJson<Metaclip2Golden>('tiny_metaclip2.json');
      const model = await loadModel(shardedDir, { cacheDir, intraOpThreads: 1 });
      try {
        const prompts = golden.text_embeds.en_default as { prompts: string[]; embeds: number[][] };
        const [embed] = await model.embedTexts(prompts.prompts.slice(0, 1));
        expect(cosine(embed as Float32Array, Float32Array.from(prompts.embeds[0] ?? []))).toBeGreaterThanOrEqual(
          0.9999,
        );
      } finally {
        await model.dispose();
      }
      expect(binDir).toContain(COMMIT);
    } finally {
      await hub.close();
    }
  });
});

describe('transformers.js ONNX variants chosen by dtype', () => {
  it('loads onnx/*_q4.onnx for dtype q4, says which files are missing otherwise, and refuses q4 for a checkpoint', async () => {
    const converted = await convertModel(tinyClip, { cacheDir, fused: false });
    // A transformers.js-style folder holding only the q4 variant (our graphs renamed; their data files keep the
    // names the graphs refer to) and no metaclip.json, so file names alone decide.
    const dir = path.join(cacheDir, 'variants');
    await mkdir(path.join(dir, 'onnx'), { recursive: true });
    for (const name of ['config.json', 'preprocessor_config.json', 'tokenizer.json', 'tokenizer_config.json']) {
      await copyFile(path.join(converted, name), path.join(dir, name));
    }
    for (const file of await readdir(path.join(converted, 'onnx'))) {
      const target = file.endsWith('.onnx') ? file.replace(/\.onnx$/, '_q4.onnx') : file;
      await copyFile(path.join(converted, 'onnx', file), path.join(dir, 'onnx', target));
    }
    const reference = await loadModel(converted, { cacheDir, intraOpThreads: 1 });
    const q4 = await loadModel(dir, { cacheDir, intraOpThreads: 1, dtype: 'q4' });
    try {
      const [a] = await reference.embedTexts(['a photo of a cat.']);
      const [b] = await q4.embedTexts(['a photo of a cat.']);
      expect(cosine(a as Float32Array, b as Float32Array)).toBeGreaterThan(0.99999);
    } finally {
      await Promise.all([reference.dispose(), q4.dispose()]);
    }
    await expect(loadModel(dir, { cacheDir })).rejects.toThrow(/onnx\/vision_model\.onnx/);
    await expect(loadModel(tinyClip, { cacheDir, dtype: 'q4' })).rejects.toThrow(
      /dtype q4 selects transformers.js ONNX files/,
    );
  });
});
