export type {
  ClipConfig,
  ClipEncoderConfig,
  ClipTextConfig,
  ClipVisionConfig,
  HiddenAct,
  ModelType,
  TextPooling,
} from './config/clip-config';
export { parseClipConfig, readClipConfig, toHfConfigJson, visionTokens } from './config/clip-config';
export { CLIP_PRESETS, type ClipPreset } from './config/presets';
export { type Checkpoint, type CheckpointFormat, findCheckpoint } from './convert/checkpoint';
export type { ConversionManifest, ConvertOptions } from './convert/convert';
export {
  CONVERTER_VERSION,
  conversionKey,
  convertModel,
  DEFAULT_FUSED,
  defaultCacheDir,
  readManifest,
} from './convert/convert';
export type { ExportDtype, ExportOptions } from './convert/export-onnx';
export { EXPORT_DTYPES, exportClipOnnx, ONNX_FILES } from './convert/export-onnx';
export { PickleRefusedError } from './convert/pytorch/unpickler';
export type { RandomModelOptions } from './convert/random-model';
export { clipPreprocessorConfig, writeRandomModel } from './convert/random-model';
export type { Float32Tensor, SafetensorsDtype, TensorEntry } from './convert/safetensors';
export { parseSafetensorsHeader, writeSafetensors } from './convert/safetensors';
export { SafetensorsReader } from './convert/safetensors-reader';
export type { TensorChunks, TensorSource } from './convert/tensor-source';
export type { MetaClipErrorCode } from './errors';
export { ImageInputError, MetaClipError, ModelLoadError, ProviderUnavailableError } from './errors';
export type { RgbImage } from './image/bmp';
export { decodeBmpToRgb } from './image/bmp';
export type { PreprocessSpec, ResizeKernel, ResizeRule } from './image/config';
export { parsePreprocessorConfig } from './image/config';
export type { DecodeMode } from './image/decode';
export { DECODE_MODES } from './image/decode';
export type { ImageDecodeReason } from './image/image-input-error';
export type { ImageLimits } from './image/limits';
export { DEFAULT_IMAGE_LIMITS, resolveImageLimits } from './image/limits';
export type { Dimensions } from './image/preprocess';
export type { PreprocessThreadsOptions } from './image/preprocess-threads';
export { PreprocessThreads } from './image/preprocess-threads';
export type { BatchOptions, PreprocessedBatch, ProcessorOptions, SlotResult } from './image/processor';
export { ImageProcessor } from './image/processor';
export type { ImageInput } from './image/source';
export { tuneSharpForThroughput } from './image/throughput';
export { gatherSlots } from './model/gather-slots';
export type { LoadOptions } from './model/load';
export { loadModel } from './model/load';
export type { MetaClipModelParts } from './model/metaclip-model';
export { MetaClipModel } from './model/metaclip-model';
export type { VisionThreadsOptions } from './model/vision-threads';
export { VisionThreads } from './model/vision-threads';
export type { HubRef, ModelFilePlan, RepoLayout, ResolveOptions } from './resolve';
export { hubCacheDir, isCommitHash, parseHubRef, planModelFiles, repoFolderName, resolveModelDir } from './resolve';
export { MODEL_DTYPES, type ModelDtype, ONNX_VARIANT_SUFFIX } from './resolve/onnx-variants';
export type { Device, ExecutionProvider } from './runtime/device';
export { executionProviders, formatDevice, parseDevice } from './runtime/device';
export type { SessionOptions } from './runtime/session';
export { createSession, missingProviderLibs, onnxruntimeBinDir } from './runtime/session';
export type { EmbeddingModel, SimilarityInput } from './similarity';
export { cosine, cosineMatrix, dot, embedForSimilarity, l2Norm, l2Normalize, l2NormalizeRows } from './similarity';
export type { ThreadPoolOptions } from './threads/thread-pool';
export { ThreadExitedError, ThreadPool } from './threads/thread-pool';
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
export type { TextEmbeddingModel, ZeroShotBenchmark } from './zero-shot';
export { buildLabelSet, zeroShotBenchmark } from './zero-shot';
export type { ClassifyOptions, LabelScore, LabelSet } from './zero-shot-scoring';
export {
  buildPrompts,
  classify,
  DEFAULT_TEMPLATE,
  ensembleLabelEmbeddings,
  fillTemplate,
  softmax,
  validatePrompts,
} from './zero-shot-scoring';
