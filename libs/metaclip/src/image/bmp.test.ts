import { readFileSync } from 'node:fs';
import path from 'node:path';
import decodeBmp from 'decode-bmp';
import { describe, expect, inject, it } from 'vitest';
import { ImageInputError } from '../errors.ts';
import { decodeBmpToRgb, readBmpHeader } from './bmp.ts';

/** A 24-bit uncompressed BMP of `rgb` (rows top to bottom), stored bottom-up or top-down. */
function encodeBmp(rgb: number[], width: number, height: number, topDown = false): Buffer {
  const stride = Math.ceil((width * 3) / 4) * 4;
  const buf = Buffer.alloc(54 + stride * height);
  buf.write('BM', 0, 'latin1');
  buf.writeUInt32LE(buf.length, 2);
  buf.writeUInt32LE(54, 10);
  buf.writeUInt32LE(40, 14);
  buf.writeInt32LE(width, 18);
  buf.writeInt32LE(topDown ? -height : height, 22);
  buf.writeUInt16LE(1, 26);
  buf.writeUInt16LE(24, 28);
  for (let y = 0; y < height; y++) {
    const row = 54 + (topDown ? y : height - 1 - y) * stride;
    for (let x = 0; x < width; x++) {
      const [r, g, b] = rgb.slice((y * width + x) * 3, (y * width + x) * 3 + 3);
      buf.set([b ?? 0, g ?? 0, r ?? 0], row + x * 3);
    }
  }
  return buf;
}

const reasonOf = (fn: () => unknown): string | undefined => {
  try {
    fn();
  } catch (err) {
    return err instanceof ImageInputError ? err.reason : `not an ImageInputError: ${String(err)}`;
  }
  return undefined;
};

// 3x2, top row red green blue, bottom row white black grey
const PIXELS = [255, 0, 0, 0, 255, 0, 0, 0, 255, 255, 255, 255, 0, 0, 0, 128, 128, 128];

describe('decodeBmpToRgb', () => {
  it('decodes bottom-up and top-down BMPs to the same top-to-bottom RGB', () => {
    for (const topDown of [false, true]) {
      const image = decodeBmpToRgb(encodeBmp(PIXELS, 3, 2, topDown), 1e6);
      expect({ width: image.width, height: image.height }).toEqual({ width: 3, height: 2 });
      expect(Array.from(image.data), `topDown=${topDown}`).toEqual(PIXELS);
    }
  });

  it('refuses a header that declares too many pixels before allocating them', () => {
    const bomb = encodeBmp(PIXELS, 3, 2);
    bomb.writeInt32LE(30000, 18);
    bomb.writeInt32LE(30000, 22);
    expect(reasonOf(() => decodeBmpToRgb(bomb, 100_000_000))).toBe('TOO_MANY_PIXELS');
  });

  it('reports truncated pixel data and a truncated header', () => {
    const bmp = encodeBmp(PIXELS, 3, 2);
    expect(reasonOf(() => decodeBmpToRgb(bmp.subarray(0, bmp.length - 5), 1e6))).toBe('TRUNCATED');
    expect(reasonOf(() => decodeBmpToRgb(bmp.subarray(0, 30), 1e6))).toBe('TRUNCATED');
  });

  it('refuses layouts decode-bmp would misread', () => {
    const rle = encodeBmp(PIXELS, 3, 2);
    rle.writeUInt32LE(1, 30);
    expect(reasonOf(() => readBmpHeader(rle, 1e6))).toBe('UNSUPPORTED_FORMAT');
    const gap = encodeBmp(PIXELS, 3, 2);
    gap.writeUInt32LE(66, 10);
    expect(reasonOf(() => readBmpHeader(gap, 1e6))).toBe('UNSUPPORTED_FORMAT');
    const sixteen = encodeBmp(PIXELS, 3, 2);
    sixteen.writeUInt16LE(16, 28);
    expect(reasonOf(() => decodeBmpToRgb(sixteen, 1e6))).toBe('UNSUPPORTED_FORMAT');
    const empty = encodeBmp(PIXELS, 3, 2);
    empty.writeInt32LE(0, 18);
    expect(reasonOf(() => readBmpHeader(empty, 1e6))).toBe('CORRUPT');
  });
});

describe('decodeBmpToRgb on true colour', () => {
  const IMAGES = inject('sharedFixtures').images;

  /** decode-bmp's reading of a bottom-up BMP, as packed RGB: the reference the fast path must equal. */
  const reference = (buf: Buffer): number[] => {
    const { data } = decodeBmp(buf);
    return Array.from(data).filter((_, i) => i % 4 !== 3);
  };

  it('unpacks the fixture photograph exactly as decode-bmp does', () => {
    const bmp = readFileSync(path.join(IMAGES, 'astronaut.bmp'));
    const image = decodeBmpToRgb(bmp, 1e8);
    expect({ width: image.width, height: image.height }).toEqual({ width: 512, height: 512 });
    expect(Buffer.compare(image.data, Buffer.from(reference(bmp)))).toBe(0);
  });

  it('drops the fourth byte of 32-bit pixels, like decode-bmp', () => {
    const bmp = Buffer.alloc(54 + 3 * 2 * 4);
    bmp.write('BM', 0, 'latin1');
    bmp.writeUInt32LE(54, 10);
    bmp.writeUInt32LE(40, 14);
    bmp.writeInt32LE(3, 18);
    bmp.writeInt32LE(2, 22);
    bmp.writeUInt16LE(1, 26);
    bmp.writeUInt16LE(32, 28);
    for (let i = 54; i < bmp.length; i++) bmp[i] = (i * 37) % 256;
    expect(Array.from(decodeBmpToRgb(bmp, 1e6).data)).toEqual(reference(bmp));
  });
});
