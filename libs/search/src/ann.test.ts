import { describe, expect, it } from 'vitest';
import { AnnIndex } from './ann.ts';
import { clusteredVectors } from './clustered-vectors.ts';
import { exactTopK } from './vectors.ts';

describe('AnnIndex', () => {
  const dim = 32;
  const n = 3000;
  const data = clusteredVectors(n, dim, 20, 0.3, 5);

  it('agrees with exact cosine search (recall@10 >= 0.95) and scores are cosines', () => {
    const ann = AnnIndex.create(dim);
    ann.add(
      Array.from({ length: n }, (_, i) => i),
      data,
    );
    let overlap = 0;
    for (let q = 0; q < 50; q++) {
      const query = data.subarray(q * 37 * dim, (q * 37 + 1) * dim);
      const exact = exactTopK(data, dim, query, 10);
      const hits = ann.search(query, 10);
      expect(hits[0]?.score).toBeCloseTo(exact[0]?.score as number, 2);
      const truth = new Set(exact.map((e) => e.row));
      overlap += hits.filter((h) => truth.has(h.key)).length;
    }
    expect(overlap / 500).toBeGreaterThanOrEqual(0.95);
  });

  it('removes keys and re-adds a key with a new vector', () => {
    const ann = AnnIndex.create(dim);
    ann.add([0, 1, 2], data.subarray(0, 3 * dim));
    ann.remove([1]);
    expect(ann.size).toBe(2);
    expect(() => ann.add([2], data.subarray(5 * dim, 6 * dim))).toThrow(/Duplicate keys/);
    ann.remove([2]);
    ann.add([2], data.subarray(5 * dim, 6 * dim));
    expect(ann.search(data.subarray(5 * dim, 6 * dim), 1)[0]?.key).toBe(2);
  });
});
