import { seededRandom } from '@metaclip-batch/random';

/**
 * The bench's image corpora, as specifications: which file each corpus holds, its size, format, quality, progressive
 * scan, EXIF orientation, and which crops of which source photographs it is assembled from. Pure and seeded: the same
 * seed and sources give the same specification, so the images built from it (bench/lib/corpus-build.ts) are the same
 * on every machine with the same libvips. Two corpora stand for what users feed the worker:
 *
 * - `web`: what img2dataset leaves for LAION-style sets: JPEG, shortest side 256-512 px, quality 85-95, one in five
 *   progressive, common aspect ratios, mostly one photograph per file, some collages.
 * - `photos`: a camera roll: 8-12 Mpx JPEG at quality 85-95 with EXIF orientations (1, 3, 6, 8), one in five
 *   progressive, one in ten PNG and one in ten WebP.
 *
 * Detail comes from real photographs (crops of the source images at 0.5-1.4 source pixels per output pixel, flipped, re-toned, tiled
 * into mosaics) plus sensor-like grain, never from smooth upscales: JPEG decode cost follows entropy, and an upscaled
 * image decodes faster than a real one of the same size.
 */

/** The corpora `--corpus` accepts; `fixtures` is the source folder itself (`BENCH_IMAGES_DIR`, or the shared fixtures). */
export const CORPORA = ['web', 'photos', 'fixtures'] as const;
/** One of {@link CORPORA}. */
export type Corpus = (typeof CORPORA)[number];
/** A corpus that is built from the sources rather than read as it is. */
export type BuiltCorpus = Exclude<Corpus, 'fixtures'>;

/** The size of a source image (its pixels as stored; orientation is ignored). */
export interface SourceSize {
  width: number;
  height: number;
}

/** One rectangle of a source photograph placed into the output image. */
export interface TileSpec {
  /** Index into the sources the specification was made from. */
  source: number;
  /** Crop in the source, in its pixels. */
  crop: { left: number; top: number; width: number; height: number };
  /** Where the crop lands (resized to `width` x `height`) in the output. */
  at: { left: number; top: number; width: number; height: number };
  /** Mirror horizontally. */
  flop: boolean;
  /** Brightness and saturation multipliers (a different exposure of the same scene). */
  brightness: number;
  saturation: number;
}

/** One image of a built corpus. */
export interface ImageSpec {
  /** File name in the corpus folder, with its extension. */
  file: string;
  format: 'jpeg' | 'png' | 'webp';
  /** Stored pixel size (before EXIF orientation). */
  width: number;
  height: number;
  /** JPEG/WebP quality, 1-100; ignored for PNG. */
  quality: number;
  /** JPEG progressive scan. */
  progressive: boolean;
  /** EXIF orientation tag (1 = as stored); only camera photos carry one other than 1. */
  orientation: 1 | 3 | 6 | 8;
  /** Standard deviation of the Gaussian grain added to every channel, in 8-bit levels. */
  grain: number;
  /** Seed of the grain. */
  grainSeed: number;
  tiles: TileSpec[];
}

/** Draws from a seeded generator: integers, picks and chances. */
class Draw {
  constructor(readonly next: () => number) {}
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  real(lo: number, hi: number): number {
    return lo + this.next() * (hi - lo);
  }
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)] as T;
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
}

/** Aspect ratios (long/short side) of web images and of camera photos. */
const WEB_ASPECTS = [1, 1, 4 / 3, 3 / 2, 16 / 9, 5 / 4] as const;
/** Camera sensor sizes of 8-12 Mpx (4:3, 3:2 and 16:9 crops). */
const CAMERA_SIZES = [
  [3264, 2448],
  [3648, 2736],
  [4000, 3000],
  [4032, 2268],
  [3888, 2592],
  [4000, 2250],
] as const;
/** EXIF orientations a phone writes: upright, upside down, and the two portrait holds (most often upright). */
const ORIENTATIONS = [1, 1, 1, 6, 6, 8, 3] as const;

/**
 * The specification of a built corpus.
 *
 * @param sources - sizes of the usable source photographs, in a fixed order (the builder sorts them by name).
 * @throws RangeError when there are no sources or `count` is not positive.
 */
