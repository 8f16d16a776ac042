/**
 * Search at scale: N (default 1,000,000) clustered random unit vectors of D = 512 (around 2,000 random centres, so
 * neighbours mean something): HNSW build time and peak RSS, index size on disk, warm query latency p50/p99 on the
 * memory-mapped index, recall@10 against exact search, and spherical k-means of all N into K = 1,000 clusters (time,
 * peak RSS). The same code paths as `metaclip index` / `search` / `cluster` (AnnIndex with its defaults,
 * sphericalKMeans). Each stage reports wall seconds, CPU seconds of the process (all its threads: on a machine shared
 * with other work the wall time stretches, the CPU time much less) and the 1-minute load average when it ended; each
 * stage's figures go to stderr as it ends, so a run stopped early still says what it measured. Prints one JSON
 * object as its last stdout line.
 *
 * Usage: tsx bench/search.ts [--vectors 1000000] [--dim 512] [--queries 1000] [--kmeans-k 1000] [--seed 1]
 *   [--stages index,kmeans] (index: exact reference, build, queries; kmeans: the clustering; default both)
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
    stages: { type: 'string', default: 'index,kmeans' },
  },
});
const n = Number(values.vectors);
const dim = Number(values.dim);
const nq = Number(values.queries);
const kmK = Number(values['kmeans-k']);
const seed = Number(values.seed);
const stages = new Set(values.stages.split(','));
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
const round1 = (x: number) => Math.round(x * 10) / 10;
const seconds = (t0: number) => round1((performance.now() - t0) / 1000);
const loadAverage = () => Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0]);

/** Wall and CPU seconds of one stage, and the load average at its end. */
interface StageTime {
  s: number;
  cpuS: number;
  load: number;
}
function startStage(): () => StageTime {
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  return () => {
    const c = process.cpuUsage(c0);
    return { s: seconds(t0), cpuS: round1((c.user + c.system) / 1e6), load: loadAverage() };
  };
}
const told = (t: StageTime) => `${t.s} s (${t.cpuS} CPU s, load ${t.load})`;
const quantile = (xs: number[], q: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))] as number;

/** Exact reference, HNSW build (time, peak RSS, size on disk), warm queries on the mapped index, recall@10. */
function measureIndex(data: Float32Array, queries: Float32Array, dir: string) {
  let stage = startStage();
  // usearch's exact search (SIMD, all cores) keeps a query x row distance matrix: 100 queries at a time keep it under
  // 2 GB at 1M rows.
  const truthKeys = new BigUint64Array(nq * 10);
  for (let s = 0; s < nq; s += 100) {
    const part = exactNearest(data, queries.subarray(s * dim, Math.min(nq, s + 100) * dim), dim, 10);
    truthKeys.set(part.keys, s * 10);
  }
  const exact = stage();
  log(`exact top-10 of ${nq} queries against ${n.toLocaleString('en-US')} rows in ${told(exact)}`);

  resetPeak();
  const rssBeforeBuild = rssMiB();
  stage = startStage();
  const t0 = performance.now();
  const build = AnnIndex.create(dim);
  // Batches only for the progress lines: usearch spreads each batch over all cores.
  const step = 100_000;
  for (let start = 0; start < n; start += step) {
    const end = Math.min(n, start + step);
    build.add(
      Array.from({ length: end - start }, (_, i) => start + i),
      data.subarray(start * dim, end * dim),
    );
    log(`added ${end.toLocaleString('en-US')} (${seconds(t0)} s, load ${loadAverage()})`);
  }
  const file = path.join(dir, 'hnsw.usearch');
  build.save(file);
  const built = stage();
  const buildPeak = peakRssMiB();
  const indexMiB = Math.round(statSync(file).size / 2 ** 20);
  log(`built in ${told(built)}, ${indexMiB} MiB on disk, peak RSS ${buildPeak} MiB (${rssBeforeBuild} before)`);

  const q = (i: number) => queries.subarray(i * dim, (i + 1) * dim);
  /** Warm queries on the memory-mapped index at search expansion `ef`: recall@10 and latency quantiles. */
  const measureQueries = (ef: number) => {
    const served = AnnIndex.open(file, dim, { ...DEFAULT_HNSW, expansionSearch: ef }, true);
    for (let i = 0; i < nq; i++) served.search(q(i), 10); // warm: pages of the mapped file in memory
    const latencies: number[] = [];
    let hits = 0;
    for (let i = 0; i < nq; i++) {
      const s0 = performance.now();
      const found = served.search(q(i), 10);
      latencies.push(performance.now() - s0);
      const expected = new Set(Array.from(truthKeys.subarray(i * 10, (i + 1) * 10), Number));
      hits += found.filter((h) => expected.has(h.key)).length;
    }
    const recall = Math.round((hits / (nq * 10)) * 1000) / 1000;
    const p50Ms = Math.round(quantile(latencies, 0.5) * 1000) / 1000;
    const p99Ms = Math.round(quantile(latencies, 0.99) * 1000) / 1000;
    log(
      `ef ${ef}: recall@10 ${recall}, query p50 ${p50Ms} ms, p99 ${p99Ms} ms (memory-mapped, one thread, load ${loadAverage()})`,
    );
    return { ef, recallAt10: recall, p50Ms, p99Ms };
  };
  const atDefault = measureQueries(DEFAULT_HNSW.expansionSearch);
  const recallAt10 = atDefault.recallAt10;
  const p50 = atDefault.p50Ms;
  const p99 = atDefault.p99Ms;
  const queryLoad = loadAverage();
  // The recall/latency trade-off of the one search-time knob, on the same graph (`metaclip index --expansion-search`).
  const efSweep = [32, 64, 96, 192].map(measureQueries);
  return {
    exact,
    buildS: built.s,
    buildCpuS: built.cpuS,
    buildLoad: built.load,
    buildPeakRssMiB: buildPeak,
    rssBeforeBuildMiB: rssBeforeBuild,
    indexMiB,
    queryP50Ms: p50,
    queryP99Ms: p99,
    queryLoad,
    recallAt10,
    efSweep,
  };
}

