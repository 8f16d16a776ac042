export type { MetaClipErrorCode } from './errors';
export { ImageDecodeError, MetaClipError, ModelLoadError, ProviderUnavailableError } from './errors';
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
