/**
 * `convert --random` folders are real Hugging Face checkpoints: Python transformers loads them (MetaCLIP 1 as
 * CLIPModel, MetaCLIP 2 as MetaClip2Model, with their tokenizers and image processors) with no missing or unexpected
 * weights, and computes the embeddings our converter computes. Needs a Python with torch + transformers
 * (`METACLIP_TEST_PYTHON`, default `python3`); skipped, saying so, where there is none.
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { cosine, loadModel } from '@metaclip-batch/metaclip';
import { CLIP_PRESETS, type ClipConfig } from '@metaclip-batch/metaclip/config';
import { writeRandomModel } from '@metaclip-batch/metaclip/convert';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

const PYTHON = process.env.METACLIP_TEST_PYTHON ?? 'python3';
const IMAGE = path.join(inject('sharedFixtures').images, 'astronaut.jpg');
const TEXT = 'a photo of a cat';

function transformersVersion(): string | undefined {
  try {
    return execFileSync(PYTHON, ['-c', 'import torch, transformers; print(transformers.__version__)'], {
      encoding: 'utf8',
      timeout: 120_000,
    }).trim();
  } catch {
    return undefined;
  }
}
const version = transformersVersion();
if (!version) console.warn(`skipping: ${PYTHON} has no torch + transformers (set METACLIP_TEST_PYTHON)`);

/** Loads `dir` with transformers' Auto classes; prints loading info and both embeddings as JSON. */
const SCRIPT = `
import json, sys, torch
from PIL import Image
from transformers import AutoImageProcessor, AutoModel, AutoTokenizer
d, image, text = sys.argv[1:4]
model, info = AutoModel.from_pretrained(d, output_loading_info=True)
tok = AutoTokenizer.from_pretrained(d)
proc = AutoImageProcessor.from_pretrained(d)
with torch.no_grad():
    ids = tok([text], return_tensors="pt").input_ids
    t = model.get_text_features(input_ids=ids)
    i = model.get_image_features(pixel_values=proc(Image.open(image).convert("RGB"), return_tensors="pt").pixel_values)
t = getattr(t, "pooler_output", t)
i = getattr(i, "pooler_output", i)
print(json.dumps({"cls": type(model).__name__, "missing": sorted(info["missing_keys"]), "unexpected": sorted(info["unexpected_keys"]),
                  "ids": ids[0].tolist(), "text": t[0].tolist(), "image": i[0].tolist()}))
`;

/** A tiny MetaCLIP 2 shape: gelu, patch 14, XLM-R specials, square 224 input. */
const TINY_MC2: ClipConfig = {
  ...CLIP_PRESETS.tiny,
  modelType: 'metaclip_2',
  vision: { ...CLIP_PRESETS.tiny.vision, hiddenAct: 'gelu', patchSize: 14 },
  text: { ...CLIP_PRESETS.tiny.text, hiddenAct: 'gelu', vocabSize: 256, eosTokenId: 2 },
};

describe.skipIf(!version)(`convert --random folders in transformers ${version ?? ''}`, () => {
  let work: string;
  beforeAll(async () => {
    work = await mkdtemp(path.join(tmpdir(), 'metaclip-random-hf-'));
  });
  afterAll(async () => {
    await rm(work, { recursive: true, force: true });
  });

  it.each([
    ['MetaCLIP 1 (tiny)', 'CLIPModel', CLIP_PRESETS.tiny],
    ['MetaCLIP 2 (tiny, gelu, patch 14)', 'MetaClip2Model', TINY_MC2],
  ] as const)(
    '%s loads as %s and embeds as our converter does',
    async (name, cls, config) => {
      const dir = await writeRandomModel(path.join(work, cls), config, { seed: 3 });
      const out = JSON.parse(
        execFileSync(PYTHON, ['-c', SCRIPT, dir, IMAGE, TEXT], { encoding: 'utf8', timeout: 300_000 }),
      ) as { cls: string; missing: string[]; unexpected: string[]; ids: number[]; text: number[]; image: number[] };
      expect(out).toMatchObject({ cls, missing: [], unexpected: [] });
      const model = await loadModel(dir, { cacheDir: path.join(work, 'cache'), intraOpThreads: 1 });
      try {
        expect(model.tokenizer.encode(TEXT), name).toEqual(out.ids);
        const [text] = await model.embedTexts([TEXT]);
        expect(cosine(text as Float32Array, Float32Array.from(out.text))).toBeGreaterThanOrEqual(0.9999);
        const [image] = await model.embedImages([IMAGE]);
        expect(cosine(image as Float32Array, Float32Array.from(out.image))).toBeGreaterThanOrEqual(0.999);
      } finally {
        await model.dispose();
      }
    },
    600_000,
  );
});
