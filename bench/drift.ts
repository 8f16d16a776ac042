/**
 * What the two opt-in speed-ups cost in fidelity, on the fixture photographs with the bench model (MetaCLIP B/16
 * shape, random weights; deterministic, so measured once per run):
 * - `--decode fast` against exact: mean absolute pixel difference in 0..255 levels of the source, and the cosine of
 *   the embeddings (mean and worst);
 * - `--dtype int8` against fp32: the cosine of the image embeddings (mean and worst) and the zero-shot top-1
 *   agreement on the bench labels (the text tower stays fp32 in an int8 model).
 * Random weights make the embedding figures a stress test rather than a forecast: a trained model's embeddings
 * concentrate on what the image shows and move less (docs/deploy.md has the tiny model's bounds).
 *
 * Prints one JSON object as its last stdout line: `{ fastPixelMae, fastCosineMean, fastCosineMin, int8CosineMean,
 *   int8CosineMin, int8Top1Agreement, images }`.
 *
 * Usage: tsx bench/drift.ts --model <Hugging Face dir> --cache <conversion cache dir> [--threads N] [--labels short]
 */
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { cosine, loadModel } from '@metaclip-batch/metaclip';
import { ImageProcessor } from '@metaclip-batch/metaclip/image';
import { BENCH_TEMPLATE, benchLabels, fixtureImages } from './lib/workload';

const { values } = parseArgs({
  options: {
    model: { type: 'string' },
    cache: { type: 'string' },
    threads: { type: 'string', default: String(os.availableParallelism()) },
    labels: { type: 'string', default: 'short' },
  },
});
if (!values.model || !values.cache) throw new Error('usage: tsx bench/drift.ts --model <dir> --cache <dir>');
const progress = (msg: string) => process.stderr.write(`drift: ${msg}\n`);
const threads = Number(values.threads);
const files = fixtureImages();
const bytes = await Promise.all(files.map((f) => readFile(f)));

const fp32 = await loadModel(values.model, { cacheDir: values.cache, intraOpThreads: threads, interOpThreads: 1 });
const fast = await ImageProcessor.fromDir(fp32.dir, { decode: 'fast' });
const per = fp32.processor.floatsPerImage;
const std = fp32.processor.spec.std;
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const r4 = (v: number) => Math.round(v * 1e4) / 1e4;

/** Mean absolute difference of two normalised slots, in 0..255 levels of the source pixels. */
function levelMae(a: Float32Array, b: Float32Array): number {
  const plane = a.length / 3;
  let sum = 0;
  for (let i = 0; i < a.length; i++) {
    sum += Math.abs((a[i] as number) - (b[i] as number)) * (std[Math.floor(i / plane)] as number) * 255;
  }
  return sum / a.length;
}

progress(`--decode fast vs exact on ${files.length} fixtures`);
const exactSlots = new Float32Array(files.length * per);
const fastSlots = new Float32Array(files.length * per);
const maes: number[] = [];
for (const [i, buf] of bytes.entries()) {
  await fp32.processor.preprocess(buf, exactSlots, i * per);
  await fast.preprocess(buf, fastSlots, i * per);
  maes.push(levelMae(exactSlots.subarray(i * per, (i + 1) * per), fastSlots.subarray(i * per, (i + 1) * per)));
}
const split = (flat: Float32Array, n: number) => {
  const d = flat.length / n;
  return Array.from({ length: n }, (_, i) => flat.subarray(i * d, (i + 1) * d));
};
const exactEmb = split(await fp32.embedPixels(exactSlots, files.length), files.length);
const fastEmb = split(await fp32.embedPixels(fastSlots, files.length), files.length);
const fastCos = exactEmb.map((e, i) => cosine(e, fastEmb[i] as Float32Array));

progress('--dtype int8 vs fp32 (converting B/16 to int8 the first time)');
const int8 = await loadModel(values.model, {
  cacheDir: values.cache,
  dtype: 'int8',
  intraOpThreads: threads,
  interOpThreads: 1,
});
const int8Emb = split(await int8.embedPixels(exactSlots, files.length), files.length);
const int8Cos = exactEmb.map((e, i) => cosine(e, int8Emb[i] as Float32Array));
const prompts = (await benchLabels(values.labels)).map((l) => BENCH_TEMPLATE.replace('{}', l));
const top1 = async (model: typeof fp32, embs: Float32Array[]) => {
  const texts = await model.embedTexts(prompts);
  return embs.map((e) => {
    const scores = texts.map((t) => cosine(e, t));
    return scores.indexOf(Math.max(...scores));
  });
};
const [a, b] = [await top1(fp32, exactEmb), await top1(int8, int8Emb)];
const agreement = a.filter((x, i) => x === b[i]).length / a.length;
await Promise.all([fp32.dispose(), int8.dispose()]);

const result = {
  images: files.length,
  fastPixelMae: r4(mean(maes)),
  fastPixelMaeMax: r4(Math.max(...maes)),
  fastCosineMean: r4(mean(fastCos)),
  fastCosineMin: r4(Math.min(...fastCos)),
  int8CosineMean: r4(mean(int8Cos)),
  int8CosineMin: r4(Math.min(...int8Cos)),
  int8Top1Agreement: r4(agreement),
};
progress(JSON.stringify(result));
process.stdout.write(`${JSON.stringify(result)}\n`);