/** Spherical k-means of all rows into `kmK` clusters: time, peak RSS, empty clusters. */
function measureKMeans(data: Float32Array) {
  resetPeak();
  const rssBeforeKm = rssMiB();
  const stage = startStage();
  const k0 = performance.now();
  const km = sphericalKMeans(data, dim, {
    k: kmK,
    seed,
    onIteration: (i, of) => {
      if (i % 20 === 0) log(`k-means iteration ${i}/${of} (${seconds(k0)} s, load ${loadAverage()})`);
    },
  });
  const kmeans = stage();
  const kmPeak = peakRssMiB();
  const sizes = new Int32Array(kmK);
  for (const c of km.assignment) sizes[c] = (sizes[c] as number) + 1;
  log(`k-means ${n} into ${kmK} in ${told(kmeans)}, peak RSS ${kmPeak} MiB (${rssBeforeKm} before)`);
  return {
    kmeansK: kmK,
    kmeansS: kmeans.s,
    kmeansCpuS: kmeans.cpuS,
    kmeansLoad: kmeans.load,
    kmeansIterations: km.iterations,
    kmeansPeakRssMiB: kmPeak,
    rssBeforeKmeansMiB: rssBeforeKm,
    kmeansEmptyClusters: sizes.filter((x) => x === 0).length,
  };
}

const dir = await mkdtemp(path.join(tmpdir(), 'bench-search-'));
try {
  log(`load average ${readFileSync('/proc/loadavg', 'utf8').trim()} at start`);
  const stage = startStage();
  // One draw of n + nq rows around the same centres; the last nq are held out as queries (not in the index).
  const rows = clusteredVectors(n + nq, dim, 2000, 0.05, seed);
  const data = rows.subarray(0, n * dim);
  const generate = stage();
  log(`generated ${n.toLocaleString('en-US')} x ${dim} vectors in ${told(generate)}`);
  const index = stages.has('index') ? measureIndex(data, rows.subarray(n * dim), dir) : {};
  const kmeans = stages.has('kmeans') ? measureKMeans(data) : {};
  console.log(JSON.stringify({ vectors: n, dim, queries: nq, generate, ...index, ...kmeans }));
} finally {
  await rm(dir, { recursive: true, force: true });
}
