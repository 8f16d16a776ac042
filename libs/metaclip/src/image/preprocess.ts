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
  { width, height }: Dimensions,
  size: number,
  out: Uint8Array,
  offset: number,
  held: Region = { left: 0, top: 0, width, height },
): void {
  const top = cropOffset(height, size);
  const left = cropOffset(width, size);
  const x0 = Math.max(0, -left);
  const x1 = Math.min(size, width - left);
  // The common case (an image at least as large as the crop, libvips having cut the crop out) is one copy.
  if (x0 === 0 && x1 === size && top >= 0 && top + size <= height && held.width === size && held.height === size) {
    out.set(src.subarray(0, 3 * size * size), offset);
    return;
  }
  for (let y = 0; y < size; y++) {
    const sy = y + top;
    const row = offset + 3 * y * size;
    if (sy < 0 || sy >= height) {
      out.fill(0, row, row + 3 * size);
      continue;
    }
    out.fill(0, row, row + 3 * x0);
    out.fill(0, row + 3 * x1, row + 3 * size);
    const p = ((sy - held.top) * held.width - held.left + x0 + left) * 3;
    out.set(src.subarray(p, p + 3 * (x1 - x0)), row + 3 * x0);
  }
}

/**
 * Centre-crops a `width`x`height` RGB image to `size`x`size`, normalises it with `tables` and writes it as CHW
 * float32 at `out[offset .. offset + 3*size*size)`. `src` holds `held` of the image as packed RGB (3 bytes per
 * pixel): all of it by default, at least {@link cropRegion} of it. Pixels outside the image are transformers' zero
 * padding (the value 0 before normalisation).
 */
export function writeChw(
  src: Uint8Array,
  { width, height }: Dimensions,
  size: number,
  tables: Float32Array[],
  out: Float32Array,
  offset: number,
  held: Region = { left: 0, top: 0, width, height },
): void {
  const top = cropOffset(height, size);
  const left = cropOffset(width, size);
  const plane = size * size;
  const [r, g, b] = tables as [Float32Array, Float32Array, Float32Array];
  // Columns of the crop inside the image; the rest (when the image is narrower) is padding.
  const x0 = Math.max(0, -left);
  const x1 = Math.min(size, width - left);
  // One sequential read of each source row feeds all three planes: this loop runs for every pixel of every image
  // on the main thread, so it has no branch and no table lookup per channel beyond the one it needs.
  for (let y = 0; y < size; y++) {
    const sy = y + top;
    const row = offset + y * size;
    if (sy < 0 || sy >= height) {
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
    let p = ((sy - held.top) * held.width - held.left + x0 + left) * 3;
    for (let x = x0, o = row + x0; x < x1; x++, o++, p += 3) {
      out[o] = r[src[p] as number] as number;
      out[o + plane] = g[src[p + 1] as number] as number;
      out[o + 2 * plane] = b[src[p + 2] as number] as number;
    }
  }
}
