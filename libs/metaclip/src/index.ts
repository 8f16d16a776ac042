export type {
  ClipConfig,
  ClipEncoderConfig,
  ClipTextConfig,
  ClipVisionConfig,
  HiddenAct,
  ModelType,
  TextPooling,
} from './config/clip-config.ts';
export { parseClipConfig, readClipConfig, toHfConfigJson, visionTokens } from './config/clip-config.ts';
export { CLIP_PRESETS, type ClipPreset } from './config/presets.ts';
export { type Checkpoint, type CheckpointFormat, findCheckpoint } from './convert/checkpoint.ts';
export type { ConversionManifest, ConvertOptions } from './convert/convert.ts';
export {
  CONVERTER_VERSION,
  conversionKey,
  convertModel,
  DEFAULT_FUSED,
  defaultCacheDir,
  readManifest,
} from './convert/convert.ts';
export type { ExportDtype, ExportOptions } from './convert/export-onnx.ts';
export { EXPORT_DTYPES, exportClipOnnx, ONNX_FILES } from './convert/export-onnx.ts';
export { PickleRefusedError } from './convert/pytorch/unpickler.ts';
export type { RandomModelOptions } from './convert/random-model.ts';
export { clipPreprocessorConfig, writeRandomModel } from './convert/random-model.ts';
export type { Float32Tensor, SafetensorsDtype, TensorEntry } from './convert/safetensors.ts';
export { parseSafetensorsHeader, writeSafetensors } from './convert/safetensors.ts';
export { SafetensorsReader } from './convert/safetensors-reader.ts';
export type { TensorChunks, TensorSource } from './convert/tensor-source.ts';
export type { MetaClipErrorCode } from './errors.ts';
export { ImageInputError, MetaClipError, ModelLoadError, ProviderUnavailableError } from './errors.ts';
export type { RgbImage } from './image/bmp.ts';
export { decodeBmpToRgb } from './image/bmp.ts';
export type { PreprocessSpec, ResizeKernel, ResizeRule } from './image/config.ts';
export { parsePreprocessorConfig } from './image/config.ts';
export type { DecodeMode } from './image/decode.ts';
export { DECODE_MODES } from './image/decode.ts';
export type { ImageDecodeReason } from './image/image-input-error.ts';
export type { ImageLimits } from './image/limits.ts';
export { DEFAULT_IMAGE_LIMITS, resolveImageLimits } from './image/limits.ts';
export type { Dimensions } from './image/preprocess.ts';
export type { PreprocessThreadsOptions } from './image/preprocess-threads.ts';
export { PreprocessThreads } from './image/preprocess-threads.ts';
export type { BatchOptions, PreprocessedBatch, ProcessorOptions, SlotResult } from './image/processor.ts';
export { ImageProcessor } from './image/processor.ts';
export type { ImageInput } from './image/source.ts';
export { tuneSharpForThroughput } from './image/throughput.ts';
export { gatherSlots } from './model/gather-slots.ts';
export type { LoadOptions } from './model/load.ts';
export { loadModel } from './model/load.ts';
export type { MetaClipModelParts } from './model/metaclip-model.ts';
export { MetaClipModel } from './model/metaclip-model.ts';
export type { VisionThreadsOptions } from './model/vision-threads.ts';
export { VisionThreads } from './model/vision-threads.ts';
export type { HubRef, ModelFilePlan, RepoLayout, ResolveOptions } from './resolve/index.ts';
export {
  hubCacheDir,
  isCommitHash,
  parseHubRef,
  planModelFiles,
  repoFolderName,
  resolveModelDir,
} from './resolve/index.ts';
export { MODEL_DTYPES, type ModelDtype, ONNX_VARIANT_SUFFIX } from './resolve/onnx-variants.ts';
export type { Device, ExecutionProvider } from './runtime/device.ts';
export { executionProviders, formatDevice, parseDevice } from './runtime/device.ts';
export type { SessionOptions } from './runtime/session.ts';
export { createSession, missingProviderLibs, onnxruntimeBinDir } from './runtime/session.ts';
export type { EmbeddingModel, SimilarityInput } from './similarity.ts';
export { cosine, cosineMatrix, dot, embedForSimilarity, l2Norm, l2Normalize, l2NormalizeRows } from './similarity.ts';
export type { ThreadPoolOptions } from './threads/thread-pool.ts';
export { ThreadExitedError, ThreadPool } from './threads/thread-pool.ts';
export type { ClipTokenizerOptions, ContextLengthSources, EncodedBatch } from './tokenizer/clip-tokenizer.ts';
export { ClipTokenizer, resolveContextLength } from './tokenizer/clip-tokenizer.ts';
export type { ClipSpecialTokens } from './tokenizer/clip-tokenizer-json.ts';
export { clipTokenizerJson, parseMerges } from './tokenizer/clip-tokenizer-json.ts';
export type { ClipVocabulary } from './tokenizer/vocab-files.ts';
export {
  buildClipVocabulary,
  CLIP_BOS_ID,
  CLIP_BOS_TOKEN,
  CLIP_CONTEXT_LENGTH,
  CLIP_EOS_ID,
  CLIP_EOS_TOKEN,
  loadVendoredClipVocabulary,
  writeClipTokenizerFiles,
} from './tokenizer/vocab-files.ts';
export type { TextEmbeddingModel, ZeroShotBenchmark } from './zero-shot.ts';
export { buildLabelSet, zeroShotBenchmark } from './zero-shot.ts';
export type { ClassifyOptions, LabelScore, LabelSet } from './zero-shot-scoring.ts';
export {
  buildPrompts,
  classify,
  DEFAULT_TEMPLATE,
  ensembleLabelEmbeddings,
  fillTemplate,
  softmax,
  validatePrompts,
} from './zero-shot-scoring.ts';
