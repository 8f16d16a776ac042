/**
 * The pure half of zero-shot classification: prompt building, prompt ensembling and scoring. No model, no I/O,
 * so every number here is unit-tested directly.
 *
 * Semantics follow Hugging Face's `zero-shot-image-classification` pipeline (template filled with each label,
 * softmax over `logitScale * cosine`, best first) and, for several templates, CLIP/MetaCLIP evaluation's prompt
 * ensembling: normalise each prompt embedding, average per label, renormalise.
 *
 * @module @metaclip-batch/metaclip/zero-shot-scoring
 */
import { dot, l2Normalize } from './similarity.ts';

/** The pipeline's default hypothesis template. */
export const DEFAULT_TEMPLATE = 'This is a photo of {}.';

/** Placeholder a template must contain; replaced by the label, as Python's `str.format` would. */
const PLACEHOLDER = '{}';

/** Label embeddings ready for scoring: one unit vector per label, in label order. */
export interface LabelSet {
  /** Candidate labels, in the order of `embeddings` rows. */
  readonly labels: readonly string[];
  /** Templates that were averaged (one for plain pipeline semantics). */
  readonly templates: readonly string[];
  /** Embedding width D. */
  readonly dim: number;
  /** `[labels.length, dim]` row-major, each row unit length. */
  readonly embeddings: Float32Array;
  /** The model's logit scale, exp already applied (CLIP's learned temperature). */
  readonly logitScale: number;
}

/** One label's probability for one image. */
export interface LabelScore {
  label: string;
  score: number;
}

/** Options of {@link classify}. */
export interface ClassifyOptions {
  /** Keep only the best K labels per image; all labels when omitted. */
  topK?: number;
  /** The image embeddings are unit length already (the pipeline's are): do not normalise them again. */
  unit?: boolean;
}

/** Throws a `RangeError` that says what to fix when labels or templates cannot form prompts. */
export function validatePrompts(labels: readonly string[], templates: readonly string[]): void {
  if (labels.length === 0) throw new RangeError('zero-shot needs at least one candidate label');
  if (templates.length === 0) throw new RangeError('zero-shot needs at least one template');
  const bad = templates.find((t) => !t.includes(PLACEHOLDER));
  if (bad !== undefined) {
    throw new RangeError(`template ${JSON.stringify(bad)} has no "${PLACEHOLDER}" placeholder for the label`);
  }
}

/** Fills every `{}` of `template` with `label`. */
export function fillTemplate(template: string, label: string): string {
  return template.split(PLACEHOLDER).join(label);
}

/**
 * All prompts, label-major: the prompts of label `l` are `[l * T, (l + 1) * T)` for T templates — the order
 * {@link ensembleLabelEmbeddings} expects.
 */
export function buildPrompts(labels: readonly string[], templates: readonly string[]): string[] {
  validatePrompts(labels, templates);
  return labels.flatMap((label) => templates.map((t) => fillTemplate(t, label)));
}

/**
 * Prompt ensembling: given the raw text embeddings of {@link buildPrompts}' prompts, returns `[numLabels, D]`
 * unit rows, each the renormalised mean of its label's unit prompt embeddings. Normalising before averaging
 * keeps one prompt with a large norm from dominating the label.
 */
export function ensembleLabelEmbeddings(promptEmbeds: readonly Float32Array[], numLabels: number): Float32Array {
  if (numLabels <= 0 || promptEmbeds.length % numLabels !== 0) {
    throw new RangeError(`${promptEmbeds.length} prompt embeddings do not split evenly into ${numLabels} labels`);
  }
  const perLabel = promptEmbeds.length / numLabels;
  const dim = promptEmbeds[0]?.length ?? 0;
  const out = new Float32Array(numLabels * dim);
  const mean = new Float32Array(dim);
  for (let l = 0; l < numLabels; l++) {
    mean.fill(0);
    for (let t = 0; t < perLabel; t++) {
      const unit = l2Normalize(promptEmbeds[l * perLabel + t] as Float32Array);
      if (unit.length !== dim) throw new RangeError(`prompt embedding widths differ: ${unit.length} vs ${dim}`);
      for (let d = 0; d < dim; d++) mean[d] = (mean[d] as number) + (unit[d] as number) / perLabel;
    }
    out.set(l2Normalize(mean), l * dim);
  }
  return out;
}

/** Numerically stable softmax (shifted by the max), in float64. */
export function softmax(logits: ArrayLike<number>): Float64Array {
  let max = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < logits.length; i++) max = Math.max(max, logits[i] as number);
  const out = new Float64Array(logits.length);
  let sum = 0;
  for (let i = 0; i < logits.length; i++) {
    const e = Math.exp((logits[i] as number) - max);
    out[i] = e;
    sum += e;
  }
  for (let i = 0; i < out.length; i++) out[i] = (out[i] as number) / sum;
  return out;
}

/**
 * Scores `n` raw image embeddings (`[n, D]` row-major, as `embedPixels` returns them) against a label set:
 * per image, softmax over `logitScale * cosine(image, label)`, best first, cut to `topK`.
 *
 * Scores are relative to the candidate labels: with a single label the softmax is over one item and the score
 * is 1.0 by construction, whatever the image. That measures nothing; use `cosine` for similarity.
 *
 * @example (from the repository root, on the tiny test model)
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
 */
export function classify(
  imageEmbeds: Float32Array,
  n: number,
  labelSet: LabelSet,
  options: ClassifyOptions = {},
): LabelScore[][] {
  const { dim, labels, embeddings, logitScale } = labelSet;
  if (imageEmbeds.length < n * dim) {
    throw new RangeError(`image embeddings hold ${imageEmbeds.length} values, need ${n}x${dim}`);
  }
  const topK = Math.min(options.topK ?? labels.length, labels.length);
  if (!Number.isInteger(topK) || topK < 1) throw new RangeError(`topK must be a positive integer, got ${topK}`);
  const results: LabelScore[][] = [];
  const logits = new Float64Array(labels.length);
  for (let i = 0; i < n; i++) {
    const row = imageEmbeds.subarray(i * dim, (i + 1) * dim);
    const image = options.unit ? row : l2Normalize(row);
    for (let l = 0; l < labels.length; l++) {
      logits[l] = logitScale * dot(image, embeddings.subarray(l * dim, (l + 1) * dim));
    }
    const probs = softmax(logits);
    const ranked = labels.map((label, l) => ({ label, score: probs[l] as number }));
    // Stable sort: ties keep label order, as the pipeline's sort does.
    ranked.sort((a, b) => b.score - a.score);
    results.push(ranked.slice(0, topK));
  }
  return results;
}
