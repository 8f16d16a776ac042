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
