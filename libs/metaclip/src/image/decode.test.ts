import { describe, expect, it } from 'vitest';
import { extractFor, pilFilterFor } from './decode.ts';

describe('pilFilterFor', () => {
  it("resamples enlargements with PIL's filter, along either axis", () => {
    expect(pilFilterFor('cubic', { width: 200, height: 200 }, { width: 224, height: 224 })).toBe('bicubic');
    expect(pilFilterFor('linear', { width: 4000, height: 100 }, { width: 224, height: 224 })).toBe('bilinear');
    expect(pilFilterFor('lanczos3', { width: 100, height: 300 }, { width: 224, height: 672 })).toBe('lanczos');
  });

  it('leaves shrinks, and kernels without a PIL twin, to libvips', () => {
    expect(pilFilterFor('cubic', { width: 512, height: 512 }, { width: 224, height: 224 })).toBeNull();
    expect(pilFilterFor('nearest', { width: 100, height: 100 }, { width: 224, height: 224 })).toBeNull();
    expect(pilFilterFor('mitchell', { width: 100, height: 100 }, { width: 224, height: 224 })).toBeNull();
  });
});

describe('extractFor', () => {
  const resized = { width: 298, height: 224 };
  const crop = { left: 37, top: 0, width: 224, height: 224 };

  it('cuts the centre crop out in libvips when it is smaller than the resized image', () => {
    expect(extractFor('exact', false, resized, crop)).toEqual(crop);
    expect(extractFor('fast', false, resized, crop)).toEqual(crop);
    expect(extractFor('exact', false, { width: 224, height: 224 }, { left: 0, top: 0, width: 224, height: 224 })).toBe(
      null,
    );
    expect(extractFor('exact', false, resized, undefined)).toBeNull();
  });

  it('always extracts from an EXIF-oriented image when exact (sharp then orients before resizing), never when fast', () => {
    expect(extractFor('exact', true, resized, crop)).toEqual(crop);
    expect(extractFor('exact', true, resized, undefined)).toEqual({ left: 0, top: 0, ...resized });
    expect(extractFor('fast', true, resized, crop)).toBeNull();
  });
});
