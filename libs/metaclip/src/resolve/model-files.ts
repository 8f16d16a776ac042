/**
 * Which files of a hub repository a MetaCLIP model needs, decided from a file listing alone (pure). The same rule
 * decides whether a cached snapshot is complete: a snapshot is complete when the plan over its own files succeeds.
 */

/** `hf`: safetensors + config, converted to ONNX by us. `onnx`: transformers.js layout, used as is. */
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
 * Plans the download of a model from `repoFiles` (repo-relative paths). Safetensors win over ONNX when a repo
 * has both, since our converter's graphs are the ones we verify. `dtype` picks transformers.js' ONNX variant
 * (`_fp16` files for fp16).
 */
export function planModelFiles(repoFiles: readonly string[], dtype: 'fp32' | 'fp16' = 'fp32'): PlanResult {
  const has = new Set(repoFiles);
  if (!has.has('config.json')) return { ok: false, missing: ['config.json'] };
  const metadata = ['config.json', ...METADATA_FILES.filter((f) => has.has(f))];
  if (has.has('model.safetensors'))
    return { ok: true, plan: { layout: 'hf', files: [...metadata, 'model.safetensors'] } };
  const onnx = onnxFiles(has, dtype);
  if (onnx) return { ok: true, plan: { layout: 'onnx', files: [...metadata, ...onnx] } };
  const suffix = dtype === 'fp16' ? '_fp16' : '';
  // The converter reads one safetensors file; say so rather than fetch gigabytes of shards it would refuse.
  const sharded = has.has('model.safetensors.index.json') ? ' (sharded checkpoints are not supported)' : '';
  return {
    ok: false,
    missing: [
      `model.safetensors${sharded}`,
      `onnx/vision_model${suffix}.onnx + onnx/text_model${suffix}.onnx (or onnx/model${suffix}.onnx)`,
    ],
  };
}

/** Both towers (preferred: the worker runs only the vision tower), else the combined graph; with external data. */
function onnxFiles(has: ReadonlySet<string>, dtype: 'fp32' | 'fp16'): string[] | null {
  const suffix = dtype === 'fp16' ? '_fp16' : '';
  const towers = [`onnx/text_model${suffix}.onnx`, `onnx/vision_model${suffix}.onnx`];
  const graphs = towers.every((f) => has.has(f))
    ? towers
    : has.has(`onnx/model${suffix}.onnx`)
      ? [`onnx/model${suffix}.onnx`]
      : null;
  // Graphs over 2 GB keep their weights in a sibling `<graph>_data` file that onnxruntime opens by name.
  return graphs?.flatMap((g) => (has.has(`${g}_data`) ? [`${g}_data`, g] : [g])) ?? null;
}
