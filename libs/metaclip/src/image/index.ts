/** Image decoding and CLIP preprocessing on the calling thread, and the per-image limits. *
 * @module @metaclip-batch/metaclip/image
 */
export type { RgbImage } from './bmp.ts';
export { decodeBmpToRgb } from './bmp.ts';
export type { PreprocessSpec, ResizeKernel, ResizeRule } from './config.ts';
export { parsePreprocessorConfig } from './config.ts';
export type { DecodeMode } from './decode.ts';
export { DECODE_MODES } from './decode.ts';
export type { ImageDecodeReason } from './image-input-error.ts';
export type { ImageLimits } from './limits.ts';
export { DEFAULT_IMAGE_LIMITS, resolveImageLimits } from './limits.ts';
export type { Dimensions } from './preprocess.ts';
export type { BatchOptions, PreprocessedBatch, ProcessorOptions, SlotResult } from './processor.ts';
export { ImageProcessor } from './processor.ts';
export type { ImageInput } from './source.ts';
export { tuneSharpForThroughput } from './throughput.ts';
