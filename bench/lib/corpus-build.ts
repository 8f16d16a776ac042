/**
 * Builds the bench's corpora (bench/lib/corpus.ts specifies them) from the source photographs with sharp, once, into
 * `.cache/bench/corpus/<name>-...`: a folder keyed by everything the bytes depend on (the specification, the sources'
 * bytes, sharp's and libvips's versions), so a changed input builds a new folder instead of reusing a stale one.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { seededRandom } from '@metaclip-batch/random';
import sharp from 'sharp';
import type { Corpus, ImageSpec, SourceSize } from './corpus';
import { corpusSpec } from './corpus';
import { FIXTURE_IMAGES, fixtureImages } from './workload';

/** Files per built corpus: enough variety for a few hundred images per measurement (cycled), cheap to build. */
export const CORPUS_SIZE = { web: 256, photos: 32 } as const;

/** A corpus on disk. */
export interface CorpusFiles {
  name: Corpus;
  dir: string;
  /** Absolute paths, sorted. */
  files: string[];
  /** Mean file size in KiB and mean megapixels: what a reader needs to place the numbers. */
  meanKiB: number;
  meanMpx: number;
}

/** Source photographs smaller than this (short side, px) are left out: their detail is too coarse to tile. */
const MIN_SOURCE_SIDE = 256;
const COMPLETE = '.complete';

/**
 * Returns the corpus `name`, building it first when it is not cached. `fixtures` is the source folder itself
 * (`BENCH_IMAGES_DIR` or ../shared/fixtures/images); `web` and `photos` are built from the photographs in it.
 */
export async function ensureCorpus(
  name: Corpus,
  opts: { cacheRoot: string; seed?: number; sourceDir?: string; progress?: (msg: string) => void },
): Promise<CorpusFiles> {
  const sourceDir = opts.sourceDir ?? FIXTURE_IMAGES;
  if (name === 'fixtures') return describe(name, sourceDir, fixtureImages(sourceDir));
  const sources = await loadSources(sourceDir);
  const spec = corpusSpec(name, sources, CORPUS_SIZE[name], opts.seed ?? 1);
  const key = createHash('sha256')
    .update(JSON.stringify({ spec, sources: sources.map((s) => s.digest), versions: sharp.versions }))
    .digest('hex')
    .slice(0, 12);
  const dir = path.join(opts.cacheRoot, 'corpus', `${name}-${key}`);
  if (!existsSync(path.join(dir, COMPLETE))) {
    opts.progress?.(`building the ${name} corpus (${spec.length} images) in ${dir}`);
    const t0 = performance.now();
    // Built beside its final place and renamed when whole: an interrupted build leaves no half corpus behind.
    const tmp = `${dir}.tmp-${process.pid}`;
    await rm(tmp, { recursive: true, force: true });
    await mkdir(tmp, { recursive: true });
    await pool(spec, os.availableParallelism(), (img) => buildImage(img, sources, tmp));
    await writeFile(path.join(tmp, COMPLETE), `${JSON.stringify({ builtAt: new Date().toISOString(), key })}\n`);
    await rm(dir, { recursive: true, force: true });
    await rename(tmp, dir);
    opts.progress?.(`built the ${name} corpus in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  }
  return describe(
    name,
    dir,
    spec.map((s) => path.join(dir, s.file)),
  );
}

interface Source extends SourceSize {
  /** Decoded RGB pixels, as stored (orientation ignored: the mosaic's content does not care). */
  pixels: Buffer;
  digest: string;
}

/** The usable source photographs of `dir`, sorted by name, decoded once. */
async function loadSources(dir: string): Promise<Source[]> {
  const out: Source[] = [];
  for (const file of fixtureImages(dir)) {
    const bytes = await readFile(file);
    const { data, info } = await sharp(bytes, { pages: 1 })
      .toColourspace('srgb')
      .removeAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true });
    if (Math.min(info.width, info.height) < MIN_SOURCE_SIDE || info.channels !== 3) continue;
    const digest = createHash('sha256').update(bytes).digest('hex');
    out.push({ width: info.width, height: info.height, pixels: data, digest });
  }
  if (out.length === 0) throw new Error(`no source photographs of at least ${MIN_SOURCE_SIDE} px in ${dir}`);
  return out;
}

/** Assembles, grains and encodes one image of a corpus. */
async function buildImage(img: ImageSpec, sources: readonly Source[], dir: string): Promise<void> {
  const tiles = await Promise.all(
    img.tiles.map(async (t) => {
      const src = sources[t.source] as Source;
      let tile = sharp(src.pixels, { raw: { width: src.width, height: src.height, channels: 3 } })
        .extract(t.crop)
        .resize(t.at.width, t.at.height, { fit: 'fill', kernel: 'lanczos3' })
        .modulate({ brightness: t.brightness, saturation: t.saturation });
      if (t.flop) tile = tile.flop();
      const input = await tile.raw().toBuffer();
      return { input, raw: { width: t.at.width, height: t.at.height, channels: 3 as const }, ...t.at };
    }),
  );
  const canvas = await sharp({ create: { width: img.width, height: img.height, channels: 3, background: '#808080' } })
    .composite(tiles.map(({ input, raw, left, top }) => ({ input, raw, left, top })))
    .raw()
    .toBuffer();
  addGrain(canvas, img.grain, img.grainSeed);
  let out = sharp(canvas, { raw: { width: img.width, height: img.height, channels: 3 } });
  if (img.orientation !== 1) out = out.withMetadata({ orientation: img.orientation });
  if (img.format === 'jpeg') out = out.jpeg({ quality: img.quality, progressive: img.progressive });
  else if (img.format === 'webp') out = out.webp({ quality: img.quality });
  else out = out.png({ compressionLevel: 4 });
  await writeFile(path.join(dir, img.file), await out.toBuffer());
}

/** Adds Gaussian grain of `sigma` levels in place (Box-Muller on the seeded generator), clamped to 0..255. */
function addGrain(pixels: Buffer, sigma: number, seed: number): void {
  if (sigma <= 0) return;
  const next = seededRandom(seed);
  for (let i = 0; i < pixels.length; i += 2) {
    const r = Math.sqrt(-2 * Math.log(1 - next())) * sigma;
    const a = 2 * Math.PI * next();
    pixels[i] = clamp(pixels[i] as number, r * Math.cos(a));
    if (i + 1 < pixels.length) pixels[i + 1] = clamp(pixels[i + 1] as number, r * Math.sin(a));
  }
}

function clamp(v: number, noise: number): number {
  const x = Math.round(v + noise);
  return Math.max(0, Math.min(255, x));
}

async function describe(name: Corpus, dir: string, files: string[]): Promise<CorpusFiles> {
  let bytes = 0;
  let pixels = 0;
  for (const file of files) {
    bytes += (await stat(file)).size;
    const m = await sharp(file).metadata();
    pixels += (m.width ?? 0) * (m.height ?? 0);
  }
  const n = Math.max(1, files.length);
  const round = (v: number) => Math.round(v * 100) / 100;
  return { name, dir, files, meanKiB: round(bytes / 1024 / n), meanMpx: round(pixels / 1e6 / n) };
}

/** Runs `fn` over `items` with at most `width` at a time. */
async function pool<T>(items: readonly T[], width: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < items.length) await fn(items[next++] as T);
  };
  await Promise.all(Array.from({ length: Math.max(1, width) }, lane));
}
