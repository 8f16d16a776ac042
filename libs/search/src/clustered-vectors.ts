import { seededRandom } from '@metaclip-batch/random';
import { normalizeInPlace } from './vectors';

/**
 * Synthetic embeddings for tests and the bench: `n` unit vectors of `dim` around `centres` random unit centres (Gaussian noise of `spread` per component): clustered
 * like real embeddings, so nearest neighbours mean something. Deterministic per seed. Shared by tests and the bench.
 */
export function clusteredVectors(n: number, dim: number, centres: number, spread: number, seed = 1): Float32Array {
  const rand = seededRandom(seed);
  const gauss = (): number => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
  const c = new Float32Array(centres * dim);
  for (let i = 0; i < c.length; i++) c[i] = gauss();
  for (let j = 0; j < centres; j++) normalizeInPlace(c.subarray(j * dim, (j + 1) * dim));
  const out = new Float32Array(n * dim);
  for (let i = 0; i < n; i++) {
    const o = Math.floor(rand() * centres) * dim;
    const row = out.subarray(i * dim, (i + 1) * dim);
    for (let j = 0; j < dim; j++) row[j] = (c[o + j] as number) + spread * gauss();
    normalizeInPlace(row);
  }
  return out;
}
