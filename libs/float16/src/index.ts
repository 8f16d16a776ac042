/**
 * Half-precision conversions on raw bit patterns (Uint16Array; Node 20 has no Float16Array), written once for the
 * converter (F16/BF16 checkpoints, fp16 ONNX initializers) and storage (float16 npy embeddings).
 *
 * @example
 * ```ts
 * import { bfloat16ToFloat32, float16ToFloat32, float32ToFloat16 } from '@metaclip-batch/float16';
 *
 * const half = float32ToFloat16(Float32Array.of(1, -2, 65520)); // 65520 rounds up to +Inf
 * console.log(Array.from(half, (bits) => bits.toString(16)));
 * console.log(float16ToFloat32(Uint16Array.of(0x3c00)), bfloat16ToFloat32(Uint16Array.of(0x3f80)));
 * // [ '3c00', 'c000', '7c00' ]
 * // Float32Array(1) [ 1 ] Float32Array(1) [ 1 ]
 * ```
 *
 * @module @metaclip-batch/float16
 */

/**
 * Converts float32 values to IEEE 754 half-precision bits with round-to-nearest-even, as numpy's
 * `astype(np.float16)` does: overflow gives ±Inf, tiny values become subnormals or signed zero, NaN stays NaN.
 */
export function float32ToFloat16(src: Float32Array): Uint16Array {
  const bits = new Uint32Array(src.buffer, src.byteOffset, src.length);
  const out = new Uint16Array(src.length);
  for (let i = 0; i < bits.length; i++) out[i] = halfBits(bits[i] as number);
  return out;
}

function halfBits(x: number): number {
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  const mant = x & 0x7fffff;
  if (exp === 0xff) {
    // Inf stays Inf; NaN keeps the top of its payload but must not collapse into Inf.
    return mant === 0 ? sign | 0x7c00 : sign | 0x7c00 | (mant >>> 13 || 1);
  }
  const e = exp - 127 + 15;
  if (e >= 31) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign; // below half the smallest subnormal: rounds to zero
    const m = mant | 0x800000;
    const shift = 14 - e;
    const halfway = 1 << (shift - 1);
    const rest = m & ((1 << shift) - 1);
    const h = m >>> shift;
    // A carry out of the subnormal range correctly becomes the smallest normal.
    return sign | (rest > halfway || (rest === halfway && (h & 1) === 1) ? h + 1 : h);
  }
  const h = (e << 10) | (mant >>> 13);
  const rest = mant & 0x1fff;
  // A carry into the exponent is correct too, up to and including overflow to Inf (0x7c00).
  return sign | (rest > 0x1000 || (rest === 0x1000 && (h & 1) === 1) ? h + 1 : h);
}

/** Expands IEEE half-precision bits to float32 (exact: every half value is a float32). */
export function float16ToFloat32(src: Uint16Array): Float32Array {
  const out = new Float32Array(src.length);
  const bits = new Uint32Array(out.buffer);
  for (let i = 0; i < src.length; i++) {
    const h = src[i] as number;
    const sign = (h & 0x8000) << 16;
    const exp = (h >>> 10) & 0x1f;
    const mant = h & 0x3ff;
    if (exp === 0) out[i] = (sign ? -1 : 1) * mant * 2 ** -24;
    else if (exp === 31) bits[i] = (sign | 0x7f800000 | (mant << 13)) >>> 0;
    else bits[i] = (sign | ((exp + 112) << 23) | (mant << 13)) >>> 0;
  }
  return out;
}

/** bfloat16 bits -> float32 values (bf16 is the top half of a float32). */
export function bfloat16ToFloat32(bf: Uint16Array): Float32Array {
  const bits = new Uint32Array(bf.length);
  for (let i = 0; i < bf.length; i++) bits[i] = (bf[i] as number) << 16;
  return new Float32Array(bits.buffer);
}
