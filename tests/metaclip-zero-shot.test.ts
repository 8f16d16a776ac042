/**
 * Zero-shot classification end to end on the tiny fixture model (file -> ImageProcessor -> vision tower -> scores),
 * against what Hugging Face's zero-shot-image-classification pipeline produced for the same files.
 */
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  buildLabelSet,
  classify,
  cosine,
  DEFAULT_TEMPLATE,
  l2Normalize,
  loadModel,
  type MetaClipModel,
} from '@metaclip-batch/metaclip';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

const { images, tinyClip, golden: goldenDir } = inject('sharedFixtures');
type Scored = { label: string; score: number }[];
const golden = JSON.parse(readFileSync(path.join(goldenDir, 'tiny_clip.json'), 'utf8')) as {
  labels: string[];
  pipeline: Record<string, Scored>;
  pipeline_single_label: Record<string, Scored>;
  text: Record<string, { text_embeds: number[] }>;
  images: Record<string, { image_embeds: number[] }>;
};

let cacheDir: string;
let model: MetaClipModel;

beforeAll(async () => {
  cacheDir = await mkdtemp(path.join(tmpdir(), 'metaclip-zero-shot-'));
  model = await loadModel(tinyClip, { cacheDir, intraOpThreads: 1 });
});
afterAll(async () => {
  await model?.dispose();
  await rm(cacheDir, { recursive: true, force: true });
});

/** Preprocesses files into one batch buffer and runs the vision tower once. */
async function embedFiles(files: string[]): Promise<Float32Array> {
  const per = model.pixelsPerImage;
  const pixels = new Float32Array(files.length * per);
  for (const [i, file] of files.entries()) await model.processor.preprocess(path.join(images, file), pixels, i * per);
  return model.embedPixels(pixels, files.length);
}

describe('zero-shot classification', () => {
  it("matches the pipeline's scores within 0.01 and its top label for every golden image", async () => {
    const files = Object.keys(golden.pipeline);
    expect(files.length).toBeGreaterThanOrEqual(20);
    const labelSet = await buildLabelSet(model, golden.labels);
    const results = classify(await embedFiles(files), files.length, labelSet);
    files.forEach((file, i) => {
      const expected = golden.pipeline[file] as Scored;
      const actual = results[i] as Scored;
      // Soft: one run lists every image that disagrees, not just the first.
      expect.soft(actual[0]?.label, `${file} top label`).toBe(expected[0]?.label);
      const byLabel = new Map(actual.map((r) => [r.label, r.score]));
      for (const { label, score } of expected) {
        const diff = Math.abs((byLabel.get(label) ?? Number.NaN) - score);
        expect.soft(diff, `${file} ${label}`).toBeLessThanOrEqual(0.01);
      }
    });
  });

  it("reproduces the pipeline's scores to 1e-4 from transformers' own image embeddings (scoring alone)", async () => {
    const files = Object.keys(golden.pipeline);
    const embeds = Float32Array.from(files.flatMap((f) => golden.images[f]?.image_embeds ?? []));
    const results = classify(embeds, files.length, await buildLabelSet(model, golden.labels));
    files.forEach((file, i) => {
      const actual = new Map((results[i] as Scored).map((r) => [r.label, r.score]));
      for (const { label, score } of golden.pipeline[file] as Scored) {
        expect(Math.abs((actual.get(label) ?? Number.NaN) - score), `${file} ${label}`).toBeLessThan(1e-4);
      }
      expect(results[i]?.map((r) => r.label)).toEqual(golden.pipeline[file]?.map((r) => r.label));
    });
  });

  it('embeds labels through the default template, as the pipeline does', async () => {
    const labelSet = await buildLabelSet(model, ['doctor']);
    const expected = l2Normalize(Float32Array.from(golden.text['This is a photo of doctor.']?.text_embeds ?? []));
    expect(labelSet.templates).toEqual([DEFAULT_TEMPLATE]);
    expect(cosine(labelSet.embeddings, expected)).toBeGreaterThan(0.9999);
  });

  it('reuses the label set of the same labels and templates', async () => {
    const templates = ['a photo of a {}.', 'a drawing of a {}.'];
    const first = await buildLabelSet(model, golden.labels, templates);
    expect(await buildLabelSet(model, golden.labels, templates)).toBe(first);
    expect(await buildLabelSet(model, golden.labels)).not.toBe(first);
  });

  it('scores a single label 1.0 whatever the image, while its cosine to the image is far from 1', async () => {
    const files = Object.keys(golden.pipeline_single_label);
    const label = golden.pipeline_single_label[files[0] as string]?.[0]?.label as string;
    const labelSet = await buildLabelSet(model, [label]);
    const embeds = await embedFiles(files);
    const results = classify(embeds, files.length, labelSet);
    files.forEach((file, i) => {
      expect(results[i]).toEqual(golden.pipeline_single_label[file]);
      const image = embeds.subarray(i * model.embedDim, (i + 1) * model.embedDim);
      expect(Math.abs(cosine(image, labelSet.embeddings))).toBeLessThan(0.9);
    });
  });
});
