import { describe, expect, it } from 'vitest';
import {
  cropOffset,
  cropRegion,
  cropWindow,
  normalisationTables,
  resizeTarget,
  writeChw,
  writeRgb,
} from './preprocess.ts';

describe('resizeTarget', () => {
  it('sets the short side and truncates the long side like transformers', () => {
    // int(224 * 660 / 550) = 268.8 -> 268, not rounded to 269
    expect(resizeTarget(550, 660, { shortestEdge: 224 })).toEqual({ width: 224, height: 268 });
    expect(resizeTarget(660, 550, { shortestEdge: 224 })).toEqual({ width: 268, height: 224 });
    expect(resizeTarget(200, 700, { shortestEdge: 224 })).toEqual({ width: 224, height: 784 });
    expect(resizeTarget(512, 512, { shortestEdge: 224 })).toEqual({ width: 224, height: 224 });
  });

  it('keeps an image whose short side already fits', () => {
    expect(resizeTarget(224, 300, { shortestEdge: 224 })).toBeNull();
    expect(resizeTarget(64, 64, { width: 64, height: 64 })).toBeNull();
  });

  it('resizes to an exact size when the rule gives one', () => {
    expect(resizeTarget(300, 100, { width: 64, height: 64 })).toEqual({ width: 64, height: 64 });
  });
});

describe('cropOffset', () => {
  it('floors like Python // in both directions', () => {
    expect(cropOffset(268, 224)).toBe(22);
    expect(cropOffset(269, 224)).toBe(22);
    expect(cropOffset(5, 8)).toBe(-2);
    expect(cropOffset(4, 8)).toBe(-2);
  });
});

describe('cropRegion', () => {
  it('is the centre crop inside the image, and the whole axis where the image is shorter', () => {
    expect(cropRegion({ width: 583, height: 224 }, 224)).toEqual({ left: 179, top: 0, width: 224, height: 224 });
    expect(cropRegion({ width: 224, height: 784 }, 224)).toEqual({ left: 0, top: 280, width: 224, height: 224 });
    expect(cropRegion({ width: 5, height: 12 }, 8)).toEqual({ left: 0, top: 2, width: 5, height: 8 });
  });
});

describe('cropWindow', () => {
  it('names the copied columns and rows, and where the first copied pixel is in what src holds', () => {
    // Larger: columns 1..4 of a 7-wide image, no padding.
    expect(cropWindow({ width: 7, height: 5 }, 4)).toEqual({ x0: 0, x1: 4, y0: 0, y1: 4, first: 1, stride: 7 });
    // The same crop read from the region libvips cut out: contiguous.
    const held = cropRegion({ width: 7, height: 5 }, 4);
    expect(cropWindow({ width: 7, height: 5 }, 4, held)).toEqual({ x0: 0, x1: 4, y0: 0, y1: 4, first: 0, stride: 4 });
    // Smaller both ways: one column and one row of padding before the image ((2 - 4) // 2 = -1, (3 - 4) // 2 = -1).
    expect(cropWindow({ width: 2, height: 3 }, 4)).toEqual({ x0: 1, x1: 3, y0: 1, y1: 4, first: 0, stride: 2 });
    // Wider and shorter: a centre column range, padding rows above and below.
    expect(cropWindow({ width: 6, height: 2 }, 4)).toEqual({ x0: 0, x1: 4, y0: 1, y1: 3, first: 1, stride: 6 });
  });

  it("maps every copied crop pixel to the image pixel transformers' center_crop takes, from any held region", () => {
    for (let width = 1; width <= 9; width++)
      for (let height = 1; height <= 9; height++)
        for (let size = 1; size <= 6; size++) {
          const left = cropOffset(width, size);
          const top = cropOffset(height, size);
          for (const held of [{ left: 0, top: 0, width, height }, cropRegion({ width, height }, size)]) {
            const w = cropWindow({ width, height }, size, held);
            const at = `${width}x${height} -> ${size}, held ${JSON.stringify(held)}`;
            expect([w.x0, w.x1, w.y0, w.y1], at).toEqual([
              Math.max(0, -left),
              Math.min(size, width - left),
              Math.max(0, -top),
              Math.min(size, height - top),
            ]);
            for (let y = w.y0; y < w.y1; y++)
              for (let x = w.x0; x < w.x1; x++) {
                const image = { x: x + left, y: y + top };
                expect(w.first + (y - w.y0) * w.stride + (x - w.x0), at).toBe(
                  (image.y - held.top) * held.width + image.x - held.left,
                );
              }
          }
        }
  });
});

