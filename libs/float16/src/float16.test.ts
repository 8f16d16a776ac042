import { describe, expect, it } from 'vitest';
import { bfloat16ToFloat32, float16ToFloat32, float32ToFloat16 } from './index.ts';

describe('fp16', () => {
  it('encodes known values exactly', () => {
    const cases: [number, number][] = [
      [0, 0x0000],
      [-0, 0x8000],
      [1, 0x3c00],
      [-2, 0xc000],
      [65504, 0x7bff], // largest finite half
      [65520, 0x7c00], // rounds up to Infinity
      [Number.POSITIVE_INFINITY, 0x7c00],
      [2 ** -14, 0x0400], // smallest normal
      [2 ** -24, 0x0001], // smallest subnormal
      [2 ** -26, 0x0000], // below half the smallest subnormal: zero
      [1 + 2 ** -11, 0x3c00], // tie rounds to even (down)
      [1 + 3 * 2 ** -11, 0x3c02], // tie rounds to even (up)
      [0.1, 0x2e66],
    ];
    expect(Array.from(float32ToFloat16(Float32Array.from(cases.map(([v]) => v))))).toEqual(cases.map(([, h]) => h));
    expect(float32ToFloat16(Float32Array.of(Number.NaN))[0]).toBe(0x7e00);
  });

  it('decodes every finite half back to itself', () => {
    const all = Uint16Array.from({ length: 0x10000 }, (_, i) => i).filter((h) => (h & 0x7c00) !== 0x7c00);
    const back = float32ToFloat16(float16ToFloat32(all));
    const mismatches = all.filter((h, i) => back[i] !== h);
    expect(mismatches.length).toBe(0);
    expect(all.length).toBe(0x10000 - 2048);
  });

  it('keeps the relative error of normal values within half an ulp (2^-11)', () => {
    const values = Float32Array.from({ length: 1000 }, (_, i) => (i - 500) * 1.37 + 0.01);
    const back = float16ToFloat32(float32ToFloat16(values));
    values.forEach((v, i) => {
      expect(Math.abs((back[i] as number) - v) / Math.abs(v)).toBeLessThanOrEqual(2 ** -11);
    });
  });

  it('decodes bfloat16 as the top half of float32', () => {
    expect(Array.from(bfloat16ToFloat32(Uint16Array.of(0x3f80, 0xc040, 0x7f80)))).toEqual([
      1,
      -3,
      Number.POSITIVE_INFINITY,
    ]);
  });
});
