import usearch, { type BatchMatches, type Index, type Matches } from 'usearch';

/**
 * HNSW parameters of an index (usearch's names). Defaults: connectivity (M) 16, expansion at add (efConstruction)
 * 128, expansion at search (ef) 128 (ef 64 measured recall@10 0.94 on clustered 512-d vectors, see
 * docs/benchmarks.md, "search"). Larger values: better recall, slower build and queries, a bigger file.
 */
export interface HnswParams {
  /** Links per node, 2..1024. Default 16. */
  connectivity: number;
  /** Candidate list size while inserting, >= connectivity. Default 128. */
  expansionAdd: number;
  /** Candidate list size while searching, >= k. Default 128. */
  expansionSearch: number;
}

/** The defaults of {@link HnswParams}. */
export const DEFAULT_HNSW: HnswParams = { connectivity: 16, expansionAdd: 128, expansionSearch: 128 };

/** A match of the approximate index: the key and its cosine similarity to the query. */
export interface AnnMatch {
  key: number;
  score: number;
}

/**
 * One usearch HNSW index over unit vectors: cosine metric, vectors stored as float16 (like the run's npy files), keys
 * are the rows of the index's `vectors.npy`. Why usearch: see docs/search.md.
 */
export class AnnIndex {
  private constructor(private readonly index: Index) {}

  private static make(dim: number, p: HnswParams): Index {
    return new usearch.Index({
      dimensions: dim,
      metric: usearch.MetricKind.Cos,
      quantization: usearch.ScalarKind.F16,
      connectivity: p.connectivity,
      expansion_add: p.expansionAdd,
      expansion_search: p.expansionSearch,
      multi: false,
    });
  }

  /** A new, empty, writable index. */
  static create(dim: number, p: HnswParams = DEFAULT_HNSW): AnnIndex {
    return new AnnIndex(AnnIndex.make(dim, p));
  }

  /**
   * Opens a saved index: `mmap` maps the file read-only (the OS pages it in on demand, so an index larger than RAM
   * still answers); otherwise it is loaded into memory and writable.
   */
  static open(file: string, dim: number, p: HnswParams, mmap: boolean): AnnIndex {
    const index = AnnIndex.make(dim, p);
    if (mmap) index.view(file);
    else index.load(file);
    return new AnnIndex(index);
  }

  /** Vectors in the index. */
  get size(): number {
    return this.index.size();
  }

  /** Adds rows of `vectors` under `keys` (on all cores). A key already present is refused: remove it first. */
  add(keys: readonly number[], vectors: Float32Array): void {
    if (keys.length === 0) return;
    this.index.add(BigUint64Array.from(keys, BigInt), vectors, 0);
  }

  /** Removes keys (absent ones are ignored). */
  remove(keys: readonly number[]): void {
    if (keys.length > 0) this.index.remove(BigUint64Array.from(keys, BigInt));
  }

  /** The `k` nearest keys of one unit vector, best first. */
  search(q: Float32Array, k: number): AnnMatch[] {
    const m = this.index.search(q, Math.min(k, Math.max(1, this.size)), 1);
    return Array.from(m.keys, (key, i) => ({ key: Number(key), score: 1 - (m.distances[i] as number) }));
  }

  /** Batch search of `n` queries on all cores: `keys[i*k + j]` (or -1 past the hits found) and `scores` likewise. */
  searchBatch(queries: Float32Array, n: number, k: number): { keys: Int32Array; scores: Float32Array } {
    const keys = new Int32Array(n * k).fill(-1);
    const scores = new Float32Array(n * k);
    if (n === 0 || this.size === 0) return { keys, scores };
    // A flat matrix of one row comes back as single-query Matches, of more rows as BatchMatches.
    const m = this.index.search(queries, k, 0) as Matches | BatchMatches;
    const stride = 'k' in m ? m.k : k;
    for (let i = 0; i < n; i++) {
      const found = 'counts' in m ? Number(m.counts[i]) : m.keys.length;
      for (let j = 0; j < found; j++) {
        keys[i * k + j] = Number(m.keys[i * stride + j]);
        scores[i * k + j] = 1 - (m.distances[i * stride + j] as number);
      }
    }
    return { keys, scores };
  }

  /** Writes the index to `file`. */
  save(file: string): void {
    this.index.save(file);
  }
}

/** A typed array that starts at its buffer's first byte (a copy only when `v` is a view further in). */
function fromBufferStart(v: Float32Array): Float32Array {
  return v.byteOffset === 0 ? v : v.slice();
}

/**
 * Exact (brute-force, SIMD, all cores) k nearest rows of `dataset` for each of the `queries` by inner product, which
 * is cosine on unit vectors: `keys[i*k + j]` is a dataset row, `scores` its similarity. usearch's `exactSearch`
 * reads typed arrays from the start of their buffer whatever their `byteOffset` (seen in 2.25), so views are copied.
 */
export function exactNearest(
  dataset: Float32Array,
  queries: Float32Array,
  dim: number,
  k: number,
): { keys: BigUint64Array; scores: Float32Array } {
  const m = usearch.exactSearch(fromBufferStart(dataset), fromBufferStart(queries), dim, k, usearch.MetricKind.IP, 0);
  const scores = Float32Array.from(m.distances, (d) => 1 - d);
  return { keys: m.keys, scores };
}
