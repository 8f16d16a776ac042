/**
 * Decode + preprocess throughput: `ImageProcessor` reading fixture files, decoding with sharp (decode-bmp for BMP),
 * resizing, centre-cropping and normalising into batch slots. Measured two ways on the same files: one image at a
 * time (one core's worth of libvips work in flight) and `preprocessBatch` (images decoded in parallel on libuv's
 * pool). Run by bench/run.ts in its own process; prints one JSON object as its last stdout line:
 * `{ samples: number[] /* batch-parallel img/s per repeat *\/, oneAtATime: number[], images, batch, concurrency, cores,
 *    cpuMsPerImage /* process CPU per image, one at a time *\/, ceilingImgS /* cores / CPU per image *\/ }`.
 * The ceiling is what decoding allows a worker on this machine with every core decoding and nothing else running.
 *
 * Usage: tsx bench/decode.ts [--model <dir with preprocessor_config.json>] [--images 256] [--batch 64] [--repeats 3]
 *          [--concurrency <UV_THREADPOOL_SIZE or 4>]
 */
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { ImageProcessor } from '@metaclip-batch/metaclip';
import sharp from 'sharp';
import { rate } from './lib/stats';
import { cycle, FIXTURE_IMAGES, fixtureImages, REPO_ROOT } from './lib/workload';

const { values } = parseArgs({
  options: {
    // The bench model's folder; the tiny fixture model's preprocessing is the same (shortest edge 224, crop 224).
    model: { type: 'string', default: path.resolve(REPO_ROOT, '../shared/fixtures/tiny-clip') },
    images: { type: 'string', default: '256' },
    batch: { type: 'string', default: '64' },
    repeats: { type: 'string', default: '3' },
    concurrency: { type: 'string', default: process.env.UV_THREADPOOL_SIZE ?? '4' },
  },
});
const images = Number(values.images);
const batch = Number(values.batch);
const repeats = Number(values.repeats);
const concurrency = Number(values.concurrency);

const processor = await ImageProcessor.fromDir(values.model);
const files = cycle(fixtureImages(FIXTURE_IMAGES), images);
const slots = new Float32Array(batch * processor.floatsPerImage);

/** Runs `pass` once untimed (page cache, JIT, libvips caches), then `repeats` timed passes; img/s per pass. */
async function measure(label: string, pass: () => Promise<void>): Promise<number[]> {
  await pass();
  const samples: number[] = [];
  for (let r = 0; r < repeats; r++) {
    const t0 = performance.now();
    await pass();
    samples.push(rate(files.length, performance.now() - t0));
    process.stderr.write(`decode ${label}: ${samples.at(-1)?.toFixed(1)} img/s\n`);
  }
  return samples;
}

const cpu0 = process.cpuUsage();
const oneAtATime = await measure('one at a time', async () => {
  for (const file of files) await processor.preprocess(file, slots, 0);
});
const cpu = process.cpuUsage(cpu0);
// Warm-up pass included: repeats + 1 passes over the files.
const cpuMsPerImage = (cpu.user + cpu.system) / 1000 / ((repeats + 1) * files.length);
const cores = os.availableParallelism();
const parallel = await measure(`batches of ${batch}, ${concurrency} in flight`, async () => {
  for (let i = 0; i < files.length; i += batch) {
    const { results } = await processor.preprocessBatch(files.slice(i, i + batch), slots, { concurrency });
    const failed = results.find((r) => r instanceof Error);
    if (failed) throw failed;
  }
});

process.stdout.write(
  `${JSON.stringify({
    samples: parallel,
    oneAtATime,
    images: files.length,
    batch,
    concurrency,
    vipsThreads: sharp.concurrency(),
    cores,
    cpuMsPerImage: Math.round(cpuMsPerImage * 100) / 100,
    ceilingImgS: Math.round((cores * 1000) / cpuMsPerImage),
  })}\n`,
);
