/**
 * The workload every measurement of a bench run shares, so that the numbers compare: the same labels, the same
 * prompt template, the same images.
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { zeroShotBenchmark } from '@metaclip-batch/metaclip/zero-shot';

/** The repository root (bench/lib/ is two levels down). */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** The fixture photographs (`../shared/fixtures/images` beside the checkout); `BENCH_IMAGES_DIR` overrides it. */
export const FIXTURE_IMAGES = process.env.BENCH_IMAGES_DIR ?? path.resolve(REPO_ROOT, '../shared/fixtures/images');

/**
 * Candidate labels of the zero-shot comparison. Ten, like a typical labelling job's short list: few enough that
 * transformers.js, which runs the text tower on every call, is not handicapped by a long label list.
 */
export const BENCH_LABELS = [
  'a person',
  'an animal',
  'a building',
  'a vehicle',
  'food',
  'a plant',
  'text',
  'a pattern',
  'the sky',
  'a machine',
] as const;

/**
 * The labels of a bench run by name: `short` is {@link BENCH_LABELS}; any other name is a zero-shot benchmark's class
 * list (`imagenet`: 1,000 classes), the size of a real dataset-labelling vocabulary.
 */
export async function benchLabels(name: string): Promise<string[]> {
  return name === 'short' ? [...BENCH_LABELS] : (await zeroShotBenchmark(name)).labels;
}

/** The prompt template both sides use (transformers.js's default, with our `{}` placeholder syntax). */
export const BENCH_TEMPLATE = 'This is a photo of {}.';

/**
 * The fixture image files every measurement uses, sorted, as absolute paths. BMP is left out: our decoder reads it
 * but transformers.js (sharp alone) cannot, and the comparison must run the same files on both sides.
 */
export function fixtureImages(dir: string = FIXTURE_IMAGES): string[] {
  const files = readdirSync(dir)
    .filter((f) => /\.(jpe?g|png|webp|gif)$/i.test(f))
    .sort()
    .map((f) => path.join(dir, f));
  if (files.length === 0) throw new Error(`no images in ${dir}`);
  return files;
}

/** `count` paths cycling through `files`: the same mix of formats and sizes in every measurement. */
export function cycle<T>(files: readonly T[], count: number): T[] {
  if (files.length === 0) throw new RangeError('cycle: nothing to repeat');
  return Array.from({ length: count }, (_, i) => files[i % files.length] as T);
}
