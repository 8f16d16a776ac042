/**
 * Search at scale: N (default 1,000,000) clustered random unit vectors of D = 512 (around 2,000 random centres, so
 * neighbours mean something): HNSW build time and peak RSS, index size on disk, warm query latency p50/p99 on the
 * memory-mapped index, recall@10 against exact search, and spherical k-means of all N into K = 1,000 clusters (time,
 * peak RSS). The same code paths as `metaclip index` / `search` / `cluster` (AnnIndex with its defaults,
 * sphericalKMeans). Prints one JSON object as its last stdout line.
 *
 * Usage: tsx bench/search.ts [--vectors 1000000] [--dim 512] [--queries 1000] [--kmeans-k 1000] [--seed 1]
 */
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { AnnIndex, clusteredVectors, DEFAULT_HNSW, exactNearest, sphericalKMeans } from '@metaclip-batch/search';

const { values } = parseArgs({
  options: {
    vectors: { type: 'string', default: '1000000' },
    dim: { type: 'string', default: '512' },
    queries: { type: 'string', default: '1000' },
    'kmeans-k': { type: 'string', default: '1000' },
    seed: { type: 'string', default: '1' },
  },
});
const n = Number(values.vectors);
const dim = Number(values.dim);
const nq = Number(values.queries);
const kmK = Number(values['kmeans-k']);
const seed = Number(values.seed);
const log = (msg: string) => process.stderr.write(`search: ${msg}\n`);

/** Peak resident set (VmHWM) in MiB; `resetPeak` starts a new peak from the current RSS (Linux clear_refs). */
function peakRssMiB(): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
  return m ? Math.round(Number(m[1]) / 1024) : Math.round(process.memoryUsage().rss / 2 ** 20);
}
function resetPeak(): void {
  try {
    writeFileSync('/proc/self/clear_refs', '5');
  } catch {
    log('cannot reset the peak RSS here; peaks include earlier stages');
  }
}
const rssMiB = () => Math.round(process.memoryUsage().rss / 2 ** 20);
const seconds = (t0: number) => Math.round((performance.now() - t0) / 100) / 10;
const quantile = (xs: number[], q: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))] as number;

const dir = await mkdtemp(path.join(tmpdir(), 'bench-search-'));
try {
  let t0 = performance.now();
  // One draw of n + nq rows around the same centres; the last nq are held out as queries (not in the index).
  const rows = clusteredVectors(n + nq, dim, 2000, 0.05, seed);
  const data = rows.subarray(0, n * dim);
  const queries = rows.subarray(n * dim);
  log(`generated ${n.toLocaleString('en-US')} x ${dim} vectors in ${seconds(t0)} s`);

  t0 = performance.now();
  // Exact search materialises query x row distances: 100 queries at a time keep that under 1 GB at 1M rows.
  const truthKeys = new BigUint64Array(nq * 10);
  for (let s = 0; s < nq; s += 100) {
    const part = exactNearest(data, queries.subarray(s * dim, Math.min(nq, s + 100) * dim), dim, 10);
    truthKeys.set(part.keys, s * 10);
  }
  const truth = { keys: truthKeys };
  log(`exact top-10 of ${nq} queries in ${seconds(t0)} s`);

  resetPeak();
  const rssBeforeBuild = rssMiB();
  t0 = performance.now();
  const build = AnnIndex.create(dim);
  const step = 100_000;
  for (let start = 0; start < n; start += step) {
    const end = Math.min(n, start + step);
    build.add(
      Array.from({ length: end - start }, (_, i) => start + i),
      data.subarray(start * dim, end * dim),
    );
    log(`added ${end.toLocaleString('en-US')} (${seconds(t0)} s)`);
  }
  const file = path.join(dir, 'hnsw.usearch');
  build.save(file);
  const buildS = seconds(t0);
  const buildPeak = peakRssMiB();
  const indexMiB = Math.round(statSync(file).size / 2 ** 20);
  log(`built in ${buildS} s, ${indexMiB} MiB on disk, peak RSS ${buildPeak} MiB (${rssBeforeBuild} before)`);

  const served = AnnIndex.open(file, dim, DEFAULT_HNSW, true);
  const q = (i: number) => queries.subarray(i * dim, (i + 1) * dim);
  for (let i = 0; i < nq; i++) served.search(q(i), 10); // warm: pages of the mapped file in memory
  const latencies: number[] = [];
  let hits = 0;
  for (let i = 0; i < nq; i++) {
    const s0 = performance.now();
    const found = served.search(q(i), 10);
    latencies.push(performance.now() - s0);
    const expected = new Set(Array.from(truth.keys.subarray(i * 10, (i + 1) * 10), Number));
    hits += found.filter((h) => expected.has(h.key)).length;
  }
  const recallAt10 = Math.round((hits / (nq * 10)) * 1000) / 1000;
  const p50 = Math.round(quantile(latencies, 0.5) * 1000) / 1000;
  const p99 = Math.round(quantile(latencies, 0.99) * 1000) / 1000;
  log(`recall@10 ${recallAt10}, query p50 ${p50} ms, p99 ${p99} ms (memory-mapped, one thread)`);

  resetPeak();
  const rssBeforeKm = rssMiB();
  t0 = performance.now();
  const km = sphericalKMeans(data, dim, {
    k: kmK,
    seed,
    onIteration: (i, of) => {
      if (i % 20 === 0) log(`k-means iteration ${i}/${of} (${seconds(t0)} s)`);
    },
  });
  const kmeansS = seconds(t0);
  const kmPeak = peakRssMiB();
  const sizes = new Int32Array(kmK);
  for (const c of km.assignment) sizes[c] = (sizes[c] as number) + 1;
  log(`k-means ${n} into ${kmK} in ${kmeansS} s, peak RSS ${kmPeak} MiB (${rssBeforeKm} before)`);

  console.log(
    JSON.stringify({
      vectors: n,
      dim,
      queries: nq,
      buildS,
      buildPeakRssMiB: buildPeak,
      rssBeforeBuildMiB: rssBeforeBuild,
      indexMiB,
      queryP50Ms: p50,
      queryP99Ms: p99,
      recallAt10,
      kmeansK: kmK,
      kmeansS,
      kmeansIterations: km.iterations,
      kmeansPeakRssMiB: kmPeak,
      rssBeforeKmeansMiB: rssBeforeKm,
      kmeansEmptyClusters: sizes.filter((x) => x === 0).length,
    }),
  );
} finally {
  await rm(dir, { recursive: true, force: true });
}
