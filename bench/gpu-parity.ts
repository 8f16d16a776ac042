/**
 * The fixture numerics on any device: the tiny MetaCLIP-architecture model's image embeddings (from transformers'
 * own pixel_values), text embeddings and zero-shot pipeline scores (file -> preprocessing -> model) compared with
 * `../shared/fixtures/golden/tiny_clip.json`. The tests check the same on the CPU; this script is for `--device cuda`
 * and `--device webgpu` on a GPU machine (bench/gpu.sh), where no test runs.
 *
 *   npx tsx bench/gpu-parity.ts --device cuda --dtype fp32     (last stdout line: one JSON object)
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { buildLabelSet, classify, cosine, loadModel } from '@metaclip-batch/metaclip';
import { GOLDEN_PIXEL_IMAGES, goldenPixels, readGolden } from '../libs/metaclip/src/model/golden.fixture';
import { REPO_ROOT } from './lib/workload';

const FIXTURES = path.resolve(REPO_ROOT, '../shared/fixtures');
const GOLDEN_DIR = path.join(FIXTURES, 'golden');

const { values } = parseArgs({
  options: { device: { type: 'string', default: 'cpu' }, dtype: { type: 'string', default: 'fp32' } },
});
const dtype = values.dtype === 'fp16' ? 'fp16' : 'fp32';
const golden = readGolden(GOLDEN_DIR);
const model = await loadModel(path.join(FIXTURES, 'tiny-clip'), { device: values.device, dtype });
const dim = model.embedDim;

const pixelEmbeds = await model.embedPixels(goldenPixels(GOLDEN_DIR), GOLDEN_PIXEL_IMAGES.length);
const imageCos = GOLDEN_PIXEL_IMAGES.map((name, i) =>
  cosine(pixelEmbeds.subarray(i * dim, (i + 1) * dim), Float32Array.from(golden.images[name]?.image_embeds ?? [])),
);

const texts = Object.keys(golden.text);
const textEmbeds = await model.embedTexts(texts);
const textCos = texts.map((t, i) =>
  cosine(textEmbeds[i] as Float32Array, Float32Array.from(golden.text[t]?.text_embeds ?? [])),
);

const labelSet = await buildLabelSet(model, golden.labels);
const names = Object.keys(golden.pipeline);
const embeds = await model.embedImages(names.map((n) => path.join(FIXTURES, 'images', n)));
let worstScore = 0;
let topMismatches = 0;
names.forEach((name, i) => {
  const emb = embeds[i];
  if (!(emb instanceof Float32Array)) throw new Error(`${name}: ${String(emb)}`);
  const [ours] = classify(emb, 1, labelSet, { topK: golden.labels.length });
  const theirs = golden.pipeline[name] ?? [];
  if (ours?.[0]?.label !== theirs[0]?.label) topMismatches++;
  for (const { label, score } of theirs) {
    const mine = ours?.find((s) => s.label === label)?.score ?? Number.NaN;
    worstScore = Math.max(worstScore, Math.abs(mine - score));
  }
});
await model.dispose();

console.log(
  JSON.stringify({
    device: values.device,
    dtype,
    image_cosine_min: Math.min(...imageCos),
    text_cosine_min: Math.min(...textCos),
    zero_shot_max_abs_diff: worstScore,
    zero_shot_top_label_mismatches: topMismatches,
    images: names.length,
  }),
);
