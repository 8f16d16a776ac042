import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { encodeNpy, encodeParquet, float32ToFloat16 } from '@metaclip-batch/storage';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AnnIndex, DEFAULT_HNSW } from './ann.ts';
import { clusteredVectors } from './clustered-vectors.ts';
import { INDEX_FILES, writeIndexInfo } from './index-files.ts';
import { IndexSearcher } from './searcher.ts';
import { exactTopK } from './vectors.ts';

/**
 * An HNSW index whose graph lacks some of the images its keys list: what a graph that lost touch with nodes after
 * removals looks like to a query. The searcher must still return them when asked for enough results.
 */
describe('IndexSearcher over an HNSW index', () => {
  const dim = 16;
  const n = 60;
  const data = clusteredVectors(n, dim, 4, 0.3, 11);
  const notInGraph = new Set([3, 17, 40]);
  const labelOf = (key: number) => (key % 10 === 0 ? 'rare' : 'common');
  let dir: string;
  let searcher: IndexSearcher;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'searcher-'));
    const keys = Array.from({ length: n }, (_, i) => i);
    const ann = AnnIndex.create(dim);
    const inGraph = keys.filter((k) => !notInGraph.has(k));
    ann.add(inGraph, Float32Array.from(inGraph.flatMap((k) => [...data.subarray(k * dim, (k + 1) * dim)])));
    ann.save(path.join(dir, INDEX_FILES.hnsw));
    await writeFile(path.join(dir, INDEX_FILES.vectors), encodeNpy(float32ToFloat16(data), [n, dim], 'float16'));
    const table = encodeParquet([
      { name: 'key', type: 'int32', nullable: false, data: Int32Array.from(keys) },
      { name: 'image_path', type: 'string', nullable: false, data: keys.map((k) => `/img/${k}.jpg`) },
      { name: 'label', type: 'string', data: keys.map(labelOf) },
    ]);
    await writeFile(path.join(dir, INDEX_FILES.keys), table);
    await writeIndexInfo(dir, {
      version: 1,
      model: 'test',
      embedDim: dim,
      source: '/img',
      kind: 'hnsw',
      hnsw: DEFAULT_HNSW,
      count: n,
      slots: n,
      runs: [],
    });
    searcher = await IndexSearcher.open(dir);
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('answers from the graph when it returns enough hits', async () => {
    const hits = await searcher.search(data.subarray(0, dim), { k: 5 });
    expect(hits.map((h) => h.image_path)[0]).toBe('/img/0.jpg');
    expect(hits).toHaveLength(5);
  });

  it('returns every image when k covers the index, even those the graph cannot reach', async () => {
    const hits = await searcher.search(data.subarray(0, dim), { k: 1000 });
    expect(hits).toHaveLength(n);
    for (const key of notInGraph) expect(hits.map((h) => h.image_path)).toContain(`/img/${key}.jpg`);
    const exact = exactTopK(data, dim, data.subarray(0, dim), n).map((e) => `/img/${e.row}.jpg`);
    expect(hits.map((h) => h.image_path)).toEqual(exact);
  });

  it('returns every image of a label when k covers it', async () => {
    const rare = Array.from({ length: n }, (_, i) => i).filter((k) => labelOf(k) === 'rare');
    const hits = await searcher.search(data.subarray(17 * dim, 18 * dim), { k: 50, label: 'rare' });
    expect(hits.map((h) => h.image_path).sort()).toEqual(rare.map((k) => `/img/${k}.jpg`).sort());
  });

  it('counts the images of each label when opened, for the labelled queries to compare against', async () => {
    const rare = Array.from({ length: n }, (_, i) => i).filter((k) => labelOf(k) === 'rare').length;
    expect(searcher.count()).toBe(n);
    expect(searcher.count('rare')).toBe(rare);
    expect(searcher.count('common')).toBe(n - rare);
    expect(searcher.count('absent')).toBe(0);
    expect(await searcher.search(data.subarray(0, dim), { k: 5, label: 'absent' })).toEqual([]);
  });
});
