import { open as openFile, readFile } from 'node:fs/promises';
import path from 'node:path';
import { float16ToFloat32, readNpyHeader, readParquet, type StorageOptions } from '@metaclip-batch/storage';
import { AnnIndex, type AnnMatch } from './ann.ts';
import { requirePositiveInt, SearchError } from './errors.ts';
import { readVectors } from './index-build.ts';
import { INDEX_FILES, type IndexInfo, pullIndex, readIndexInfo } from './index-files.ts';
import { exactTopK, normalizeInPlace } from './vectors.ts';

/** One search result, best first. */
export interface SearchHit {
  rank: number;
  image_path: string;
  /** Cosine similarity to the query. */
  score: number;
  label: string | null;
}

/** Options of a query. */
export interface QueryOptions {
  /** Results wanted, >= 1. Default 10. */
  k?: number;
  /** Only images whose top label (the run's) is this. */
  label?: string;
}

type Entry = { image_path: string; label: string | null };

/**
 * Answers nearest-neighbour queries on a built index: the HNSW graph memory-mapped (read-only, paged in on demand) or,
 * for an `--exact` index, brute force over its vectors. Open once, query many times.
 *
 * When the graph returns fewer hits than the index could give (k near the index's size, a rare label, or nodes the
 * graph lost touch with after removals), the query is answered by brute force over `vectors.npy` instead, loaded on
 * first need: an approximate index may rank imprecisely, but it must never silently drop images.
 */
export class IndexSearcher {
  private constructor(
    readonly dir: string,
    readonly info: IndexInfo,
    private readonly entries: Map<number, Entry>,
    private readonly byPath: Map<string, number>,
    private readonly perLabel: ReadonlyMap<string, number>,
    private readonly ann: AnnIndex | null,
    private exact: Promise<Float32Array> | null,
  ) {}

  /** Opens the index at a local folder or S3 prefix (downloaded into a local cache first). */
  static async open(uri: string, opts: StorageOptions = {}): Promise<IndexSearcher> {
    const dir = await pullIndex(uri, opts);
    const info = (await readIndexInfo(dir)) as IndexInfo;
    const rows = await readParquet(await readFile(path.join(dir, INDEX_FILES.keys)));
    const entries = new Map<number, Entry>();
    const byPath = new Map<string, number>();
    // Counted here, once: a labelled query needs its label's count to know whether the graph returned enough.
    const perLabel = new Map<string, number>();
    for (const r of rows) {
      const key = Number(r.key);
      const label = (r.label as string | null) ?? null;
      entries.set(key, { image_path: String(r.image_path), label });
      byPath.set(String(r.image_path), key);
      if (label !== null) perLabel.set(label, (perLabel.get(label) ?? 0) + 1);
    }
    const ann =
      info.kind === 'hnsw' ? AnnIndex.open(path.join(dir, INDEX_FILES.hnsw), info.embedDim, info.hnsw, true) : null;
    const exact = info.kind === 'exact' ? IndexSearcher.loadVectors(dir, info) : null;
    if (exact) await exact;
    return new IndexSearcher(dir, info, entries, byPath, perLabel, ann, exact);
  }

  private static async loadVectors(dir: string, info: IndexInfo): Promise<Float32Array> {
    return float16ToFloat32(await readVectors(dir, info));
  }

  /** Images in the index. */
  get size(): number {
    return this.entries.size;
  }

  /** Whether the index holds this image. */
  has(imagePath: string): boolean {
    return this.byPath.has(imagePath);
  }

  /** The `k` images nearest to a query vector (any length; it is normalised), best first. */
  async search(query: Float32Array, opts: QueryOptions = {}): Promise<SearchHit[]> {
    const k = requirePositiveInt('k', opts.k ?? 10);
    if (query.length !== this.info.embedDim) {
      throw new SearchError(
        'BAD_QUERY',
        `query has ${query.length} dimensions, the index ${this.info.embedDim} (${this.info.model})`,
      );
    }
    const q = normalizeInPlace(Float32Array.from(query));
    const keep = (key: number): boolean => {
      const e = this.entries.get(key);
      return e !== undefined && (opts.label === undefined || e.label === opts.label);
    };
    let hits = this.ann ? this.approximate(this.ann, q, k, opts.label === undefined ? k : k * 4, keep) : [];
    if (hits.length < Math.min(k, this.count(opts.label))) {
      this.exact ??= IndexSearcher.loadVectors(this.dir, this.info);
      hits = exactTopK(await this.exact, this.info.embedDim, q, k, keep).map((n) => ({ key: n.row, score: n.score }));
    }
    return hits.slice(0, k).map((h, i) => {
      const e = this.entries.get(h.key) as Entry;
      return { rank: i + 1, image_path: e.image_path, score: h.score, label: e.label };
    });
  }

  /** The graph's hits that pass `keep`; a label filter keeps a fraction, so it asks for more until k pass. */
  private approximate(
    ann: AnnIndex,
    q: Float32Array,
    k: number,
    first: number,
    keep: (key: number) => boolean,
  ): AnnMatch[] {
    let want = first;
    for (;;) {
      const hits = ann.search(q, want).filter((h) => keep(h.key));
      if (hits.length >= k || want >= ann.size) return hits;
      want *= 4;
    }
  }

  /** Images a query may return: all of them, or those whose top label is `label` (0 for a label none has). */
  count(label?: string): number {
    return label === undefined ? this.entries.size : (this.perLabel.get(label) ?? 0);
  }

  /**
   * "More like this": the images nearest to an indexed image, the image itself first with score 1.0.
   *
   * @throws SearchError `NOT_IN_INDEX` when the image is not in the index.
   */
  async like(imagePath: string, opts: QueryOptions = {}): Promise<SearchHit[]> {
    const k = requirePositiveInt('k', opts.k ?? 10);
    const key = this.byPath.get(imagePath);
    if (key === undefined) {
      throw new SearchError(
        'NOT_IN_INDEX',
        `${imagePath} is not in the index at ${this.dir} (give an image_path as the run's metadata writes it)`,
      );
    }
    const self = this.entries.get(key) as Entry;
    const others = (await this.search(await this.vectorOf(key), { ...opts, k: k + 1 })).filter(
      (h) => h.image_path !== imagePath,
    );
    const first = { rank: 1, image_path: imagePath, score: 1, label: self.label };
    return [first, ...others.slice(0, k - 1).map((h, i) => ({ ...h, rank: i + 2 }))];
  }

  /** The stored (float16) vector of a key, read from `vectors.npy` without loading the file. */
  private async vectorOf(key: number): Promise<Float32Array> {
    if (this.exact) return (await this.exact).slice(key * this.info.embedDim, (key + 1) * this.info.embedDim);
    const file = await openFile(path.join(this.dir, INDEX_FILES.vectors));
    try {
      const head = Buffer.alloc(4096);
      await file.read(head, 0, head.length, 0);
      const dataStart = readNpyHeader(head).dataOffset;
      const bytes = this.info.embedDim * 2;
      const row = Buffer.alloc(bytes);
      await file.read(row, 0, bytes, dataStart + key * bytes);
      return float16ToFloat32(new Uint16Array(row.buffer, row.byteOffset, this.info.embedDim));
    } finally {
      await file.close();
    }
  }
}
