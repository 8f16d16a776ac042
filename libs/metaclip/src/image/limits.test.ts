import { describe, expect, it } from 'vitest';
import { DEFAULT_IMAGE_LIMITS, resolveImageLimits } from './limits.ts';

describe('resolveImageLimits', () => {
  it('fills unset limits with the defaults', () => {
    expect(resolveImageLimits()).toEqual(DEFAULT_IMAGE_LIMITS);
    expect(resolveImageLimits({ maxPixels: 10 })).toEqual({ ...DEFAULT_IMAGE_LIMITS, maxPixels: 10 });
  });

  it.each([{ maxPixels: 0 }, { maxBytes: -1 }, { timeoutSeconds: 0.5 }, { maxBytes: Number.NaN }])(
    'rejects %j',
    (limits) => {
      expect(() => resolveImageLimits(limits)).toThrow(RangeError);
    },
  );
});
