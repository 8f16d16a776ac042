import { Gaussian, seededRandom } from '@metaclip-batch/random';
import { normalizeInPlace } from './vectors.ts';

/**
 * Synthetic embeddings for tests and the bench: `n` unit vectors of `dim` around `centres` random unit centres
 * (Gaussian noise of `spread` per component): clustered like real embeddings, so nearest neighbours mean something.
 * Deterministic per seed. Shared by tests and the bench.
 */
export function clusteredVectors(n: number, dim: number, centres: number, spread: number, seed = 1): Float32Array {
  const gauss = new Gaussian(seed);
  const c = gauss.fill(new Float32Array(centres * dim), 0, 1);
  for (let j = 0; j < centres; j++) normalizeInPlace(c.subarray(j * dim, (j + 1) * dim));
  // The noise of all rows in one fill (a million 512-d rows are half a billion draws), then each row's centre added.
  const out = gauss.fill(new Float32Array(n * dim), 0, spread);
  const pick = seededRandom(seed + 1);
  for (let i = 0; i < n; i++) {
    const o = Math.floor(pick() * centres) * dim;
    const r = i * dim;
    for (let j = 0; j < dim; j++) out[r + j] = (out[r + j] as number) + (c[o + j] as number);
    normalizeInPlace(out.subarray(r, r + dim));
  }
  return out;
}
