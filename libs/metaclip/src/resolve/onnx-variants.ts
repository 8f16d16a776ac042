/**
 * The ONNX variants transformers.js publishes beside `onnx/<graph>.onnx`, one file-name suffix per dtype (its
 * `DEFAULT_DTYPE_SUFFIX_MAPPING`), and the external data files a graph may carry: `<graph>.onnx_data`, and for
 * graphs split into chunks `<graph>.onnx_data_1`, `<graph>.onnx_data_2`, ...
 */

/** dtype -> suffix of `onnx/<graph><suffix>.onnx`; `q8` is transformers.js's name for the `_quantized` files. */
export const ONNX_VARIANT_SUFFIX = {
  fp32: '',
  fp16: '_fp16',
  int8: '_int8',
  uint8: '_uint8',
  q8: '_quantized',
  q4: '_q4',
  q4f16: '_q4f16',
  bnb4: '_bnb4',
} as const;

/** A dtype a model can be loaded in: ours to convert to (fp32, fp16, int8), or a transformers.js file variant. */
export type ModelDtype = keyof typeof ONNX_VARIANT_SUFFIX;

/** Every {@link ModelDtype}, for option parsers. */
export const MODEL_DTYPES = Object.keys(ONNX_VARIANT_SUFFIX) as [ModelDtype, ...ModelDtype[]];

/** The suffix of `dtype`'s graph files (fp32: none). */
export function onnxSuffix(dtype: ModelDtype = 'fp32'): string {
  return ONNX_VARIANT_SUFFIX[dtype];
}

/**
 * The external data files of `graph` (a repo path such as `onnx/model_q4.onnx`) among `files`, in order:
 * `<graph>_data`, then the numbered chunks `<graph>_data_1`, `<graph>_data_2`, ... while they continue.
 */
export function externalDataFiles(graph: string, files: ReadonlySet<string>): string[] {
  const out = files.has(`${graph}_data`) ? [`${graph}_data`] : [];
  for (let i = 1; files.has(`${graph}_data_${i}`); i++) out.push(`${graph}_data_${i}`);
  return out;
}
