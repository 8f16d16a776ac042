/**
 * MetaCLIP on onnxruntime-node: load a model (a Hugging Face folder, converted to ONNX on first use and cached; an
 * ONNX folder in transformers.js layout; or a hub id), embed images and texts, and label images zero-shot.
 *
 * The root holds what a user of the library calls. The parts beneath are subpath exports:
 * `@metaclip-batch/metaclip/convert` (checkpoints to ONNX, random models, safetensors), `/tokenizer`, `/image`
 * (decoding and preprocessing), `/runtime` (devices, sessions), `/threads` (preprocessing and the vision tower on
 * worker threads), `/resolve` (model references and the hub cache), `/config`, `/similarity`, `/zero-shot` and
 * `/zero-shot-scoring` (the pure scoring, without onnxruntime).
 *
 * @example Label an image (run from the repository root, on the tiny test model)
 * ```ts
 * import { buildLabelSet, classify, loadModel } from '@metaclip-batch/metaclip';
 *
 * const model = await loadModel('../shared/fixtures/tiny-clip', { device: 'cpu' });
 * const [image] = await model.embedImages(['../shared/fixtures/images/astronaut.jpg']);
 * const labels = await buildLabelSet(model, ['a scientist', 'a teacher', 'a cat'], ['a photo of {}.']);
 * console.log(classify(image as Float32Array, 1, labels, { topK: 2 }));
 * // [
 * //   [
 * //     { label: 'a scientist', score: 0.3937742021051348 },
 * //     { label: 'a cat', score: 0.33186163206180275 }
 * //   ]
 * // ]
 * ```
 *
 * @module @metaclip-batch/metaclip
 */
export type { MetaClipErrorCode } from './errors.ts';
export { ImageInputError, MetaClipError, ModelLoadError, ProviderUnavailableError } from './errors.ts';
export type { ImageDecodeReason } from './image/image-input-error.ts';
export type { Dimensions } from './image/preprocess.ts';
export type { ImageInput } from './image/source.ts';
export type { LoadOptions } from './model/load.ts';
export { loadModel } from './model/load.ts';
export { MetaClipModel } from './model/metaclip-model.ts';
export { MODEL_DTYPES, type ModelDtype } from './resolve/onnx-variants.ts';
export type { Device } from './runtime/device.ts';
export type { EmbeddingModel, SimilarityInput } from './similarity.ts';
export { cosine, embedForSimilarity, l2Normalize } from './similarity.ts';
export { buildLabelSet } from './zero-shot.ts';
export type { ClassifyOptions, LabelScore, LabelSet } from './zero-shot-scoring.ts';
export { classify, DEFAULT_TEMPLATE } from './zero-shot-scoring.ts';
