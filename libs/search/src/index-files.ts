import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { defaultCacheDir } from '@metaclip-batch/metaclip/convert';
import { NotFoundError, parseUri, type StorageOptions, storageFor } from '@metaclip-batch/storage';
import type { HnswParams } from './ann.ts';
import { SearchError } from './errors.ts';

/** The files of an index folder. */
export const INDEX_FILES = {
  /** {@link IndexInfo} as JSON. */
  info: 'index.json',
  /** `key` (int32), `image_path`, `label`: one row per image in the index. */
  keys: 'keys.parquet',
  /** float16 `[slots, D]`: row `key` is that image's unit vector (rows of removed images are zero until reused). */
  vectors: 'vectors.npy',
  /** The usearch HNSW graph (absent in an `--exact` index). */
  hnsw: 'hnsw.usearch',
} as const;

/** `index.json`: what an index holds and how it was built. */
export interface IndexInfo {
  version: 1;
  /** The model of every run applied (`manifest.json`'s `model`); text queries are embedded with it. */
  model: string;
  embedDim: number;
  /** The runs' source: only runs over it may update the index. */
  source: string;
  /** `hnsw` (approximate, memory-mapped) or `exact` (brute force over `vectors.npy`). */
  kind: 'hnsw' | 'exact';
  hnsw: HnswParams;
  /** Images in the index. */
  count: number;
  /** Rows of `vectors.npy` (live and free). */
  slots: number;
  /** Run ids applied, oldest first, with the run folder each came from. */
  runs: { runId: string; root: string }[];
}

/** The default index location of a run: `<run>/index`. */
export function defaultIndexUri(runRoot: string): string {
  return `${runRoot.replace(/\/+$/, '')}/index`;
}

/**
 * The local folder that holds (or will hold) the index at `uri`: the folder itself for a local index; for an S3 one, a
 * cache folder (`index/<hash of uri>` under the model cache, `defaultCacheDir`) where it is staged or downloaded.
 */
export function localIndexDir(uri: string): string {
  const parsed = parseUri(uri);
  if (parsed.scheme === 'file') return parsed.path.replace(/\/+$/, '');
  return path.join(defaultCacheDir(), 'index', createHash('sha256').update(uri).digest('hex').slice(0, 24));
}

/** Reads `index.json` from a local index folder, or null when the folder holds no index. */
export async function readIndexInfo(dir: string): Promise<IndexInfo | null> {
  const text = await readFile(path.join(dir, INDEX_FILES.info), 'utf8').catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return null;
    throw err;
  });
  if (text === null) return null;
  const info = JSON.parse(text) as IndexInfo;
  if (info.version !== 1 || typeof info.model !== 'string' || !Array.isArray(info.runs)) {
    throw new SearchError('BAD_INDEX', `${dir}/${INDEX_FILES.info} is not a metaclip index (version 1)`);
  }
  return info;
}

/** Writes `index.json` last and atomically: a reader sees the old index or the whole new one. */
export async function writeIndexInfo(dir: string, info: IndexInfo): Promise<void> {
  const tmp = path.join(dir, `.${INDEX_FILES.info}.tmp`);
  await writeFile(tmp, `${JSON.stringify(info, null, 2)}\n`);
  await rename(tmp, path.join(dir, INDEX_FILES.info));
}

function files(info: IndexInfo): string[] {
  const names: string[] = [INDEX_FILES.keys, INDEX_FILES.vectors];
  if (info.kind === 'hnsw') names.push(INDEX_FILES.hnsw);
  return [...names, INDEX_FILES.info];
}

/**
 * Makes the index at `uri` readable in its {@link localIndexDir}: a no-op for a local index; for S3, downloads it
 * unless the cached copy's `index.json` is the same. Returns the local folder.
 *
 * @throws SearchError `INDEX_NOT_FOUND` when there is no index there.
 */
export async function pullIndex(uri: string, opts: StorageOptions = {}): Promise<string> {
  const dir = localIndexDir(uri);
  const missing = (): SearchError =>
    new SearchError('INDEX_NOT_FOUND', `no index at ${uri}: build one with metaclip index --run <run> --out ${uri}`);
  if (parseUri(uri).scheme === 'file') {
    if ((await readIndexInfo(dir)) === null) throw missing();
    return dir;
  }
  const storage = storageFor(uri, opts);
  const remote = await storage.get(`${uri.replace(/\/+$/, '')}/${INDEX_FILES.info}`).catch((err: unknown) => {
    if (err instanceof NotFoundError) throw missing();
    throw err;
  });
  const cached = await readFile(path.join(dir, INDEX_FILES.info)).catch(() => null);
  if (cached?.equals(remote)) return dir;
  await mkdir(dir, { recursive: true });
  const info = JSON.parse(remote.toString('utf8')) as IndexInfo;
  for (const name of files(info).slice(0, -1)) {
    await writeFile(path.join(dir, name), await storage.get(`${uri.replace(/\/+$/, '')}/${name}`));
  }
  await writeFile(path.join(dir, INDEX_FILES.info), remote);
  return dir;
}

/** Uploads a staged index from its local folder to `uri` (S3), `index.json` last; a no-op for a local `uri`. */
export async function pushIndex(uri: string, info: IndexInfo, opts: StorageOptions = {}): Promise<void> {
  if (parseUri(uri).scheme === 'file') return;
  const dir = localIndexDir(uri);
  const storage = storageFor(uri, opts);
  for (const name of files(info)) {
    await storage.put(`${uri.replace(/\/+$/, '')}/${name}`, await readFile(path.join(dir, name)));
  }
}
