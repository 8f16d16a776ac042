import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import {
  decodeNpy,
  encodeNpy,
  encodeParquet,
  float32ToFloat16,
  parseUri,
  readParquet,
  type StorageOptions,
} from '@metaclip-batch/storage';
import type { Logger } from '@metaclip-batch/telemetry';
import { AnnIndex, DEFAULT_HNSW, type HnswParams } from './ann.ts';
import { SearchError } from './errors.ts';
import {
  defaultIndexUri,
  INDEX_FILES,
  type IndexInfo,
  localIndexDir,
  pullIndex,
  pushIndex,
  readIndexInfo,
  writeIndexInfo,
} from './index-files.ts';
import { type KeyState, planKeys } from './index-plan.ts';
import { openRun, type RunReader, readAllVectors, requireImages } from './run-reader.ts';
import { listSourceImages } from './source-listing.ts';

/** Options of {@link indexRun}. */
export interface IndexRunOptions {
  /** Where the index lives (local folder or S3 prefix). Default `<run>/index`. */
  out?: string;
  /** Build an exact (brute-force) index instead of HNSW. Only for a new index; an existing one keeps its kind. */
  exact?: boolean;
  /** HNSW parameters of a new index (default {@link DEFAULT_HNSW}). */
  hnsw?: HnswParams;
  storage?: StorageOptions;
  logger?: Logger;
}

/** What {@link indexRun} did: printed as the command's JSON summary. */
export interface IndexSummary {
  index: string;
  runId: string;
  /** `created`: a new index; `updated`: the run was applied to an existing one; `unchanged`: it already was. */
  mode: 'created' | 'updated' | 'unchanged';
  kind: IndexInfo['kind'];
  /** Images in the index afterwards. */
  images: number;
  added: number;
  replaced: number;
  /** Images removed because they are gone from the source (null: the source cannot be listed, nothing removed). */
  removed: number | null;
}

/**
 * Builds the index of a run, or applies a later run over the same source (a nightly incremental one) to an existing
 * index at `out` without rebuilding: new images are added, an image the run embedded again gets its new vector under
 * its old key, and images gone from the source (listed now) leave the index.
 *
 * @throws SearchError `MODEL_MISMATCH` / `SOURCE_MISMATCH` when the index at `out` was built from another model's or
 *   another source's runs, `RUN_EMPTY` for a new index of a run without images, `RUN_NOT_FOUND`, `BAD_RUN`.
 */
export async function indexRun(runUri: string, opts: IndexRunOptions = {}): Promise<IndexSummary> {
  const run = await openRun(runUri, opts.storage);
  const out = opts.out ?? defaultIndexUri(run.root);
  const old = await existingIndex(out, opts.storage);
  if (old) checkCompatible(old, run, out);
  const kind = old?.kind ?? (opts.exact ? 'exact' : 'hnsw');
  const summary = { index: out, runId: run.manifest.runId, kind };
  if (old?.runs.some((r) => r.runId === run.manifest.runId)) {
    return { ...summary, mode: 'unchanged', images: old.count, added: 0, replaced: 0, removed: 0 };
  }
  const { images, vectors } = await readAllVectors(run);
  if (!old) requireImages(run, images.length);
  opts.logger?.info({ run: run.root, images: images.length }, 'read the run');

  const dir = localIndexDir(out);
  await mkdir(dir, { recursive: true });
  const state = old ? await readKeyState(dir, old) : { byPath: new Map(), free: [], slots: 0, labels: new Map() };
  const listed = old ? await listSourceImages(run.manifest.source, opts.storage) : null;
  const plan = planKeys(
    state,
    images.map((i) => i.image_path),
    listed,
  );
  const dim = run.dim;

  const slots = new Uint16Array(plan.slots * dim);
  if (old) slots.set(await readVectors(dir, old));
  const half = float32ToFloat16(vectors);
  for (const [i, key] of plan.keys.entries()) slots.set(half.subarray(i * dim, (i + 1) * dim), key * dim);
  for (const key of plan.removed) slots.fill(0, key * dim, (key + 1) * dim);

  const labels = new Map<number, Entry>(state.labels);
  for (const [i, key] of plan.keys.entries()) labels.set(key, images[i] as Entry);
  for (const key of plan.removed) labels.delete(key);

  const hnsw = old?.hnsw ?? opts.hnsw ?? DEFAULT_HNSW;
  if (kind === 'hnsw') {
    const hnswFile = path.join(dir, INDEX_FILES.hnsw);
    const ann = old ? AnnIndex.open(hnswFile, dim, hnsw, false) : AnnIndex.create(dim, hnsw);
    ann.remove([...plan.replaced, ...plan.removed]);
    opts.logger?.info({ vectors: plan.keys.length }, 'adding to the HNSW index');
    ann.add(plan.keys, vectors);
    ann.save(hnswFile);
  }
  await writeKeys(dir, labels);
  await writeFile(path.join(dir, INDEX_FILES.vectors), encodeNpy(slots, [plan.slots, dim], 'float16'));
  const info: IndexInfo = {
    version: 1,
    model: run.manifest.model,
    embedDim: dim,
    source: run.manifest.source,
    kind,
    hnsw,
    count: labels.size,
    slots: plan.slots,
    runs: [...(old?.runs ?? []), { runId: run.manifest.runId, root: run.root }],
  };
  await writeIndexInfo(dir, info);
  await pushIndex(out, info, opts.storage);
  return {
    ...summary,
    mode: old ? 'updated' : 'created',
    images: info.count,
    added: plan.added,
    replaced: plan.replaced.length,
    removed: listed === null && old ? null : plan.removed.length,
  };
}

