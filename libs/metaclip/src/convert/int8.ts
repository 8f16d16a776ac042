/**
 * Symmetric int8 quantisation of MatMul weights, one scale per output column (what onnxruntime's
 * `quantize_dynamic(per_channel=True)` does for a `[K, N]` weight): column n is `scale[n] * q[:, n]`, with
 * `scale[n] = max|W[:, n]| / 127` and `q` rounded to nearest, so the zero point is 0 and no column saturates.
 */

/** A `[K, N]` weight as int8 values (row-major, like the input) and N float32 scales. */
export interface QuantisedColumns {
  weights: Int8Array;
  scales: Float32Array;
}

/** Quantises a row-major `[rows, cols]` float32 matrix column by column (pure). */
export function quantizeColumns(values: Float32Array, rows: number, cols: number): QuantisedColumns {
  if (values.length !== rows * cols) {
    throw new RangeError(`quantizeColumns: ${values.length} values are not a ${rows}x${cols} matrix`);
  }
  const scales = new Float32Array(cols);
  for (let i = 0; i < values.length; i++) {
    const c = i % cols;
    scales[c] = Math.max(scales[c] as number, Math.abs(values[i] as number));
  }
  // An all-zero column keeps scale 1 (any scale represents it exactly) rather than dividing by zero.
  for (let c = 0; c < cols; c++) scales[c] = (scales[c] as number) > 0 ? Math.fround((scales[c] as number) / 127) : 1;
  const weights = new Int8Array(values.length);
  for (let i = 0; i < values.length; i++) {
    weights[i] = Math.max(-127, Math.min(127, Math.round((values[i] as number) / (scales[i % cols] as number))));
  }
  return { weights, scales };
}
