import { seededRandom } from '@metaclip-batch/random';
import { exactNearest } from './ann.ts';
import { requirePositiveInt, SearchError } from './errors.ts';
import { normalizeInPlace } from './vectors.ts';

/** Options of {@link sphericalKMeans}. */
export interface KMeansOptions {
  /** Clusters, 1..rows. */
  k: number;
  /** Seed of every random choice (init sample, k-means++, mini-batches): same seed, same data -> same clusters. Default 0. */
  seed?: number;
  /** Rows up to which every iteration uses all rows (Lloyd); above it, mini-batches. Default 65,536. */
  fullBatchRows?: number;
  /** Rows per mini-batch. Default 8,192. */
  batchSize?: number;
  /** Iterations: Lloyd stops earlier when no assignment changes. Default 30 (Lloyd), 100 (mini-batch). */
  iterations?: number;
  /** Called after each iteration. */
  onIteration?: (iteration: number, of: number) => void;
}

/** Unit centroids, each row's cluster and its cosine to that centroid. */
export interface KMeansResult {
  centroids: Float32Array;
  assignment: Int32Array;
  score: Float32Array;
  iterations: number;
}

/**
 * Spherical k-means on unit vectors (cosine): k-means++ seeding on a sample, then Lloyd iterations (up to
 * `fullBatchRows` rows) or Sculley's mini-batch updates (millions of rows), centroids renormalised after each step;
 * nearest-centroid searches run on usearch's SIMD exact search on all cores. Deterministic per seed.
 *
 * @throws SearchError `BAD_ARGUMENT` when k is not in 1..rows.
 */
export function sphericalKMeans(data: Float32Array, dim: number, opts: KMeansOptions): KMeansResult {
  const n = data.length / dim;
  const k = requirePositiveInt('k', opts.k);
  if (k > n)
    throw new SearchError('BAD_ARGUMENT', `k = ${k} clusters is more than the ${n} images; give a smaller --k`);
  const rand = seededRandom(opts.seed ?? 0);
  const centroids = kMeansPlusPlus(data, dim, k, rand);
  const full = n <= (opts.fullBatchRows ?? 65_536);
  const iterations = opts.iterations ?? (full ? 30 : 100);
  let done = 0;
  if (full) {
    let prev: Int32Array | null = null;
    for (; done < iterations; done++) {
      const { assignment, score } = assign(data, dim, centroids);
      if (prev && assignment.every((c, i) => c === prev?.[i])) break;
      recompute(data, dim, centroids, k, assignment, score);
      prev = assignment;
      opts.onIteration?.(done + 1, iterations);
    }
  } else {
    const counts = new Float64Array(k);
    const batch = Math.min(opts.batchSize ?? 8192, n);
    const rows = new Float32Array(batch * dim);
    for (; done < iterations; done++) {
      for (let b = 0; b < batch; b++) {
        const i = Math.floor(rand() * n);
        rows.set(data.subarray(i * dim, (i + 1) * dim), b * dim);
      }
      const { assignment } = assign(rows, dim, centroids);
      for (let b = 0; b < batch; b++) {
        const c = assignment[b] as number;
        counts[c] = (counts[c] as number) + 1;
        const eta = 1 / (counts[c] as number);
        const o = c * dim;
        for (let j = 0; j < dim; j++) {
          centroids[o + j] = (1 - eta) * (centroids[o + j] as number) + eta * (rows[b * dim + j] as number);
        }
      }
      for (let c = 0; c < k; c++) normalizeInPlace(centroids.subarray(c * dim, (c + 1) * dim));
      opts.onIteration?.(done + 1, iterations);
    }
  }
  const { assignment, score } = assign(data, dim, centroids);
  return { centroids, assignment, score, iterations: done };
}

/**
 * k-means++ (cosine distance) on a sample of up to 8k + 1,024 rows: per centroid, one SIMD pass over the sample (the
 * sample as queries against the one new centre), so seeding 1,000 clusters costs seconds, not minutes of JS loops.
 */
