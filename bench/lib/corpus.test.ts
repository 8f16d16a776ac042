import { describe, expect, it } from 'vitest';
import { corpusSpec } from './corpus';

const SOURCES = [
  { width: 512, height: 512 },
  { width: 1200, height: 1200 },
  { width: 741, height: 500 },
];

describe('corpusSpec', () => {
  it('is the same for the same seed and sources, and different for another seed', () => {
    expect(corpusSpec('web', SOURCES, 40, 1)).toEqual(corpusSpec('web', SOURCES, 40, 1));
    expect(corpusSpec('photos', SOURCES, 10, 1)).toEqual(corpusSpec('photos', SOURCES, 10, 1));
    expect(corpusSpec('web', SOURCES, 40, 2)).not.toEqual(corpusSpec('web', SOURCES, 40, 1));
  });

  it('grows by appending: the first images do not change with the count', () => {
    expect(corpusSpec('web', SOURCES, 60).slice(0, 20)).toEqual(corpusSpec('web', SOURCES, 20));
  });

  it('makes web images like img2dataset leaves them', () => {
    const spec = corpusSpec('web', SOURCES, 200);
    for (const img of spec) {
      expect(img.format).toBe('jpeg');
      expect(Math.min(img.width, img.height)).toBeGreaterThanOrEqual(256);
      expect(Math.min(img.width, img.height)).toBeLessThanOrEqual(512);
      expect(img.quality).toBeGreaterThanOrEqual(85);
      expect(img.quality).toBeLessThanOrEqual(95);
      expect(img.orientation).toBe(1);
    }
    const progressive = spec.filter((s) => s.progressive).length / spec.length;
    expect(progressive).toBeGreaterThan(0.1);
    expect(progressive).toBeLessThan(0.35);
    expect(new Set(spec.map((s) => s.file)).size).toBe(spec.length);
  });

  it('makes camera photos of 8-12 Mpx with orientations, progressive scans and a few PNG and WebP', () => {
    const spec = corpusSpec('photos', SOURCES, 100);
    for (const img of spec) {
      const mpx = (img.width * img.height) / 1e6;
      expect(mpx).toBeGreaterThanOrEqual(7.9);
      expect(mpx).toBeLessThanOrEqual(12.1);
      expect(img.file.endsWith(img.format === 'jpeg' ? '.jpg' : `.${img.format}`)).toBe(true);
    }
    const formats = new Set(spec.map((s) => s.format));
    expect(formats).toEqual(new Set(['jpeg', 'png', 'webp']));
    expect(spec.filter((s) => s.format === 'jpeg').length).toBeGreaterThan(60);
    expect(new Set(spec.map((s) => s.orientation))).toEqual(new Set([1, 3, 6, 8]));
    expect(spec.some((s) => s.progressive)).toBe(true);
  });

  it('tiles cover the image exactly, with crops inside their sources and at most a 2x upscale where it fits', () => {
    for (const img of [...corpusSpec('web', SOURCES, 30), ...corpusSpec('photos', SOURCES, 5)]) {
      const area = img.tiles.reduce((sum, t) => sum + t.at.width * t.at.height, 0);
      expect(area).toBe(img.width * img.height);
      for (const t of img.tiles) {
        const src = SOURCES[t.source];
        if (!src) throw new Error(`tile source ${t.source} out of range`);
        expect(t.crop.left + t.crop.width).toBeLessThanOrEqual(src.width);
        expect(t.crop.top + t.crop.height).toBeLessThanOrEqual(src.height);
        expect(t.at.left + t.at.width).toBeLessThanOrEqual(img.width);
        expect(t.at.top + t.at.height).toBeLessThanOrEqual(img.height);
      }
    }
    // Camera photos: every tile is small enough for its crop to stay within 2x of the source's pixels.
    for (const t of corpusSpec('photos', [{ width: 1200, height: 1200 }], 5).flatMap((s) => s.tiles)) {
      expect(t.at.width / t.crop.width).toBeLessThanOrEqual(2.01);
    }
  });

  it('says what is wrong with no sources or no images', () => {
    expect(() => corpusSpec('web', [], 4)).toThrow(/no source images/);
    expect(() => corpusSpec('photos', SOURCES, 0)).toThrow(/count must be >= 1/);
  });
});
