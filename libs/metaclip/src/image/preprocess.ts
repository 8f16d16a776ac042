/**
 * The arithmetic of CLIPImageProcessor, as pure functions: transformers' output size of a shortest-edge resize,
 * its centre crop (zero padding included), rescale and normalise into a CHW float32 slot.
 */
import type { PreprocessSpec, ResizeRule } from './config.ts';

/** A width and a height in pixels. */
export interface Dimensions {
  width: number;
  height: number;
}

/** A rectangle inside an image, in its pixels. */
export interface Region extends Dimensions {
  left: number;
  top: number;
}

/**
 * The size transformers resizes a `width`x`height` image to (`get_resize_output_image_size` with
 * `default_to_square=False`): the short side becomes `shortestEdge`, the long side `int(edge * long / short)`,
 * truncated, not rounded. `null` when the size would not change.
 */
export function resizeTarget(width: number, height: number, rule: ResizeRule): Dimensions | null {
  let target: Dimensions;
  if ('shortestEdge' in rule) {
    const short = Math.min(width, height);
    const long = Math.max(width, height);
    if (short === rule.shortestEdge) return null;
    const newLong = Math.trunc((rule.shortestEdge * long) / short);
    target =
      width <= height ? { width: rule.shortestEdge, height: newLong } : { width: newLong, height: rule.shortestEdge };
  } else {
    target = { width: rule.width, height: rule.height };
  }
  return target.width === width && target.height === height ? null : target;
}

/**
 * Offset of the crop window inside a `from`-long axis for a crop `to` long: `(from - to) // 2` as transformers'
 * `center_crop` computes it. Negative when the image is smaller: those rows or columns are zero padding.
 */
export function cropOffset(from: number, to: number): number {
  return Math.floor((from - to) / 2);
}

/**
 * The part of a `resized` image that a centre crop to `size` keeps: all of it along an axis shorter than the crop.
 */
export function cropRegion(resized: Dimensions, size: number): Region {
  const left = Math.max(0, cropOffset(resized.width, size));
  const top = Math.max(0, cropOffset(resized.height, size));
  return { left, top, width: Math.min(size, resized.width), height: Math.min(size, resized.height) };
}

/**
 * Where a centre crop to `size`x`size` of a `resized` image reads its pixels: crop columns `[x0, x1)` of crop rows
 * `[y0, y1)` come from the image, the rest is transformers' zero padding (the image is narrower or shorter than the
 * crop there). In `src`, holding `held` of the image as packed RGB, crop pixel `(x0, y)` is pixel
 * `first + (y - y0) * stride`. The one geometry {@link writeChw} and {@link writeRgb} both copy by.
 */
export interface CropWindow {
  x0: number;
  x1: number;
  y0: number;
  y1: number;
  /** Index (in pixels, not bytes) in `src` of crop pixel `(x0, y0)`. */
  first: number;
  /** Pixels from one source row to the next: the width of `held`. */
  stride: number;
}

/** Pure: the {@link CropWindow} of a centre crop to `size` of `resized`, read from `held` (all of it by default). */
export function cropWindow(resized: Dimensions, size: number, held?: Region): CropWindow {
  const kept = cropRegion(resized, size);
  // Crop coordinates of the kept part's top-left corner: past the padding, if any.
  const x0 = kept.left - cropOffset(resized.width, size);
  const y0 = kept.top - cropOffset(resized.height, size);
  const from = held ?? { left: 0, top: 0, width: resized.width, height: resized.height };
  return {
    x0,
    x1: x0 + kept.width,
    y0,
    y1: y0 + kept.height,
    first: (kept.top - from.top) * from.width + kept.left - from.left,
    stride: from.width,
  };
}

/**
 * One lookup table per channel from a 0..255 value to the model's input, in float32 the way transformers' golden
 * pixels were computed: rescale folded into the normalisation, `(v - mean / rescale) / (std / rescale)` (the
 * unfused `(v * rescale - mean) / std` is off by an ulp in most entries).
 */