export function corpusSpec(name: BuiltCorpus, sources: readonly SourceSize[], count: number, seed = 1): ImageSpec[] {
  if (sources.length === 0) throw new RangeError(`corpus ${name}: no source images to build it from`);
  if (!Number.isInteger(count) || count < 1) throw new RangeError(`corpus ${name}: count must be >= 1, got ${count}`);
  // Each corpus draws from its own stream, so `web` does not change when `photos` grows.
  const d = new Draw(seededRandom(seed * 7919 + (name === 'web' ? 1 : 2)));
  return Array.from({ length: count }, (_, i) => (name === 'web' ? webImage(d, sources, i) : photo(d, sources, i)));
}

function webImage(d: Draw, sources: readonly SourceSize[], i: number): ImageSpec {
  const short = d.int(256, 512);
  const long = Math.round(short * d.pick(WEB_ASPECTS));
  const [width, height] = d.chance(0.7) ? [long, short] : [short, long];
  // Mostly one photograph per file, some 2x2 collages (product sheets, memes, thumbnails grids).
  const grid = d.chance(0.8) ? 1 : 2;
  return {
    file: `web-${String(i).padStart(5, '0')}.jpg`,
    format: 'jpeg',
    width,
    height,
    quality: d.int(85, 95),
    progressive: d.chance(0.2),
    orientation: 1,
    grain: d.real(0, 0.8),
    grainSeed: d.int(1, 2 ** 31 - 1),
    tiles: mosaic(d, sources, width, height, grid, grid, [0.7, 1.4]),
  };
}

function photo(d: Draw, sources: readonly SourceSize[], i: number): ImageSpec {
  const [long, short] = d.pick(CAMERA_SIZES);
  const kind = d.next();
  const format = kind < 0.1 ? 'png' : kind < 0.2 ? 'webp' : 'jpeg';
  const orientation = format === 'jpeg' ? d.pick(ORIENTATIONS) : 1;
  // Tiles of 400-700 px, each a crop of a source photograph at up to 2x: detail at every scale, no smooth upscale.
  const tile = d.int(400, 700);
  const cols = Math.max(1, Math.round(long / tile));
  const rows = Math.max(1, Math.round(short / tile));
  return {
    file: `photo-${String(i).padStart(4, '0')}.${format === 'jpeg' ? 'jpg' : format}`,
    format,
    width: long,
    height: short,
    quality: d.int(85, 95),
    progressive: format === 'jpeg' && d.chance(0.2),
    orientation,
    // Phone sensors at base ISO leave a level or two of noise after their own denoising.
    grain: d.real(0.5, 2),
    grainSeed: d.int(1, 2 ** 31 - 1),
    // A phone photo holds less detail per pixel than a web image (optics, demosaicing): 1-2 output pixels per
    // source pixel, which lands near a phone's 2-3 bits per pixel at these qualities.
    tiles: mosaic(d, sources, long, short, cols, rows, [0.5, 1]),
  };
}

/** A `cols` x `rows` grid of source crops covering `width` x `height` exactly. */
function mosaic(
  d: Draw,
  sources: readonly SourceSize[],
  width: number,
  height: number,
  cols: number,
  rows: number,
  scale: readonly [number, number],
): TileSpec[] {
  const tiles: TileSpec[] = [];
  const edges = (total: number, n: number) => Array.from({ length: n + 1 }, (_, k) => Math.round((k * total) / n));
  const xs = edges(width, cols);
  const ys = edges(height, rows);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const at = {
        left: xs[c] as number,
        top: ys[r] as number,
        width: (xs[c + 1] as number) - (xs[c] as number),
        height: (ys[r + 1] as number) - (ys[r] as number),
      };
      const source = d.int(0, sources.length - 1);
      tiles.push({
        source,
        crop: cropFor(d, sources[source] as SourceSize, at.width, at.height, scale),
        at,
        flop: d.chance(0.5),
        brightness: d.real(0.85, 1.15),
        saturation: d.real(0.8, 1.2),
      });
    }
  }
  return tiles;
}

/**
 * A crop of `src` with the aspect of a `w` x `h` tile, at `range` source pixels per output pixel where the source is
 * large enough (a small source is used whole along its limiting side: then it is upscaled, by as little as its size
 * allows).
 */
function cropFor(d: Draw, src: SourceSize, w: number, h: number, range: readonly [number, number]): TileSpec['crop'] {
  const scale = d.real(range[0], range[1]);
  const fit = Math.min(1, src.width / (w * scale), src.height / (h * scale));
  const width = Math.max(1, Math.min(src.width, Math.round(w * scale * fit)));
  const height = Math.max(1, Math.min(src.height, Math.round(h * scale * fit)));
  return { left: d.int(0, src.width - width), top: d.int(0, src.height - height), width, height };
}
