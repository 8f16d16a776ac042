/**
 * Decode + preprocess cost on one corpus, beside the floor of this stack. Three measurements on the same files, read
 * into memory first (file reads are the pipeline's business, not decoding's):
 * - ours, one image at a time: `ImageProcessor.preprocessRgb` (decode, EXIF orientation, resize, centre crop into
 *   an 8-bit RGB slot, as the worker runs it; its vision graph normalises): process CPU per image; beside it, for
 *   the record, `preprocess` (the same normalised into float CHW on the host, the path before the RGB graph);
 * - ours with `--decode fast` (shrink-on-load where the format has it), one image at a time: CPU per image;
 * - the floor, one image at a time: a plain `sharp(buf).resize(size, size)` to the model's input size (cover fit, so
 *   resize + centre crop, 8-bit output): what any decoder on this stack pays at least;
 * - ours in batches (`preprocessBatch`, images decoded in parallel on libuv's pool): img/s.
 * Both one-at-a-time passes run on one libvips thread with sharp's cache off (as the worker runs it), alternately, so
 * a burst of other load lands on both. Run by bench/run.ts in its own process; prints one JSON object as its last
 * stdout line: `{ samples: number[] /* batch-parallel img/s per repeat *\/, oneAtATime: number[], images, batch,
 *   concurrency, cores, cpuMsPerImage /* ours *\/, floatCpuMsPerImage, fastCpuMsPerImage, floorCpuMsPerImage, ceilingImgS /* cores / ours *\/,
 *   floorCeilingImgS /* cores / floor *\/ }`.
 *
 * Usage: tsx bench/decode.ts [--model <dir with preprocessor_config.json>] [--images-dir <dir>] [--images 256]
 *          [--batch 64] [--repeats 3] [--concurrency <UV_THREADPOOL_SIZE or 4>]
 *        tsx bench/decode.ts --per-file [--images-dir <dir>] [--repeats 3]
 * `--per-file` measures nothing else: a table of each distinct file's CPU per image, ours, fast and the floor, with
 * what about the file makes it cost (format, size, EXIF orientation, progressive), to find what a corpus's
 * `preprocess_vs_floor` is made of.
 */
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { ImageProcessor, tuneSharpForThroughput } from '@metaclip-batch/metaclip/image';
import sharp from 'sharp';
import { rate, summarize } from './lib/stats';
import { cycle, FIXTURE_IMAGES, fixtureImages, REPO_ROOT } from './lib/workload';

const { values } = parseArgs({
  options: {
    // The bench model's folder; the tiny fixture model's preprocessing is the same (shortest edge 224, crop 224).
    model: { type: 'string', default: path.resolve(REPO_ROOT, '../shared/fixtures/tiny-clip') },
    'images-dir': { type: 'string', default: FIXTURE_IMAGES },
    images: { type: 'string', default: '256' },
    batch: { type: 'string', default: '64' },
    repeats: { type: 'string', default: '3' },
    concurrency: { type: 'string', default: process.env.UV_THREADPOOL_SIZE ?? '4' },
    'per-file': { type: 'boolean', default: false },
  },
});
const images = Number(values.images);
const batch = Number(values.batch);
const repeats = Number(values.repeats);
const concurrency = Number(values.concurrency);

tuneSharpForThroughput();
const processor = await ImageProcessor.fromDir(values.model);
const fastProcessor = await ImageProcessor.fromDir(values.model, { decode: 'fast' });
const rgbSlot = new Uint8Array(processor.floatsPerImage);
/** The floor: a plain sharp resize to the model's input size. */
const floorResize = (buf: Buffer) => sharp(buf).resize(processor.size, processor.size).raw().toBuffer();
if (values['per-file']) {
  await perFile(fixtureImages(values['images-dir']));
  process.exit(0);
}
const buffers = await Promise.all(cycle(fixtureImages(values['images-dir']), images).map((f) => readFile(f)));
const slots = new Float32Array(batch * processor.floatsPerImage);

/** Process CPU milliseconds per image of one pass (user + system, every thread). */
async function cpuPass(pass: () => Promise<void>): Promise<number> {
  const cpu0 = process.cpuUsage();
  await pass();
  const cpu = process.cpuUsage(cpu0);
  return (cpu.user + cpu.system) / 1000 / buffers.length;
}

const ours = async () => {
  for (const buf of buffers) await processor.preprocessRgb(buf, rgbSlot, 0);
};
const float = async () => {
  for (const buf of buffers) await processor.preprocess(buf, slots, 0);
};
const fast = async () => {
  for (const buf of buffers) await fastProcessor.preprocessRgb(buf, rgbSlot, 0);
};
const floor = async () => {
  for (const buf of buffers) await floorResize(buf);
};