function kMeansPlusPlus(data: Float32Array, dim: number, k: number, rand: () => number): Float32Array {
  const n = data.length / dim;
  const m = Math.min(n, 8 * k + 1024);
  // One contiguous copy: exactNearest would otherwise copy a view of `data` once per centroid.
  const rows = m === n ? data.slice() : gatherRows(data, dim, sampleRows(n, m, rand));
  const centroids = new Float32Array(k * dim);
  const dist = new Float64Array(m).fill(Number.POSITIVE_INFINITY);
  let pick = Math.floor(rand() * m);
  for (let c = 0; c < k; c++) {
    const center = centroids.subarray(c * dim, (c + 1) * dim);
    center.set(rows.subarray(pick * dim, (pick + 1) * dim));
    normalizeInPlace(center);
    const { scores } = exactNearest(center, rows, dim, 1);
    let total = 0;
    for (let s = 0; s < m; s++) {
      const d = Math.max(0, 1 - (scores[s] as number));
      if (d * d < (dist[s] as number)) dist[s] = d * d;
      total += dist[s] as number;
    }
    // Next centre: a sample row with probability proportional to its squared distance (uniform if all are 0).
    let r = rand() * total;
    pick = Math.floor(rand() * m);
    if (total > 0) {
      for (let s = 0; s < m; s++) {
        r -= dist[s] as number;
        if (r <= 0) {
          pick = s;
          break;
        }
      }
    }
  }
  return centroids;
}

/** The rows `which` of `data`, copied into one contiguous matrix. */
function gatherRows(data: Float32Array, dim: number, which: Int32Array): Float32Array {
  const out = new Float32Array(which.length * dim);
  which.forEach((i, s) => {
    out.set(data.subarray(i * dim, (i + 1) * dim), s * dim);
  });
  return out;
}

/** `m` distinct row numbers out of `n`, sorted (partial Fisher-Yates over a sparse map). */
function sampleRows(n: number, m: number, rand: () => number): Int32Array {
  const swapped = new Map<number, number>();
  const out = new Int32Array(m);
  for (let i = 0; i < m; i++) {
    const j = i + Math.floor(rand() * (n - i));
    out[i] = swapped.get(j) ?? j;
    swapped.set(j, swapped.get(i) ?? i);
  }
  return out.sort();
}

const ASSIGN_CHUNK = 65_536;

/** Nearest centroid of every row (cosine), in chunks so the native result buffers stay small. */
export function assign(data: Float32Array, dim: number, centroids: Float32Array) {
  const n = data.length / dim;
  const assignment = new Int32Array(n);
  const score = new Float32Array(n);
  for (let start = 0; start < n; start += ASSIGN_CHUNK) {
    const end = Math.min(n, start + ASSIGN_CHUNK);
    const queries = data.subarray(start * dim, end * dim);
    const m = exactNearest(centroids, queries, dim, 1);
    for (let i = 0; i < end - start; i++) {
      assignment[start + i] = Number(m.keys[i]);
      score[start + i] = m.scores[i] as number;
    }
  }
  return { assignment, score };
}

/** Lloyd step: each centroid becomes the normalised mean of its rows; an empty one takes the worst-fitting row. */
function recompute(
  data: Float32Array,
  dim: number,
  centroids: Float32Array,
  k: number,
  assignment: Int32Array,
  score: Float32Array,
): void {
  const sums = new Float32Array(k * dim);
  const sizes = new Int32Array(k);
  for (let i = 0; i < assignment.length; i++) {
    const c = assignment[i] as number;
    sizes[c] = (sizes[c] as number) + 1;
    for (let j = 0; j < dim; j++) sums[c * dim + j] = (sums[c * dim + j] as number) + (data[i * dim + j] as number);
  }
  const byFit = Array.from(score.keys()).sort((a, b) => (score[a] as number) - (score[b] as number));
  let spare = 0;
  for (let c = 0; c < k; c++) {
    const center = centroids.subarray(c * dim, (c + 1) * dim);
    if (sizes[c] === 0) {
      const i = byFit[spare++] as number;
      center.set(data.subarray(i * dim, (i + 1) * dim));
    } else {
      center.set(sums.subarray(c * dim, (c + 1) * dim));
    }
    normalizeInPlace(center);
  }
}
