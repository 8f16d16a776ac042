/**
 * Half-precision conversions on raw bit patterns (Uint16Array), for reading F16/BF16 checkpoints and writing fp16
 * ONNX initializers. Node 20 has no Float16Array.
 */

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** IEEE binary16 bits -> float32 values. */
export function fp16ToFloat32(half: Uint16Array): Float32Array {
  const out = new Float32Array(half.length);
  for (let i = 0; i < half.length; i++) out[i] = halfToFloat(half[i] as number);
  return out;
}

/** bfloat16 bits -> float32 values (bf16 is the top half of a float32). */
export function bf16ToFloat32(bf: Uint16Array): Float32Array {
  const bits = new Uint32Array(bf.length);
  for (let i = 0; i < bf.length; i++) bits[i] = (bf[i] as number) << 16;
  return new Float32Array(bits.buffer);
}

/** float32 values -> IEEE binary16 bits, rounding to nearest even; out-of-range values become +-Infinity. */
export function float32ToFp16(values: Float32Array): Uint16Array {
  const out = new Uint16Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = floatToHalf(values[i] as number);
  return out;
}

function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 0x1f) return frac ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

function floatToHalf(value: number): number {
  f32[0] = value;
  const x = u32[0] as number;
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    // Subnormal half (or zero): shift the implicit-1 mantissa right, rounding to nearest even.
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    const half = 1 << (shift - 1);
    const rest = mant & ((1 << shift) - 1);
    let h = mant >>> shift;
    if (rest > half || (rest === half && h & 1)) h++;
    return sign | h;
  }
  let h = (e << 10) | (mant >>> 13);
  const rest = mant & 0x1fff;
  // A carry out of the mantissa correctly bumps the exponent (and may reach Infinity).
  if (rest > 0x1000 || (rest === 0x1000 && h & 1)) h++;
  return sign | h;
}
