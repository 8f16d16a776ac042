/**
 * Only bad bytes become `ImageInputError`s (error rows); a fault in our own code must surface as itself, so the shard
 * fails and is retried instead of recording a good image as CORRUPT. Our PIL resampler is replaced by one that
 * throws, standing in for a bug in it.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, inject, it, vi } from 'vitest';
import { ImageInputError } from '../errors.ts';
import { decodeImage } from './decode.ts';
import { DEFAULT_IMAGE_LIMITS } from './limits.ts';

vi.mock('./pil-resample.ts', () => ({
  pilResize: () => {
    throw new TypeError('a bug in the resampler');
  },
}));

const IMAGES = inject('sharedFixtures').images;
const opts = {
  limits: DEFAULT_IMAGE_LIMITS,
  kernel: 'cubic' as const,
  target: () => ({ width: 224, height: 224 }),
  crop: 224,
};

describe('decodeImage errors', () => {
  it('lets a fault of our resampler through as itself, not as a bad image', async () => {
    // 200x200 -> 224x224 is an enlargement, which our PIL resampler computes.
    const bytes = await readFile(path.join(IMAGES, 'chessboard_RGB.jpg'));
    const error = await decodeImage(bytes, opts).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TypeError);
    expect(error).not.toBeInstanceOf(ImageInputError);
  });

  it('still turns damaged bytes into an ImageInputError with its reason', async () => {
    const bytes = await readFile(path.join(IMAGES, 'astronaut.jpg'));
    const error = await decodeImage(bytes.subarray(0, bytes.length / 2), opts).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ImageInputError);
    expect((error as ImageInputError).reason).toBe('TRUNCATED');
  });
});
