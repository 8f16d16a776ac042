export type { MetaClipErrorCode } from './errors';
export { ImageDecodeError, MetaClipError, ModelLoadError, ProviderUnavailableError } from './errors';
export type { ClipTokenizerOptions, ContextLengthSources, EncodedBatch } from './tokenizer/clip-tokenizer';
export { ClipTokenizer, resolveContextLength } from './tokenizer/clip-tokenizer';
export type { ClipSpecialTokens } from './tokenizer/clip-tokenizer-json';
export { clipTokenizerJson, parseMerges } from './tokenizer/clip-tokenizer-json';
export type { ClipVocabulary } from './tokenizer/vocab-files';
export {
  buildClipVocabulary,
  CLIP_BOS_ID,
  CLIP_BOS_TOKEN,
  CLIP_CONTEXT_LENGTH,
  CLIP_EOS_ID,
  CLIP_EOS_TOKEN,
  loadVendoredClipVocabulary,
  writeClipTokenizerFiles,
} from './tokenizer/vocab-files';
export type { PreprocessSpec, ResizeKernel, ResizeRule } from './image/config';
export { parsePreprocessorConfig } from './image/config';
export type { ImageDecodeReason } from './image/image-input-error';
export { ImageInputError } from './image/image-input-error';
export type { ImageLimits } from './image/limits';
export { DEFAULT_IMAGE_LIMITS, resolveImageLimits } from './image/limits';
export type { Dimensions } from './image/preprocess';
export type { BatchOptions, PreprocessedBatch, SlotResult } from './image/processor';
export { ImageProcessor } from './image/processor';
export type { ImageInput } from './image/source';
