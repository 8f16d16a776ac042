/**
 * Similarity of MetaCLIP embeddings.
 *
 * Image and text embeddings live in one joint space, so the same cosine answers image-image, image-text and
 * text-text questions. Pure functions over flat row-major `Float32Array`s (the layout the ONNX towers return);
 * {@link embedForSimilarity} is the only part that touches the model.
 *
 * @module @metaclip-batch/metaclip/similarity
 */
import type { ImageInputError } from './errors.ts';

/** What a similarity query compares: an image (path or bytes) or a text. */
export type SimilarityInput = { image: string | Buffer } | { text: string };

/** The slice of `MetaClipModel` that similarity needs (structural, so tests and callers stay decoupled). */
export interface EmbeddingModel {
  embedTexts(texts: string[]): Promise<Float32Array[]>;
  embedImages(inputs: (string | Buffer)[]): Promise<(Float32Array | ImageInputError)[]>;
}

/** Dot product of two equal-length vectors. */
export function dot(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) throw new RangeError(`vector lengths differ: ${a.length} vs ${b.length}`);
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += (a[i] as number) * (b[i] as number);
  return sum;
}

/** Euclidean norm. */
export function l2Norm(v: Float32Array): number {
  return Math.sqrt(dot(v, v));
}

/**
 * A unit-length copy of `v`. A zero vector stays zero (its direction is undefined; dividing would spread NaN
 * through every score computed from it).
 */
export function l2Normalize(v: Float32Array): Float32Array {
  const norm = l2Norm(v);
  const out = new Float32Array(v.length);
  if (norm === 0) return out;
  for (let i = 0; i < v.length; i++) out[i] = (v[i] as number) / norm;
  return out;
}

/** Normalises each of the `n` rows of width `dim` of a flat `[n, dim]` matrix; returns a new matrix. */
export function l2NormalizeRows(data: Float32Array, n: number, dim: number): Float32Array {
  if (data.length < n * dim) throw new RangeError(`matrix holds ${data.length} values, need ${n}x${dim}`);
  const out = new Float32Array(n * dim);
  for (let r = 0; r < n; r++) out.set(l2Normalize(data.subarray(r * dim, (r + 1) * dim)), r * dim);
  return out;
}

/** Cosine similarity in [-1, 1]; 0 when either vector is zero. */
export function cosine(a: Float32Array, b: Float32Array): number {
  const denom = l2Norm(a) * l2Norm(b);
  return denom === 0 ? 0 : dot(a, b) / denom;
}

/**
 * All pairwise cosines of rows of `a` (`[na, dim]`) against rows of `b` (`[nb, dim]`), as a flat `[na, nb]`
 * matrix. Rows are normalised once rather than per pair.
 */
export function cosineMatrix(a: Float32Array, na: number, b: Float32Array, nb: number, dim: number): Float32Array {
  const an = l2NormalizeRows(a, na, dim);
  const bn = l2NormalizeRows(b, nb, dim);
  const out = new Float32Array(na * nb);
  for (let i = 0; i < na; i++) {
    const row = an.subarray(i * dim, (i + 1) * dim);
    for (let j = 0; j < nb; j++) out[i * nb + j] = dot(row, bn.subarray(j * dim, (j + 1) * dim));
  }
  return out;
}

/**
 * Embeds a mix of images and texts with one model call per kind (so images form one batch), returning raw
 * embeddings in input order, or the image's decode error in its place.
 *
 * @example (from the repository root, on the tiny test model)
 * ```ts
 * import { cosine, embedForSimilarity, loadModel } from '@metaclip-batch/metaclip';
 *
 * const model = await loadModel('../shared/fixtures/tiny-clip', { device: 'cpu' });
 * const [image, text] = await embedForSimilarity(model, [
 *   { image: '../shared/fixtures/images/astronaut.jpg' },
 *   { text: 'a photo of an astronaut' },
 * ]);
 * console.log(cosine(image as Float32Array, text as Float32Array));
 * // -0.13522407580877358
 * ```
 */
export async function embedForSimilarity(
  model: EmbeddingModel,
  inputs: SimilarityInput[],
): Promise<(Float32Array | ImageInputError)[]> {
  const imageIdx: number[] = [];
  const images: (string | Buffer)[] = [];
  const textIdx: number[] = [];
  const texts: string[] = [];
  inputs.forEach((input, i) => {
    if ('image' in input) {
      imageIdx.push(i);
      images.push(input.image);
    } else {
      textIdx.push(i);
      texts.push(input.text);
    }
  });
  const [imageEmbeds, textEmbeds] = await Promise.all([
    images.length > 0 ? model.embedImages(images) : Promise.resolve([]),
    texts.length > 0 ? model.embedTexts(texts) : Promise.resolve([]),
  ]);
  const out = new Array<Float32Array | ImageInputError>(inputs.length);
  imageIdx.forEach((i, k) => {
    out[i] = imageEmbeds[k] as Float32Array | ImageInputError;
  });
  textIdx.forEach((i, k) => {
    out[i] = textEmbeds[k] as Float32Array;
  });
  return out;
}
