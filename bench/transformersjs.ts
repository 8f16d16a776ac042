/**
 * The reference point: `@huggingface/transformers`' zero-shot-image-classification pipeline on the same ONNX model
 * (our converter's transformers.js layout, `onnx/model.onnx`), the same images and labels, used as its docs advise:
 * an array of images per call, its own defaults (fp32, cpu) except the ONNX thread counts, which match ours.
 * Run by bench/run.ts in its own process; prints one JSON object as its last stdout line.
 *
 * Usage: tsx bench/transformersjs.ts --model <dir> --images <n> --batch <n> --repeats <n> --threads <n> [--device d]
 *        [--labels short|imagenet|<zero-shot benchmark>] [--images-dir <dir> (default: the fixture photographs)]
 */
import { parseArgs } from 'node:util';
import { env, pipeline } from '@huggingface/transformers';
import { rate } from './lib/stats';
import { BENCH_TEMPLATE, benchLabels, cycle, FIXTURE_IMAGES, fixtureImages } from './lib/workload';

const { values } = parseArgs({
  options: {
    model: { type: 'string' },
    'images-dir': { type: 'string', default: FIXTURE_IMAGES },
    images: { type: 'string', default: '16' },
    batch: { type: 'string', default: '8' },
    repeats: { type: 'string', default: '2' },
    threads: { type: 'string', default: '1' },
    device: { type: 'string', default: 'cpu' },
    // `short` (default): the bench's ten labels. A benchmark name (`imagenet`: 1,000 classes) shows how its per-call
    // text tower scales with the label list, which our worker embeds once per run.
    labels: { type: 'string', default: 'short' },
  },
});
if (!values.model) throw new Error('--model <dir> is required');
const count = Number(values.images);
const batch = Number(values.batch);
const repeats = Number(values.repeats);
const threads = Number(values.threads);

// A local folder only: there is no hub here, and a silent download would measure the network.
env.allowRemoteModels = false;
env.allowLocalModels = true;

const t0 = performance.now();
const classify = await pipeline('zero-shot-image-classification', values.model, {
  device: values.device as 'cpu',
  dtype: 'fp32',
  session_options: { intraOpNumThreads: threads, interOpNumThreads: 1 },
});
const loadMs = performance.now() - t0;
const labels = await benchLabels(values.labels);
const images = cycle(fixtureImages(values['images-dir']), count);

/** One pass over `images` in calls of `batch` images, as a user with a list of files would write it. */
async function pass(): Promise<number> {
  const start = performance.now();
  for (let i = 0; i < images.length; i += batch) {
    const out = await classify(images.slice(i, i + batch), labels, { hypothesis_template: BENCH_TEMPLATE });
    // Check it classified what it was given, so a silent no-op can never pass for speed.
    if (out.length !== Math.min(batch, images.length - i) || out[0]?.length !== labels.length) {
      throw new Error(
        `transformers.js returned ${out.length} results for ${Math.min(batch, images.length - i)} images`,
      );
    }
  }
  return performance.now() - start;
}

process.stderr.write(`transformers.js: loaded in ${Math.round(loadMs)} ms; warm-up call\n`);
await classify(images.slice(0, batch), labels, { hypothesis_template: BENCH_TEMPLATE });
const samples: number[] = [];
for (let r = 0; r < repeats; r++) {
  const ms = await pass();
  samples.push(rate(count, ms));
  process.stderr.write(`transformers.js: repeat ${r + 1}/${repeats}: ${samples.at(-1)?.toFixed(2)} img/s\n`);
}
await classify.dispose();
console.log(
  JSON.stringify({ samples, images: count, batch, threads, labels: labels.length, loadMs: Math.round(loadMs) }),
);