export function normalisationTables(spec: Pick<PreprocessSpec, 'rescaleFactor' | 'mean' | 'std'>): Float32Array[] {
  const { mean, std } = normalisationConstants(spec);
  return [0, 1, 2].map((c) => {
    const table = new Float32Array(256);
    for (let v = 0; v < 256; v++) table[v] = Math.fround(v - (mean[c] as number)) / (std[c] as number);
    return table;
  });
}

/**
 * The per-channel float32 mean and std on the 0..255 scale (rescale folded in): a pixel's model input is
 * `(v - mean) / std`, two float32 operations, whether {@link normalisationTables} or a graph computes it.
 */
export function normalisationConstants(spec: Pick<PreprocessSpec, 'rescaleFactor' | 'mean' | 'std'>): {
  mean: Float32Array;
  std: Float32Array;
} {
  const unscale = Math.fround(1 / spec.rescaleFactor);
  const scaled = (values: readonly number[], fallback: number) =>
    Float32Array.from([0, 1, 2], (c) => Math.fround(Math.fround(values[c] ?? fallback) * unscale));
  return { mean: scaled(spec.mean, 0), std: scaled(spec.std, 1) };
}

/**
 * Centre-crops like {@link writeChw} but writes the crop as packed 8-bit RGB (HWC, `3*size*size` bytes) at
 * `out[offset]`: what a graph that normalises inside takes. Padding is the value 0, as transformers pads.
 */
export function writeRgb(
  src: Uint8Array,
  resized: Dimensions,
  size: number,
  out: Uint8Array,
  offset: number,
  held?: Region,
): void {
  const { x0, x1, y0, y1, first, stride } = cropWindow(resized, size, held);
  // The common case (an image at least as large as the crop, libvips having cut the crop out) is one copy.
  if (x0 === 0 && x1 === size && y0 === 0 && y1 === size && stride === size) {
    out.set(src.subarray(3 * first, 3 * (first + size * size)), offset);
    return;
  }
  for (let y = 0; y < size; y++) {
    const row = offset + 3 * y * size;
    if (y < y0 || y >= y1) {
      out.fill(0, row, row + 3 * size);
      continue;
    }
    out.fill(0, row, row + 3 * x0);
    out.fill(0, row + 3 * x1, row + 3 * size);
    const p = (first + (y - y0) * stride) * 3;
    out.set(src.subarray(p, p + 3 * (x1 - x0)), row + 3 * x0);
  }
}

/**
 * Centre-crops a `resized` RGB image to `size`x`size` ({@link cropWindow}), normalises it with `tables` and writes it
 * as CHW float32 at `out[offset .. offset + 3*size*size)`. `src` holds `held` of the image as packed RGB (3 bytes per
 * pixel): all of it by default, at least {@link cropRegion} of it. Pixels outside the image are transformers' zero
 * padding (the value 0 before normalisation).
 */
export function writeChw(
  src: Uint8Array,
  resized: Dimensions,
  size: number,
  tables: Float32Array[],
  out: Float32Array,
  offset: number,
  held?: Region,
): void {
  const { x0, x1, y0, y1, first, stride } = cropWindow(resized, size, held);
  const plane = size * size;
  const [r, g, b] = tables as [Float32Array, Float32Array, Float32Array];
  // One sequential read of each source row feeds all three planes: this loop runs for every pixel of every image
  // on the main thread, so it has no branch and no table lookup per channel beyond the one it needs.
  for (let y = 0; y < size; y++) {
    const row = offset + y * size;
    if (y < y0 || y >= y1) {
      for (let c = 0; c < 3; c++) {
        const pad = (tables[c] as Float32Array)[0] as number;
        out.fill(pad, row + c * plane, row + c * plane + size);
      }
      continue;
    }
    if (x0 > 0 || x1 < size) {
      for (let c = 0; c < 3; c++) {
        const pad = (tables[c] as Float32Array)[0] as number;
        out.fill(pad, row + c * plane, row + c * plane + x0);
        out.fill(pad, row + c * plane + x1, row + c * plane + size);
      }
    }
    let p = (first + (y - y0) * stride) * 3;
    for (let x = x0, o = row + x0; x < x1; x++, o++, p += 3) {
      out[o] = r[src[p] as number] as number;
      out[o + plane] = g[src[p + 1] as number] as number;
      out[o + 2 * plane] = b[src[p + 2] as number] as number;
    }
  }
}
