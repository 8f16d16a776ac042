/**
 * Raw model throughput: `MetaClipModel.embedPixels` (one `session.run` of the vision tower on a tensor that wraps a
 * ready Float32Array, no copy) at several batch sizes, on any device. The pixels are real preprocessed fixture
 * images, prepared before the clock starts. Run by bench/run.ts in its own process; prints one JSON object as its
 * last stdout line: `{ byBatch: { "<batch>": number[] /* img/s per repeat *\/ }, cpuSecondsPerImage: { "<batch>": number },
 * device, dtype, threads }`.
 *
 * Usage: tsx bench/lib/raw-model.ts --model <onnx dir> --batch-sizes 1,4,8 --repeats 2 --threads 2
 *        [--device cpu|cuda|webgpu] [--dtype fp32|fp16|int8] [--min-ms 1500]
 */
import { parseArgs } from 'node:util';
import { loadModel } from '@metaclip-batch/metaclip';
import type { ExportDtype } from '@metaclip-batch/metaclip/convert';
import { rate } from './stats';
import { cycle, fixtureImages } from './workload';

const { values } = parseArgs({
  options: {
    model: { type: 'string' },
    'batch-sizes': { type: 'string', default: '1,4,8' },
    repeats: { type: 'string', default: '2' },
    threads: { type: 'string', default: '1' },
    device: { type: 'string', default: 'cpu' },
    dtype: { type: 'string', default: 'fp32' },
    // On a GPU one run takes milliseconds: a repeat loops until this much time has passed, so timer and launch
    // jitter do not dominate. On a CPU one run of a batch already takes seconds and a repeat is one run.
    'min-ms': { type: 'string', default: '1500' },
  },
});
if (!values.model) throw new Error('--model <dir> is required');
const batches = values['batch-sizes'].split(',').map(Number);
const repeats = Number(values.repeats);
const threads = Number(values.threads);
const minMs = Number(values['min-ms']);

const model = await loadModel(values.model, {
  device: values.device,
  dtype: values.dtype as ExportDtype,
  intraOpThreads: threads,
  interOpThreads: 1,
});
const per = model.pixelsPerImage;
const largest = Math.max(...batches);
// Preprocess each distinct fixture once, then tile: the tensor holds real image statistics at any batch size.
const files = fixtureImages();
const distinct = new Float32Array(files.length * per);
for (const [i, file] of files.entries()) await model.processor.preprocess(file, distinct, i * per);
const pixels = new Float32Array(largest * per);
for (const [i, j] of cycle([...files.keys()], largest).entries()) {
  pixels.set(distinct.subarray(j * per, (j + 1) * per), i * per);
}

const byBatch: Record<string, number[]> = {};
// Process CPU time per image (all onnxruntime threads): on a machine shared with other work, wall-clock rates drop
// with the contention while this stays near the model's true cost.
const cpuSecondsPerImage: Record<string, number> = {};
for (const batch of batches) {
  await model.embedPixels(pixels, batch); // warm-up: first-run allocations, provider kernel selection
  const samples: number[] = [];
  const cpu = process.cpuUsage();
  let total = 0;
  for (let r = 0; r < repeats; r++) {
    let images = 0;
    const start = performance.now();
    do {
      const out = await model.embedPixels(pixels, batch);
      if (out.length !== batch * model.embedDim) throw new Error(`got ${out.length} floats for batch ${batch}`);
      images += batch;
    } while (performance.now() - start < minMs && model.device !== 'cpu');
    samples.push(rate(images, performance.now() - start));
    total += images;
  }
  const used = process.cpuUsage(cpu);
  cpuSecondsPerImage[String(batch)] = Math.round(((used.user + used.system) / 1e6 / total) * 1000) / 1000;
  byBatch[String(batch)] = samples;
  process.stderr.write(`raw: batch ${batch}: ${samples.map((s) => s.toFixed(2)).join(', ')} img/s\n`);
}
await model.dispose();
console.log(JSON.stringify({ byBatch, cpuSecondsPerImage, device: model.device, dtype: values.dtype, threads }));
