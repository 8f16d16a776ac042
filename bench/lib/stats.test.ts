import { describe, expect, it } from 'vitest';
import { downsample, rate, ratio, rssTrend, summarize } from './stats';

describe('summarize', () => {
  it('gives min, median and max of odd and even counts', () => {
    expect(summarize([3, 1, 2])).toEqual({ min: 1, median: 2, max: 3, n: 3 });
    expect(summarize([4, 1, 3, 2])).toEqual({ min: 1, median: 2.5, max: 4, n: 4 });
  });

  it('refuses an empty or non-finite set instead of reporting zero', () => {
    expect(() => summarize([])).toThrow(RangeError);
    expect(() => summarize([1, Number.NaN])).toThrow(RangeError);
    expect(() => summarize([Number.POSITIVE_INFINITY])).toThrow(RangeError);
  });
});

describe('rate and ratio', () => {
  it('turns a count and milliseconds into items per second', () => {
    expect(rate(50, 2000)).toBe(25);
    expect(() => rate(1, 0)).toThrow(RangeError);
  });

  it('divides medians and is null when a side is missing', () => {
    const a = summarize([9, 10, 11]);
    const b = summarize([4, 5, 6]);
    expect(ratio(a, b)).toBe(2);
    expect(ratio(a, undefined)).toBeNull();
    expect(ratio(undefined, b)).toBeNull();
  });
});

describe('rssTrend', () => {
  const series = (f: (i: number) => number, n = 40) =>
    Array.from({ length: n }, (_, i) => ({ tMs: i * 1000, rssMiB: f(i) }));

  it('calls a warm-up climb followed by a plateau with noise flat', () => {
    const t = rssTrend(series((i) => (i < 8 ? 200 + i * 60 : 680 + (i % 3) * 9)));
    expect(t.flat).toBe(true);
    expect(Math.abs(t.growthMiB)).toBeLessThan(t.toleranceMiB);
    expect(t.peakMiB).toBe(698);
  });

  it('catches a slow steady leak that stays under the noise of any two samples', () => {
    const t = rssTrend(series((i) => 700 + i * 2.5 + (i % 2) * 8, 100));
    expect(t.flat).toBe(false);
    expect(t.growthMiB).toBeGreaterThan(150);
  });

  it('needs enough samples to speak of a trend', () => {
    expect(() => rssTrend(series(() => 1, 3))).toThrow(RangeError);
  });
});

describe('downsample', () => {
  it('keeps first and last and at most max points', () => {
    const xs = Array.from({ length: 1001 }, (_, i) => i);
    const d = downsample(xs, 11);
    expect(d).toHaveLength(11);
    expect(d[0]).toBe(0);
    expect(d[10]).toBe(1000);
    expect(d[5]).toBe(500);
    expect(downsample([1, 2], 11)).toEqual([1, 2]);
  });
});
