/**
 * Our ONNX graphs of MetaCLIP ViT-B/16 (random weights, real architecture; `--preset tiny` for a smoke run), standard opset 17 vs fused
 * com.microsoft ops, fp32 and fp16:
 * - conversion time of the Hugging Face checkpoint, cold and as a cache hit;
 * - images/s of the vision tower (`embedPixels`) per batch size on a device, plus CPU-seconds per image (all
 *   onnxruntime threads; a machine shared with other work distorts it much less than wall time);
 * - with `--parity`, how close each variant's image and text embeddings on the device are to the CPU fp32
 *   standard graph (min cosine over 8 images and 4 texts).
 *
 * Usage: npx tsx bench/model-graphs.ts [--device cpu|cuda|cuda:N|webgpu] [--dtypes fp32,fp16]
 *        [--variants standard,fused] [--batches 1,8,32] [--repeats 3] [--min-ms 0] [--threads N] [--parity]
 *        [--preset b16|tiny] [--work <dir>]   (the random checkpoint is written there once and reused; default
 *        $TMPDIR/metaclip-<preset>)
 */
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { cosine, loadModel, type MetaClipModel } from '@metaclip-batch/metaclip';
import { convertModel, writeRandomModel } from '@metaclip-batch/metaclip/convert';

const { values } = parseArgs({
  options: {
    device: { type: 'string', default: 'cpu' },
    dtypes: { type: 'string', default: 'fp32' },
    variants: { type: 'string', default: 'standard,fused' },
    batches: { type: 'string', default: '1,8,32' },
    repeats: { type: 'string', default: '3' },
    // On a GPU one run takes milliseconds: a repeat loops until this much time has passed.
    'min-ms': { type: 'string', default: '0' },
    threads: { type: 'string' },
    parity: { type: 'boolean', default: false },
    preset: { type: 'string', default: 'b16' },
    work: { type: 'string' },
  },
});
const list = (s: string) => s.split(',').filter(Boolean);
const batches = list(values.batches).map(Number);
const repeats = Number(values.repeats);
const minMs = Number(values['min-ms']);
const threads = values.threads === undefined ? undefined : Number(values.threads);
const preset = values.preset as 'tiny' | 'b16';
const work = values.work ?? path.join(tmpdir(), `metaclip-${preset}`);
const hfDir = path.join(work, 'hf');
const cacheDir = path.join(work, 'cache');
const TEXTS = ['a photo of a cat.', 'a bad photo of a dog.', 'an astronaut', 'This is a photo of coins.'];

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
async function time<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const start = performance.now();
  const result = await fn();
  return [result, performance.now() - start];
}

/** Deterministic pixel values with roughly the statistics of normalised images. */
function pixelsFor(model: MetaClipModel, n: number): Float32Array {
  return new Float32Array(n * model.pixelsPerImage).map((_, i) => Math.sin(i * 0.001) * 1.5 + Math.cos(i * 0.37) * 0.5);
}

function minCosine(a: Float32Array, b: Float32Array, dim: number): number {
  let min = 1;
  for (let r = 0; r < a.length / dim; r++) {
    min = Math.min(min, cosine(a.subarray(r * dim, (r + 1) * dim), b.subarray(r * dim, (r + 1) * dim)));
  }
  return min;
}

const flatTexts = async (model: MetaClipModel) =>
  Float32Array.from((await model.embedTexts(TEXTS)).flatMap((t) => [...t]));

if (!existsSync(path.join(hfDir, 'model.safetensors'))) {
  const [, ms] = await time(() => writeRandomModel(hfDir, preset, { seed: 16 }));
  console.log(`random ${preset} checkpoint written in ${seconds(ms)}`);
}

let reference: { images: Float32Array; texts: Float32Array } | undefined;
if (values.parity) {
  const dir = await convertModel(hfDir, { dtype: 'fp32', fused: false, cacheDir });
  const model = await loadModel(dir, { device: 'cpu' });
  reference = { images: await model.embedPixels(pixelsFor(model, 8), 8), texts: await flatTexts(model) };
  await model.dispose();
}

const report: Record<string, unknown> = { device: values.device, threads: threads ?? 'default', variants: {} };
for (const dtype of list(values.dtypes) as ('fp32' | 'fp16')[]) {
  for (const variant of list(values.variants)) {
    const fused = variant === 'fused';
    const label = `${variant} ${dtype}`;
    const variantCache = path.join(cacheDir, 'bench');
    await rm(variantCache, { recursive: true, force: true });
    const [dir, cold] = await time(() => convertModel(hfDir, { dtype, fused, cacheDir: variantCache }));
    const [, cached] = await time(() => convertModel(hfDir, { dtype, fused, cacheDir: variantCache }));
    console.log(`${label}: convert cold ${seconds(cold)}, cached ${cached.toFixed(0)} ms`);
    const entry: Record<string, unknown> = { convertColdMs: Math.round(cold), convertCachedMs: Math.round(cached) };

    const model = await loadModel(dir, { device: values.device, intraOpThreads: threads, interOpThreads: 1 });
    if (reference) {
      const images = minCosine(await model.embedPixels(pixelsFor(model, 8), 8), reference.images, model.embedDim);
      const texts = minCosine(await flatTexts(model), reference.texts, model.embedDim);
      entry.parity = { imageMinCosine: images, textMinCosine: texts };
      console.log(`${label}: vs CPU fp32 standard: image min cos ${images.toFixed(6)}, text ${texts.toFixed(6)}`);
    }
    const pixels = pixelsFor(model, Math.max(...batches));
    const results: Record<number, { imagesPerSecond: number; cpuSecondsPerImage: number }> = {};
    for (const batch of batches) {
      await model.embedPixels(pixels, batch); // warm-up: first-run allocations and kernel choices
      let best = 0;
      let bestCpu = Number.POSITIVE_INFINITY;
      for (let r = 0; r < repeats; r++) {
        const cpu = process.cpuUsage();
        let images = 0;
        const start = performance.now();
        do {
          await model.embedPixels(pixels, batch);
          images += batch;
        } while (performance.now() - start < minMs);
        const ms = performance.now() - start;
        const used = process.cpuUsage(cpu);
        best = Math.max(best, (images * 1000) / ms);
        bestCpu = Math.min(bestCpu, (used.user + used.system) / 1e6 / images);
      }
      results[batch] = { imagesPerSecond: Number(best.toFixed(2)), cpuSecondsPerImage: Number(bestCpu.toFixed(4)) };
      console.log(`${label}: batch ${batch}: ${best.toFixed(2)} images/s, ${bestCpu.toFixed(4)} CPU-s/image`);
    }
    entry.results = results;
    (report.variants as Record<string, unknown>)[label] = entry;
    await model.dispose();
  }
}
console.log(JSON.stringify(report));