describe('normalisationTables', () => {
  it('rescales then normalises per channel in float32', () => {
    const [r, g] = normalisationTables({ rescaleFactor: 1 / 255, mean: [0.5, 0, 0], std: [0.5, 1, 1] });
    expect(r?.[0]).toBe(-1);
    expect(r?.[255]).toBe(1);
    expect(g?.[51]).toBe(Math.fround(0.2));
  });
});

describe('writeChw', () => {
  const identity = normalisationTables({ rescaleFactor: 1, mean: [0, 0, 0], std: [1, 1, 1] });

  it('centre-crops packed RGB into planar channels at the offset', () => {
    // 4x2 image, pixel (x, y) = [10x + y, 100 + 10x + y, 200 + x]
    const src = new Uint8Array(4 * 2 * 3);
    for (let y = 0; y < 2; y++)
      for (let x = 0; x < 4; x++) src.set([10 * x + y, 100 + 10 * x + y, 200 + x], (y * 4 + x) * 3);
    const out = new Float32Array(1 + 3 * 4).fill(-7);
    writeChw(src, { width: 4, height: 2 }, 2, identity, out, 1);
    expect(Array.from(out)).toEqual([-7, 10, 20, 11, 21, 110, 120, 111, 121, 201, 202, 201, 202]);
  });

  it('reads the crop from pixels that hold only a region of the image', () => {
    // 6x3 image, pixel (x, y) = 10x + y in every channel; crop 2 is x 2..3, y 0..1. `src` holds x 1..4, y 0..2.
    const held = { left: 1, top: 0, width: 4, height: 3 };
    const src = new Uint8Array(4 * 3 * 3);
    for (let y = 0; y < 3; y++)
      for (let x = 0; x < 4; x++) src.fill(10 * (x + 1) + y, (y * 4 + x) * 3, (y * 4 + x) * 3 + 3);
    const out = new Float32Array(3 * 4);
    writeChw(src, { width: 6, height: 3 }, 2, identity, out, 0, held);
    expect(Array.from(out.subarray(0, 4))).toEqual([20, 30, 21, 31]);
  });

  it('pads a smaller image with zeros around it, as transformers does', () => {
    const src = new Uint8Array([9, 9, 9]);
    const out = new Float32Array(3 * 9).fill(-7);
    writeChw(src, { width: 1, height: 1 }, 3, identity, out, 0);
    expect(Array.from(out.subarray(0, 9))).toEqual([0, 0, 0, 0, 9, 0, 0, 0, 0]);
    expect(out.includes(-7)).toBe(false);
  });
});

describe('writeRgb', () => {
  const spec = {
    rescaleFactor: 1 / 255,
    mean: [0.5, 0.4, 0.3] as [number, number, number],
    std: [0.2, 0.25, 0.3] as [number, number, number],
  };
  const tables = normalisationTables(spec);
  /** A `width`x`height` image whose every byte differs. */
  const image = (width: number, height: number) => Uint8Array.from({ length: width * height * 3 }, (_, i) => 1 + i);
  /** writeRgb's bytes, normalised with the tables into CHW: must equal writeChw's floats. */
  const viaRgb = (src: Uint8Array, dims: { width: number; height: number }, size: number) => {
    const rgb = new Uint8Array(3 * size * size);
    writeRgb(src, dims, size, rgb, 0);
    const out = new Float32Array(3 * size * size);
    writeChw(rgb, { width: size, height: size }, size, tables, out, 0);
    return out;
  };

  it.each([
    ['larger: a centre crop', 5, 7],
    ['narrower and shorter: zero padding all round', 2, 3],
    ['wider, shorter', 6, 2],
    ['exactly the crop', 4, 4],
  ])('%s matches writeChw', (_, width, height) => {
    const src = image(width, height);
    const chw = new Float32Array(3 * 16);
    writeChw(src, { width, height }, 4, tables, chw, 0);
    expect(Array.from(viaRgb(src, { width, height }, 4))).toEqual(Array.from(chw));
  });

  it('reads a held region (the crop libvips cut out) as writeChw does', () => {
    const full = image(6, 6);
    const held = cropRegion({ width: 6, height: 6 }, 4);
    const crop = new Uint8Array(3 * 16);
    for (let y = 0; y < 4; y++)
      crop.set(full.subarray(((y + held.top) * 6 + held.left) * 3, ((y + held.top) * 6 + held.left + 4) * 3), y * 12);
    const out = new Uint8Array(3 * 16 + 5);
    writeRgb(crop, { width: 6, height: 6 }, 4, out, 5, held);
    const direct = new Uint8Array(3 * 16);
    writeRgb(full, { width: 6, height: 6 }, 4, direct, 0);
    expect(Array.from(out.subarray(5))).toEqual(Array.from(direct));
  });
});
