/** Pure vector helpers on row-major `Float32Array` matrices of unit vectors. */

/** One neighbour: the row (or key) and its cosine similarity to the query. */
export interface Neighbour {
  row: number;
  score: number;
}

/** Dot product of row `i` of `data` with `q` (cosine when both are unit length). */
export function rowDot(data: Float32Array, dim: number, i: number, q: Float32Array): number {
  let s = 0;
  const o = i * dim;
  for (let j = 0; j < dim; j++) s += (data[o + j] as number) * (q[j] as number);
  return s;
}

/** Scales `v` to unit length in place (a zero vector stays zero) and returns it. */
export function normalizeInPlace(v: Float32Array): Float32Array {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += (v[i] as number) ** 2;
  const inv = s > 0 ? 1 / Math.sqrt(s) : 0;
  for (let i = 0; i < v.length; i++) v[i] = (v[i] as number) * inv;
  return v;
}

/**
 * Exact top-k by cosine: every row of `data` against `q`, best first (ties by row). `keep` filters rows. This is the
 * reference that approximate results are measured against, and the search of an `--exact` index.
 */
export function exactTopK(
  data: Float32Array,
  dim: number,
  q: Float32Array,
  k: number,
  keep: (row: number) => boolean = () => true,
): Neighbour[] {
  const n = data.length / dim;
  const best: Neighbour[] = [];
  for (let i = 0; i < n; i++) {
    if (!keep(i)) continue;
    const score = rowDot(data, dim, i, q);
    if (best.length === k && score <= (best[k - 1] as Neighbour).score) continue;
    let at = best.length;
    while (at > 0 && (best[at - 1] as Neighbour).score < score) at--;
    best.splice(at, 0, { row: i, score });
    if (best.length > k) best.pop();
  }
  return best;
}
