import { describe, expect, it } from 'vitest';
import { pilFilterFor } from './decode.ts';

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
