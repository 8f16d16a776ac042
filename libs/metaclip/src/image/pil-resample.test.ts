import { readFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { describe, expect, inject, it } from 'vitest';
import { parsePreprocessorConfig } from './config.ts';
import { axisCoefficients, pilResize } from './pil-resample.ts';
import { cropRegion, normalisationTables, resizeTarget, writeChw } from './preprocess.ts';

const { tinyClip, images, golden: goldenDir } = inject('sharedFixtures');

/** A 1-row RGB image whose three channels all follow `levels`. */
const greyRow = (levels: number[]) => Uint8Array.from(levels.flatMap((v) => [v, v, v]));
/** The red channel of packed RGB. */
const reds = (rgb: Uint8Array) => Array.from(rgb.filter((_, i) => i % 3 === 0));
/** Deterministic noise, so that every weight of every tap shows in the result. */
const noise = (n: number) => Uint8Array.from({ length: n }, (_, i) => (Math.imul(i + 1, 2654435761) >>> 24) & 0xff);

describe('axisCoefficients', () => {
  it('enlarging 2 -> 4 bilinear: centres at (i + 0.5) / 2, taps clipped at the borders and renormalised', () => {
    // Centres 0.25, 0.75, 1.25, 1.75 in input pixels. Pixel 0 alone is in reach of the first (weight 0.75, which
    // renormalises to 1), 0.75/0.25 and 0.25/0.75 for the middle two, pixel 1 alone for the last. The largest
    // weight, 1, leaves room for 14 fractional bits in 16-bit weights: 1 -> 16384.
    const c = axisCoefficients(2, 4, 'bilinear');
    expect(Array.from(c.first)).toEqual([0, 0, 0, 1]);
    expect(Array.from(c.count)).toEqual([1, 2, 2, 1]);
    expect(c.precision).toBe(14);
    const rows = [0, 1, 2, 3].map((i) => Array.from(c.weights.subarray(i * c.taps, i * c.taps + (c.count[i] ?? 0))));
    expect(rows).toEqual([[16384], [12288, 4096], [4096, 12288], [16384]]);
  });

  it('shrinking 4 -> 2 bilinear: the support widens by the scale', () => {
    // Scale 2: support 2, taps at distance d weigh 1 - |d| / 2. Centre 1 reads pixels 0..2 (0.75, 0.75, 0.25 ->
    // 3/7, 3/7, 1/7), centre 3 reads 1..3. The largest weight 3/7 allows 16 bits: 3/7 -> 28087, 1/7 -> 9362.
    const c = axisCoefficients(4, 2, 'bilinear');
    expect(c.taps).toBe(5);
    expect(Array.from(c.first)).toEqual([0, 1]);
    expect(Array.from(c.count)).toEqual([3, 3]);
    expect(c.precision).toBe(16);
    expect(Array.from(c.weights.subarray(0, 3))).toEqual([28087, 28087, 9362]);
    expect(Array.from(c.weights.subarray(c.taps, c.taps + 3))).toEqual([9362, 28087, 28087]);
  });

  it('takes the precision from the whole axis when asked for part of it', () => {
    // The border weight 1.088 of bicubic 2 -> 4 (see below) caps the axis at 14 bits; the middle two pixels alone
    // (largest weight 0.79) would get 15.
    const part = axisCoefficients(2, 4, 'bicubic', 1, 2);
    expect(part.precision).toBe(14);
    expect(Array.from(part.first)).toEqual([0, 0]);
    const whole = axisCoefficients(2, 4, 'bicubic');
    expect(part.weights).toEqual(whole.weights.subarray(whole.taps, 3 * whole.taps));
  });

  it('refuses a range outside the axis', () => {
    expect(() => axisCoefficients(10, 20, 'bicubic', 15, 6)).toThrow(RangeError);
    expect(() => axisCoefficients(10, 20, 'bicubic', -1, 2)).toThrow(RangeError);
    expect(() => axisCoefficients(10, 20, 'bicubic', 0, 0)).toThrow(RangeError);
  });
});

describe('pilResize', () => {
  it('enlarges a row bilinearly, rounding to nearest', () => {
    // [0, 255] -> 0, 255 * 0.25 = 63.75 -> 64, 255 * 0.75 = 191.25 -> 191, 255.
    const out = pilResize(greyRow([0, 255]), { width: 2, height: 1 }, { width: 4, height: 1 }, 'bilinear');
    expect(Array.from(out)).toEqual(Array.from(greyRow([0, 64, 191, 255])));
  });

  it('enlarges bicubic with renormalised border taps, clipping the overshoot', () => {
    // Bicubic (a = -0.5) weights at centre 0.25: pixel 0 at distance 0.25 -> 0.8671875, pixel 1 at 1.25 ->
    // -0.0703125; normalised by their sum: 1.0882, -0.0882, so 255 overshoots to 277 and clips to 255 (mirrored:
    // -22 clips to 0). Centre 0.75: 0.8671875 and 0.2265625 -> 0.79286, 0.20714: 255 * 0.20714 = 52.8 -> 53.
    const out = pilResize(greyRow([0, 255]), { width: 2, height: 1 }, { width: 4, height: 1 }, 'bicubic');
    expect(reds(out)).toEqual([0, 53, 202, 255]);
    const back = pilResize(greyRow([255, 0]), { width: 2, height: 1 }, { width: 4, height: 1 }, 'bicubic');
    expect(reds(back)).toEqual([255, 202, 53, 0]);
  });

  it('runs the horizontal pass first and rounds it to 8 bits before the vertical one', () => {
    const from = { width: 7, height: 5 };
    const to = { width: 11, height: 9 };
    const src = noise(7 * 5 * 3);
    const across = pilResize(src, from, { width: 11, height: 5 }, 'bicubic');
    expect(pilResize(src, from, to, 'bicubic')).toEqual(pilResize(across, { width: 11, height: 5 }, to, 'bicubic'));
    const down = pilResize(src, from, { width: 7, height: 9 }, 'bicubic');
    // The other order rounds other sums: at least one pixel comes out different.
    expect(pilResize(src, from, to, 'bicubic')).not.toEqual(pilResize(down, { width: 7, height: 9 }, to, 'bicubic'));
  });

  it('computes a region exactly as it is in the whole result, along either axis or both', () => {
    const from = { width: 9, height: 6 };
    const src = noise(9 * 6 * 3);
    for (const to of [
      { width: 23, height: 15 },
      { width: 23, height: 6 },
      { width: 9, height: 15 },
      { width: 9, height: 6 },
    ]) {
      const whole = pilResize(src, from, to, 'bicubic');
      const region = { left: 3, top: 2, width: 5, height: 4 };
      const expected = new Uint8Array(5 * 4 * 3);
      for (let y = 0; y < 4; y++) {
        const start = ((y + 2) * to.width + 3) * 3;
        expected.set(whole.subarray(start, start + 15), y * 15);
      }
      expect(pilResize(src, from, to, 'bicubic', region), `${to.width}x${to.height}`).toEqual(expected);
    }
  });

  it('refuses pixels that do not match their size, and a region outside the result', () => {
    const to = { width: 4, height: 4 };
    expect(() => pilResize(new Uint8Array(11), { width: 2, height: 2 }, to, 'bicubic')).toThrow(RangeError);
    const region = { left: 2, top: 0, width: 3, height: 1 };
    expect(() => pilResize(new Uint8Array(12), { width: 2, height: 2 }, to, 'bicubic', region)).toThrow(RangeError);
  });

  it.each(['astronaut.jpg', 'brick.png', 'camera.webp', 'cell.jpg'])(
    "reproduces transformers' golden pixel_values of %s bit for bit",
    async (name) => {
      // These are shrinks, which the processor leaves to libvips (within ~0.003); the resampler itself is exact.
      const spec = parsePreprocessorConfig(
        JSON.parse(await readFile(path.join(tinyClip, 'preprocessor_config.json'), 'utf8')),
      );
      const { data, info } = await sharp(path.join(images, name), { ignoreIcc: true })
        .toColourspace('srgb')
        .raw()
        .toBuffer({ resolveWithObject: true });
      const from = { width: info.width, height: info.height };
      const to = resizeTarget(from.width, from.height, { shortestEdge: spec.size }) ?? from;
      const region = cropRegion(to, spec.size);
      const out = new Float32Array(3 * spec.size * spec.size);
      writeChw(pilResize(data, from, to, 'bicubic', region), to, spec.size, normalisationTables(spec), out, 0, region);
      const npy = await readFile(path.join(goldenDir, 'pixels', `${name}.npy`));
      const golden = npy.subarray(10 + npy.readUInt16LE(8));
      expect(golden.length).toBe(out.byteLength);
      expect(Buffer.from(out.buffer).equals(golden)).toBe(true);
    },
  );
});
