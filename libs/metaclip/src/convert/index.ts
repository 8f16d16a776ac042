/**
 * Conversion of Hugging Face and PyTorch checkpoints to ONNX graphs (what `loadModel` does on first use, cached by
 * content), random models of a given shape, and safetensors reading and writing.
 *
 * @module @metaclip-batch/metaclip/convert
 */
export { type Checkpoint, type CheckpointFormat, findCheckpoint } from './checkpoint.ts';
export type { ConversionManifest, ConvertOptions } from './convert.ts';
export {
  CONVERTER_VERSION,
  conversionKey,
  convertModel,
  DEFAULT_FUSED,
  defaultCacheDir,
  readManifest,
} from './convert.ts';
export type { ExportDtype, ExportOptions } from './export-onnx.ts';
export { EXPORT_DTYPES, exportClipOnnx, ONNX_FILES } from './export-onnx.ts';
export { PickleRefusedError } from './pytorch/unpickler.ts';
export type { RandomModelOptions } from './random-model.ts';
export { clipPreprocessorConfig, writeRandomModel } from './random-model.ts';
export type { Float32Tensor, SafetensorsDtype, TensorEntry } from './safetensors.ts';
export { parseSafetensorsHeader, writeSafetensors } from './safetensors.ts';
export { SafetensorsReader } from './safetensors-reader.ts';
export type { TensorChunks, TensorSource } from './tensor-source.ts';