async function existingIndex(out: string, storage?: StorageOptions): Promise<IndexInfo | null> {
  if (parseUri(out).scheme === 'file') return readIndexInfo(localIndexDir(out));
  try {
    return await readIndexInfo(await pullIndex(out, storage));
  } catch (err) {
    if (err instanceof SearchError && err.code === 'INDEX_NOT_FOUND') return null;
    throw err;
  }
}

function checkCompatible(info: IndexInfo, run: RunReader, out: string): void {
  const m = run.manifest;
  if (info.model !== m.model || info.embedDim !== m.embedDim) {
    throw new SearchError(
      'MODEL_MISMATCH',
      `the index at ${out} holds embeddings of ${info.model} (${info.embedDim}-d) but run ${m.runId} was made with ` +
        `${m.model} (${m.embedDim}-d): vectors of different models cannot be compared; give another --out`,
    );
  }
  if (info.source !== m.source) {
    throw new SearchError(
      'SOURCE_MISMATCH',
      `the index at ${out} is of source ${info.source} but run ${m.runId} is of ${m.source}: an index follows one ` +
        'source; give another --out',
    );
  }
}

type Entry = { image_path: string; label: string | null };

async function readKeyState(dir: string, info: IndexInfo): Promise<KeyState & { labels: Map<number, Entry> }> {
  const rows = await readParquet(await readFile(path.join(dir, INDEX_FILES.keys)));
  const byPath = new Map<string, number>();
  const labels = new Map<number, Entry>();
  for (const r of rows) {
    const key = Number(r.key);
    byPath.set(String(r.image_path), key);
    labels.set(key, { image_path: String(r.image_path), label: (r.label as string | null) ?? null });
  }
  const free: number[] = [];
  for (let k = 0; k < info.slots; k++) if (!labels.has(k)) free.push(k);
  return { byPath, free, slots: info.slots, labels };
}

/** The float16 bits of `vectors.npy`. */
export async function readVectors(dir: string, info: IndexInfo): Promise<Uint16Array> {
  const npy = decodeNpy(await readFile(path.join(dir, INDEX_FILES.vectors)));
  if (npy.dtype !== 'float16' || npy.shape[0] !== info.slots || npy.shape[1] !== info.embedDim) {
    throw new SearchError('BAD_INDEX', `${dir}/${INDEX_FILES.vectors} does not match ${INDEX_FILES.info}`);
  }
  return npy.data;
}

async function writeKeys(dir: string, labels: Map<number, Entry>): Promise<void> {
  const keys = [...labels.keys()].sort((a, b) => a - b);
  const body = encodeParquet([
    { name: 'key', type: 'int32', nullable: false, data: Int32Array.from(keys) },
    { name: 'image_path', type: 'string', nullable: false, data: keys.map((k) => (labels.get(k) as Entry).image_path) },
    { name: 'label', type: 'string', data: keys.map((k) => (labels.get(k) as Entry).label) },
  ]);
  await writeFile(path.join(dir, INDEX_FILES.keys), body);
}
