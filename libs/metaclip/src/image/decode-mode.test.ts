/**
 * `--decode fast` against `exact` on every fixture photo: how far its pixels and the tiny model's embeddings move.
 * The bounds are the documented price of fast decoding (docs/benchmarks.md); exact stays bit-identical to
 * transformers' goldens (processor.test.ts).
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { loadModel } from '../model/load.ts';
import type { MetaClipModel } from '../model/metaclip-model.ts';
import { cosine } from '../similarity.ts';
import { ImageProcessor } from './processor.ts';

const { tinyClip: TINY_CLIP, images: IMAGES } = inject('sharedFixtures');

/** Mean absolute difference of two normalised slots, in 0..255 levels of the source pixels. */
function levelMae(a: Float32Array, b: Float32Array, std: readonly number[]): number {
  const plane = a.length / 3;
  let sum = 0;
  for (let i = 0; i < a.length; i++) {
    sum += Math.abs((a[i] as number) - (b[i] as number)) * (std[Math.floor(i / plane)] as number) * 255;
  }
  return sum / a.length;
}

let model: MetaClipModel;
let fast: ImageProcessor;
beforeAll(async () => {
  model = await loadModel(TINY_CLIP, { intraOpThreads: 1 });
  fast = await ImageProcessor.fromDir(TINY_CLIP, { decode: 'fast' });
});
afterAll(async () => {
  await model.dispose();
});

describe('decode modes', () => {
  it('decodes exactly unless told otherwise', () => {
    expect(model.processor.decode).toBe('exact');
    expect(fast.decode).toBe('fast');
  });

  it('fast stays within a few levels of exact, and the embeddings within cosine 0.985', async () => {
    const files = (await readdir(IMAGES)).filter((f) => /\.(jpe?g|png|webp|gif|bmp)$/i.test(f)).sort();
    const exactSlot = new Float32Array(model.processor.floatsPerImage);
    const fastSlot = new Float32Array(model.processor.floatsPerImage);
    const maes: Record<string, number> = {};
    const cosines: Record<string, number> = {};
    for (const file of files) {
      const bytes = await readFile(path.join(IMAGES, file));
      await model.processor.preprocess(bytes, exactSlot, 0);
      await fast.preprocess(bytes, fastSlot, 0);
      maes[file] = levelMae(exactSlot, fastSlot, model.processor.spec.std);
      cosines[file] = cosine(await model.embedPixels(exactSlot, 1), await model.embedPixels(fastSlot, 1));
    }
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    // Measured on these fixtures: mean 1.6 levels, worst 10.3 (a 384x191 JPEG enlarged by libvips instead of PIL);
    // cosine mean 0.998, worst 0.990 (a 200x200 chessboard, all edges).
    expect(mean(Object.values(maes))).toBeLessThan(3);
    expect(Math.max(...Object.values(maes))).toBeLessThan(12);
    expect(mean(Object.values(cosines))).toBeGreaterThan(0.997);
    expect(Math.min(...Object.values(cosines))).toBeGreaterThan(0.985);
    // It is a different decoder where it pays: WebP shrink-on-load and libvips enlargements.
    expect(maes['retina.webp']).toBeGreaterThan(0);
    expect(maes['page.jpg']).toBeGreaterThan(0);
  });

  it('fast turns an EXIF-oriented photo after resizing it, still upright and within the same bound', async () => {
    const cell = await readFile(path.join(IMAGES, 'cell.jpg'));
    const tagged = await sharp(cell).rotate(-90).withMetadata({ orientation: 6 }).jpeg({ quality: 100 }).toBuffer();
    const exactSlot = new Float32Array(model.processor.floatsPerImage);
    const fastSlot = new Float32Array(model.processor.floatsPerImage);
    await model.processor.preprocess(tagged, exactSlot, 0);
    const size = await fast.preprocess(tagged, fastSlot, 0);
    expect(size).toEqual({ width: 550, height: 660 });
    // Turned the wrong way it would be tens of levels off.
    expect(levelMae(exactSlot, fastSlot, model.processor.spec.std)).toBeLessThan(3);
  });
});
