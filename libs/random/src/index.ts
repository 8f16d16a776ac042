/**
 * Seeded pseudo-random numbers for everything that must be reproducible from a seed: random checkpoints, k-means
 * seeding, benchmark corpora. One generator (mulberry32) for the whole project, so the same seed means the same
 * stream wherever it is drawn. Not for secrets.
 */

/** mulberry32: uniforms in [0, 1) from a 32-bit seed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Seeded normal samples: {@link seededRandom} uniforms through Box-Muller, two samples per pair of uniforms.
 * Filling arrays of even length one after another draws the same stream as filling their concatenation, so a
 * tensor can be generated in chunks with the same values as in one piece.
 */
export class Gaussian {
  private readonly uniform: () => number;

  constructor(seed: number) {
    this.uniform = seededRandom(seed);
  }

  /** Fill `out` with samples of N(mean, std²) and return it. */
  fill(out: Float32Array, mean: number, std: number): Float32Array {
    for (let i = 0; i < out.length; i += 2) {
      const u = 1 - this.uniform(); // (0, 1]: log(0) would be -Infinity
      const r = Math.sqrt(-2 * Math.log(u)) * std;
      const theta = 2 * Math.PI * this.uniform();
      out[i] = mean + r * Math.cos(theta);
      if (i + 1 < out.length) out[i + 1] = mean + r * Math.sin(theta);
    }
    return out;
  }
}
