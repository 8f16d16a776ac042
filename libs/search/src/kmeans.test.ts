import { describe, expect, it } from 'vitest';
import { clusteredVectors } from './clustered-vectors.ts';
import { SearchError } from './errors.ts';
import { sphericalKMeans } from './kmeans.ts';

describe('sphericalKMeans', () => {
  const dim = 16;
  const data = clusteredVectors(600, dim, 5, 0.05, 7);

  it('finds well-separated clusters, each row in exactly one, with unit centroids', () => {
    const r = sphericalKMeans(data, dim, { k: 5, seed: 3 });
    expect(r.assignment).toHaveLength(600);
    expect(new Set(r.assignment).size).toBe(5);
    for (let c = 0; c < 5; c++) {
      const norm = Math.hypot(...r.centroids.subarray(c * dim, (c + 1) * dim));
      expect(norm).toBeCloseTo(1, 5);
    }
    expect(Math.min(...r.score)).toBeGreaterThan(0.9);
  });

  it('is deterministic per seed, in Lloyd and mini-batch modes', () => {
    for (const fullBatchRows of [65_536, 100]) {
      const a = sphericalKMeans(data, dim, { k: 8, seed: 11, fullBatchRows, batchSize: 128, iterations: 20 });
      const b = sphericalKMeans(data, dim, { k: 8, seed: 11, fullBatchRows, batchSize: 128, iterations: 20 });
      expect(Array.from(a.assignment)).toEqual(Array.from(b.assignment));
      expect(Array.from(a.centroids)).toEqual(Array.from(b.centroids));
    }
  });

  it('refuses k = 0 and k above the row count', () => {
    expect(() => sphericalKMeans(data, dim, { k: 0 })).toThrow(SearchError);
    expect(() => sphericalKMeans(data, dim, { k: 601 })).toThrow(/more than the 600 images/);
  });
});

describe('sphericalKMeans on more rows than one assignment chunk', () => {
  it('assigns rows past the first chunk to their own nearest centroid', () => {
    const dim = 8;
    const data = clusteredVectors(70_000, dim, 3, 0.02, 9);
    const r = sphericalKMeans(data, dim, { k: 3, seed: 1, iterations: 5 });
    // Every row must sit at its best centroid: a chunk read from the wrong offset would break this.
    for (const i of [0, 65_535, 65_536, 69_999]) {
      const row = data.subarray(i * dim, (i + 1) * dim);
      const cos = [0, 1, 2].map((c) => row.reduce((s, x, j) => s + x * (r.centroids[c * dim + j] as number), 0));
      expect(r.assignment[i]).toBe(cos.indexOf(Math.max(...cos)));
      expect(r.score[i]).toBeCloseTo(Math.max(...cos), 4);
    }
  });
});