// Untimed first passes (page cache, JIT), then alternate passes of ours and the floor.
await ours();
await float();
await fast();
await floor();
const oursMs: number[] = [];
const floatMs: number[] = [];
const fastMs: number[] = [];
const floorMs: number[] = [];
const oneAtATime: number[] = [];
for (let r = 0; r < repeats; r++) {
  const t0 = performance.now();
  oursMs.push(await cpuPass(ours));
  oneAtATime.push(rate(buffers.length, performance.now() - t0));
  floatMs.push(await cpuPass(float));
  fastMs.push(await cpuPass(fast));
  floorMs.push(await cpuPass(floor));
  process.stderr.write(
    `decode: CPU per image: ours ${oursMs.at(-1)?.toFixed(2)} ms (float pixels on the host: ` +
      `${floatMs.at(-1)?.toFixed(2)} ms), --decode fast ${fastMs.at(-1)?.toFixed(2)} ms, ` +
      `floor ${floorMs.at(-1)?.toFixed(2)} ms\n`,
  );
}

const parallel: number[] = [];
for (let r = 0; r < repeats; r++) {
  const t0 = performance.now();
  for (let i = 0; i < buffers.length; i += batch) {
    const { results } = await processor.preprocessBatch(buffers.slice(i, i + batch), slots, { concurrency });
    const failed = results.find((x) => x instanceof Error);
    if (failed) throw failed;
  }
  parallel.push(rate(buffers.length, performance.now() - t0));
  process.stderr.write(`decode: batches of ${batch}, ${concurrency} in flight: ${parallel.at(-1)?.toFixed(1)} img/s\n`);
}

const cores = os.availableParallelism();
const cpuMsPerImage = summarize(oursMs).median;
const floorCpuMsPerImage = summarize(floorMs).median;
const r2 = (v: number) => Math.round(v * 100) / 100;
process.stdout.write(
  `${JSON.stringify({
    samples: parallel,
    oneAtATime,
    images: buffers.length,
    batch,
    concurrency,
    cores,
    cpuMsPerImage: r2(cpuMsPerImage),
    fastCpuMsPerImage: r2(summarize(fastMs).median),
    floatCpuMsPerImage: r2(summarize(floatMs).median),
    floorCpuMsPerImage: r2(floorCpuMsPerImage),
    cpuMsSamples: oursMs.map(r2),
    fastCpuMsSamples: fastMs.map(r2),
    floorCpuMsSamples: floorMs.map(r2),
    ceilingImgS: Math.round((cores * 1000) / cpuMsPerImage),
    floorCeilingImgS: Math.round((cores * 1000) / floorCpuMsPerImage),
  })}\n`,
);

/** CPU milliseconds of one call of `work`, the median of `repeats` after one untimed call. */
async function cpuOf(work: () => Promise<unknown>): Promise<number> {
  await work();
  const samples: number[] = [];
  for (let r = 0; r < repeats; r++) {
    const cpu0 = process.cpuUsage();
    await work();
    const cpu = process.cpuUsage(cpu0);
    samples.push((cpu.user + cpu.system) / 1000);
  }
  return summarize(samples).median;
}

/** `--per-file`: each file's cost, ours (exact and fast) beside the floor, and the totals' ratios. */
async function perFile(files: string[]): Promise<void> {
  const sum = { ours: 0, fast: 0, floor: 0 };
  const rows: string[][] = [['file', 'format', 'size', 'orientation', 'progressive', 'ours ms', 'fast ms', 'floor ms']];
  for (const file of files) {
    const buf = await readFile(file);
    // BMP is ours alone (libvips has no BMP loader): it has no floor, and is left out.
    const meta = await sharp(buf)
      .metadata()
      .catch(() => null);
    if (!meta) continue;
    const ms = {
      ours: await cpuOf(() => processor.preprocessRgb(buf, rgbSlot, 0)),
      fast: await cpuOf(() => fastProcessor.preprocessRgb(buf, rgbSlot, 0)),
      floor: await cpuOf(() => floorResize(buf)),
    };
    for (const k of ['ours', 'fast', 'floor'] as const) sum[k] += ms[k];
    const fixed = (v: number) => v.toFixed(1);
    rows.push([
      path.basename(file),
      meta.format ?? '?',
      `${meta.width}x${meta.height}`,
      String(meta.orientation ?? 1),
      meta.isProgressive ? 'yes' : 'no',
      fixed(ms.ours),
      fixed(ms.fast),
      fixed(ms.floor),
    ]);
  }
  const widths = (rows[0] ?? []).map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) => r.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ');
  for (const r of rows) console.log(line(r).trimEnd());
  const ratio = (v: number) => (v / sum.floor).toFixed(3);
  console.log(`ours / floor = ${ratio(sum.ours)}, fast / floor = ${ratio(sum.fast)} (${rows.length - 1} files)`);
}
