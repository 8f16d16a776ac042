/** CLIP's byte-level BPE tokenizer, its vendored vocabulary, and `tokenizer.json` for converted models. *
 * @module @metaclip-batch/metaclip/tokenizer
 */
export type { ClipTokenizerOptions, ContextLengthSources, EncodedBatch } from './clip-tokenizer.ts';
export { ClipTokenizer, resolveContextLength } from './clip-tokenizer.ts';
export type { ClipSpecialTokens } from './clip-tokenizer-json.ts';
export { clipTokenizerJson, parseMerges } from './clip-tokenizer-json.ts';
export type { ClipVocabulary } from './vocab-files.ts';
export {
  buildClipVocabulary,
  CLIP_BOS_ID,
  CLIP_BOS_TOKEN,
  CLIP_CONTEXT_LENGTH,
  CLIP_EOS_ID,
  CLIP_EOS_TOKEN,
  loadVendoredClipVocabulary,
  writeClipTokenizerFiles,
} from './vocab-files.ts';
