/**
 * The arithmetic of CLIPImageProcessor, as pure functions: transformers' output size of a shortest-edge resize,
 * its centre crop (zero padding included), rescale and normalise into a CHW float32 slot.
 */
import type { PreprocessSpec, ResizeRule } from './config';

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
  const unscale = Math.fround(1 / spec.rescaleFactor);
  return [0, 1, 2].map((c) => {
    const mean = Math.fround(Math.fround(spec.mean[c] ?? 0) * unscale);
    const std = Math.fround(Math.fround(spec.std[c] ?? 1) * unscale);
    const table = new Float32Array(256);
    for (let v = 0; v < 256; v++) table[v] = Math.fround(v - mean) / std;
    return table;
  });
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
  for (let c = 0; c < 3; c++) {
    const table = tables[c] as Float32Array;
    const pad = table[0] as number;
    const base = offset + c * plane;
    for (let y = 0; y < size; y++) {
      const sy = y + top;
      const row = base + y * size;
      if (sy < 0 || sy >= height) {
        out.fill(pad, row, row + size);
        continue;
      }
      const srcRow = (sy - held.top) * held.width - held.left;
      for (let x = 0; x < size; x++) {
        const sx = x + left;
        out[row + x] = sx < 0 || sx >= width ? pad : (table[src[(srcRow + sx) * 3 + c] as number] as number);
      }
    }
  }
}
