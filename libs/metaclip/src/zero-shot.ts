/**
 * Zero-shot classification with a loaded model: label sets (template-averaged, normalised label embeddings, built
 * once and cached per model, labels and templates) and the standard benchmark label lists vendored in `assets/`.
 * Scoring itself is the pure {@link classify} of `zero-shot-scoring.ts`.
 *
 * @module @metaclip-batch/metaclip/zero-shot
 */
import { readFile } from 'node:fs/promises';
import { buildPrompts, DEFAULT_TEMPLATE, ensembleLabelEmbeddings, type LabelSet } from './zero-shot-scoring.ts';

export { classify, DEFAULT_TEMPLATE } from './zero-shot-scoring.ts';

/** What {@link buildLabelSet} needs of a model (`MetaClipModel` has it). */
export interface TextEmbeddingModel {
  readonly embedDim: number;
  readonly logitScale: number;
  embedTexts(texts: string[]): Promise<Float32Array[]>;
}

/** Label sets kept per model; a worker sees a handful of distinct label lists, a CLI call one. */
const LABEL_SETS_PER_MODEL = 32;

const cache = new WeakMap<TextEmbeddingModel, Map<string, Promise<LabelSet>>>();

/**
 * The label set of `labels` under `templates` (default: the pipeline's `This is a photo of {}.`): every label
 * filled into every template, embedded, and ensembled (normalise, average per label, renormalise). Cached per
 * (model, labels, templates), so concurrent callers share one computation; a failed build is not cached. See
 * {@link classify} for an example.
 *
 * @throws RangeError for an empty label or template list, or a template without `{}`.
 */
export function buildLabelSet(
  model: TextEmbeddingModel,
  labels: readonly string[],
  templates: readonly string[] = [DEFAULT_TEMPLATE],
): Promise<LabelSet> {
  let sets = cache.get(model);
  if (!sets) {
    sets = new Map();
    cache.set(model, sets);
  }
  const key = JSON.stringify([labels, templates]);
  const hit = sets.get(key);
  if (hit) {
    // Re-insert: Map order doubles as least-recently-used order.
    sets.delete(key);
    sets.set(key, hit);
    return hit;
  }
  const built = embedLabelSet(model, [...labels], [...templates]);
  sets.set(key, built);
  built.catch(() => sets.delete(key));
  if (sets.size > LABEL_SETS_PER_MODEL) sets.delete(sets.keys().next().value as string);
  return built;
}

async function embedLabelSet(model: TextEmbeddingModel, labels: string[], templates: string[]): Promise<LabelSet> {
  const prompts = buildPrompts(labels, templates);
  const embeddings = ensembleLabelEmbeddings(await model.embedTexts(prompts), labels.length);
  return { labels, templates, dim: model.embedDim, embeddings, logitScale: model.logitScale };
}

/** Class names and templates of one standard zero-shot benchmark. */
export interface ZeroShotBenchmark {
  labels: string[];
  templates: string[];
}

/**
 * A benchmark's class names and prompt templates as MetaCLIP's evaluation uses them, from the vendored
 * `assets/zeroshot_*.json` (`imagenet`: 1,000 classes, 80 templates). Classes listed with synonyms use the first.
 *
 * @throws RangeError naming the available benchmarks when `name` is unknown.
 */
export async function zeroShotBenchmark(name = 'imagenet'): Promise<ZeroShotBenchmark> {
  const [labels, templates] = await Promise.all(
    ['zeroshot_labels.json', 'zeroshot_templates.json'].map(
      async (file) =>
        JSON.parse(await readFile(new URL(`../assets/${file}`, import.meta.url), 'utf8')) as Record<
          string,
          (string | string[])[]
        >,
    ),
  );
  const classes = labels?.[name];
  const prompts = templates?.[name];
  if (!classes || !prompts) {
    throw new RangeError(
      `unknown zero-shot benchmark ${JSON.stringify(name)}; known: ${Object.keys(labels ?? {}).join(', ')}`,
    );
  }
  return {
    labels: classes.map((c) => (Array.isArray(c) ? (c[0] as string) : c)),
    templates: prompts.map((t) => (Array.isArray(t) ? (t[0] as string) : t)),
  };
}
