/**
 * Which files of a hub repository a MetaCLIP model needs, decided from a file listing alone (pure). The same rule
 * decides whether a cached snapshot is complete: a snapshot is complete when the plan over its own files succeeds.
 */

/** `hf`: safetensors or PyTorch weights + config, converted to ONNX by us. `onnx`: transformers.js layout, used as is. */
export type RepoLayout = 'hf' | 'onnx';

/** The files to fetch, in fetch order. */
export interface ModelFilePlan {
  layout: RepoLayout;
  /**
   * Small metadata files first, weights last. Each file appears in a snapshot only once it is complete, so a
   * snapshot that holds the weights also holds everything fetched before them: that is what lets
   * {@link planModelFiles} over a snapshot's files double as a completeness check.
   */
  files: string[];
}

/** Outcome of planning: a plan, or what is missing (for a message that says what to do). */
export type PlanResult = { ok: true; plan: ModelFilePlan } | { ok: false; missing: string[] };

import { externalDataFiles, type ModelDtype, onnxSuffix } from './onnx-variants.ts';

/** Fetched whenever the repository has them; the tokenizer falls back to the vendored CLIP vocabulary. */
const METADATA_FILES = [
  'preprocessor_config.json',
  'tokenizer_config.json',
  'special_tokens_map.json',
  'tokenizer.json',
  'vocab.json',
  'merges.txt',
];

/**
 * Hugging Face weight layouts in the order we take them: safetensors (single, then sharded), then PyTorch files
 * (single, then sharded), as transformers' `from_pretrained` prefers them. Shards are named by save_pretrained's
 * `<stem>-00001-of-00003.<ext>` rule, so a listing alone says which files a sharded checkpoint needs.
 */
const HF_WEIGHTS = [
  {
    single: 'model.safetensors',
    index: 'model.safetensors.index.json',
    shard: /^model-(\d{5})-of-(\d{5})\.safetensors$/,
  },
  {
    single: 'pytorch_model.bin',
    index: 'pytorch_model.bin.index.json',
    shard: /^pytorch_model-(\d{5})-of-(\d{5})\.bin$/,
  },
] as const;

/**
 * Plans the download of a model from `repoFiles` (repo-relative paths). Hugging Face weights win over ONNX when a
 * repo has both, since our converter's graphs are the ones we verify; safetensors win over PyTorch files, and only
 * one layout is fetched. `dtype` picks transformers.js' ONNX variant (`_fp16` files for fp16, `_q4` for q4, ...).
 */
export function planModelFiles(repoFiles: readonly string[], dtype: ModelDtype = 'fp32'): PlanResult {
  const has = new Set(repoFiles);
  if (!has.has('config.json')) return { ok: false, missing: ['config.json'] };
  const metadata = ['config.json', ...METADATA_FILES.filter((f) => has.has(f))];
  const weights = hfWeights(repoFiles);
  if (weights) return { ok: true, plan: { layout: 'hf', files: [...metadata, ...weights] } };
  const onnx = onnxFiles(has, dtype);
  if (onnx) return { ok: true, plan: { layout: 'onnx', files: [...metadata, ...onnx] } };
  const suffix = onnxSuffix(dtype);
  return {
    ok: false,
    missing: [
      'model.safetensors or pytorch_model.bin (single, or every shard of its .index.json)',
      `onnx/vision_model${suffix}.onnx + onnx/text_model${suffix}.onnx (or onnx/model${suffix}.onnx)`,
    ],
  };
}

/** The weight files of the first complete Hugging Face layout, the index before its shards; null when none is. */
function hfWeights(repoFiles: readonly string[]): string[] | null {
  const has = new Set(repoFiles);
  for (const layout of HF_WEIGHTS) {
    if (has.has(layout.single)) return [layout.single];
    if (!has.has(layout.index)) continue;
    const shards = repoFiles.filter((f) => layout.shard.test(f)).sort();
    const total = Number(layout.shard.exec(shards[0] ?? '')?.[2] ?? 0);
    // Complete only with shards 1..N of one N: a snapshot cut mid-download is incomplete.
    const complete =
      total > 0 &&
      shards.length === total &&
      shards.every((f, i) => {
        const m = layout.shard.exec(f);
        return Number(m?.[1]) === i + 1 && Number(m?.[2]) === total;
      });
    if (complete) return [layout.index, ...shards];
  }
  return null;
}

/** Both towers (preferred: the worker runs only the vision tower), else the combined graph; with external data. */
function onnxFiles(has: ReadonlySet<string>, dtype: ModelDtype): string[] | null {
  const suffix = onnxSuffix(dtype);
  const towers = [`onnx/text_model${suffix}.onnx`, `onnx/vision_model${suffix}.onnx`];
  const graphs = towers.every((f) => has.has(f))
    ? towers
    : has.has(`onnx/model${suffix}.onnx`)
      ? [`onnx/model${suffix}.onnx`]
      : null;
  // Graphs over 2 GB keep their weights in sibling data files that onnxruntime opens by name: fetched first.
  return graphs?.flatMap((g) => [...externalDataFiles(g, has), g]) ?? null;
}
