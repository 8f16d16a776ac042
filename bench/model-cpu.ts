/**
 * Converter and CPU throughput of MetaCLIP ViT-B/16 (random weights, real architecture):
 * - conversion time of the Hugging Face checkpoint to ONNX, cold and as a cache hit;
 * - images/s of the vision tower (`embedPixels`) at several batch sizes, standard opset-17 graph vs fused
 *   com.microsoft ops, same session settings.
 *
 * Usage: npx tsx bench/model-cpu.ts [--batches 1,8,32] [--repeats 3] [--threads 2] [--dtype fp32|fp16]
 *        [--work <dir>]   (the random checkpoint is written there once and reused; default $TMPDIR/metaclip-b16)
 */
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { convertModel, loadModel, writeRandomModel } from '@metaclip-batch/metaclip';

const { values } = parseArgs({
  options: {
    batches: { type: 'string', default: '1,8,32' },
    repeats: { type: 'string', default: '3' },
    threads: { type: 'string', default: '2' },
    dtype: { type: 'string', default: 'fp32' },
    work: { type: 'string', default: path.join(tmpdir(), 'metaclip-b16') },
  },
});
const batches = values.batches.split(',').map(Number);
const repeats = Number(values.repeats);
const threads = Number(values.threads);
const dtype = values.dtype as 'fp32' | 'fp16';
const hfDir = path.join(values.work, 'hf');
const cacheDir = path.join(values.work, 'cache');

const time = async <T>(fn: () => Promise<T>): Promise<[T, number]> => {
  const start = performance.now();
  const result = await fn();
  return [result, performance.now() - start];
};

if (!existsSync(path.join(hfDir, 'model.safetensors'))) {
  const [, ms] = await time(() => writeRandomModel(hfDir, 'b16', { seed: 16 }));
  console.log(`random B/16 checkpoint written in ${(ms / 1000).toFixed(1)} s`);
}

const report: Record<string, unknown> = { dtype, threads, conversion: {}, imagesPerSecond: {} };
for (const fused of [false, true]) {
  const label = fused ? 'fused' : 'standard';
  await rm(cacheDir, { recursive: true, force: true });
  const [dir, cold] = await time(() => convertModel(hfDir, { dtype, fused, cacheDir }));
  const [, cached] = await time(() => convertModel(hfDir, { dtype, fused, cacheDir }));
  (report.conversion as Record<string, unknown>)[label] = { coldMs: Math.round(cold), cachedMs: Math.round(cached) };
  console.log(`${label}: convert cold ${(cold / 1000).toFixed(1)} s, cached ${cached.toFixed(0)} ms -> ${dir}`);

  const model = await loadModel(dir, { intraOpThreads: threads, interOpThreads: 1 });
  const pixels = new Float32Array(Math.max(...batches) * model.pixelsPerImage).map((_, i) => Math.sin(i) * 1.5);
  const rates: Record<number, number> = {};
  for (const batch of batches) {
    await model.embedPixels(pixels, batch); // warm-up: first-run allocations and kernel choices
    let best = 0;
    for (let r = 0; r < repeats; r++) {
      const [, ms] = await time(() => model.embedPixels(pixels, batch));
      best = Math.max(best, (batch * 1000) / ms);
    }
    rates[batch] = Number(best.toFixed(2));
    console.log(`${label}: batch ${batch}: ${best.toFixed(2)} images/s (best of ${repeats})`);
  }
  (report.imagesPerSecond as Record<string, unknown>)[label] = rates;
  await model.dispose();
}
console.log(JSON.stringify(report));
