/**
 * `metaclip index | search | dedup | cluster` on runs made by `metaclip-producer enqueue ... --wait` with a real
 * worker, over a local folder and over the test S3 server: results agree with exact cosine, planted byte copies are
 * found, every image lands in one cluster, an incremental run (one image added, one replaced, one deleted) updates the
 * index, and bad input gets a clear message and a non-zero exit.
 */
import { copyFile, cp, mkdir, mkdtemp, readFile, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { readParquet, storageFor } from '@metaclip-batch/storage';
import { Redis } from 'ioredis';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  cleanupRedis,
  killAll,
  REDIS_URL,
  readRunOutput,
  spawnWorker,
  type WorkerProcess,
} from '../scripts/lib/local-run';
import { METACLIP_BIN, PRODUCER_BIN, runBin } from './helpers/cli-process';
import { type ImageCorpus, makeImageCorpus } from './helpers/image-corpus';
import { type S3Server, startS3Server } from './helpers/s3-server';

const tinyModelDir = inject('sharedFixtures').tinyClip;

const id = `search-cli-${process.pid}-${Date.now()}`;
const LABELS = ['an astronaut', 'a coin', 'a clock'];

function cosine(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] as number) * (b[i] as number);
  return s;
}

/** Exact top-k image paths by cosine to `q` over a run's rows. */
function exactTop(rows: { image_path: string; embedding: Float32Array }[], q: Float32Array, k: number): string[] {
  return rows
    .map((r) => ({ p: r.image_path, s: cosine(r.embedding, q) }))
    .sort((a, b) => b.s - a.s)
    .slice(0, k)
    .map((r) => r.p);
}

describe('metaclip index, search, dedup and cluster', () => {
  let tmp: string;
  let corpus: ImageCorpus;
  let source: string;
  let output: string;
  let redis: Redis;
  let s3: S3Server;
  let env: Record<string, string>;
  const workers: WorkerProcess[] = [];
  const metaclip = (...args: string[]) => runBin(METACLIP_BIN, args, env);
  const enqueue = async (runId: string, src: string, out: string, ...extra: string[]) => {
    const r = await runBin(
      PRODUCER_BIN,
      [
        ...['enqueue', '--source', src, '--output', out, '--model', tinyModelDir, '--labels', LABELS.join(',')],
        ...['--queue', id, '--run-id', runId, '--shard-size', '8', '--wait', ...extra],
      ],
      env,
    );
    expect(r.code, r.stdout + r.stderr).toBe(0);
  };

  beforeAll(async () => {
    tmp = await mkdtemp(path.join(tmpdir(), `${id}-`));
    redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
    [corpus, s3] = await Promise.all([
      makeImageCorpus(tmp, { limit: 16 }),
      startS3Server({ buckets: ['data', 'out'] }),
    ]);
    source = path.join(tmp, 'images');
    output = path.join(tmp, 'out');
    // Two planted byte-for-byte copies under other names.
    await copyFile(corpus.valid[0] as string, path.join(source, 'copy-of-first.jpg'));
    await copyFile(corpus.valid[3] as string, path.join(source, 'copy-of-fourth.jpeg'));
    env = { ...s3.env, METACLIP_CACHE: path.join(tmp, 'model-cache') };
    workers.push(spawnWorker(`${id}-w0`, ['--model', tinyModelDir, '--queue', id], env));
    await Promise.all(workers.map((w) => w.ready));
  });

  afterAll(async () => {
    await killAll(workers);
    for (const run of ['r1', 'r2', 'empty', 's3']) await cleanupRedis(redis, id, `${id}-${run}`, source);
    redis.disconnect();
    await s3?.stop();
    await rm(tmp, { recursive: true, force: true });
  });

  it('indexes and searches a local run in agreement with exact cosine', async () => {
    await enqueue(`${id}-r1`, source, output);
    const run = path.join(output, `${id}-r1`);
    const built = await metaclip('index', '--run', run);
    expect(built.code, built.stderr).toBe(0);
    expect(built.lines[0]).toMatchObject({ mode: 'created', kind: 'hnsw', images: corpus.valid.length + 2 });

    const { rows } = await readRunOutput(output, `${id}-r1`);
    const index = path.join(run, 'index');
    let overlap = 0;
    for (const r of rows.slice(0, 6)) {
      const like = await metaclip('search', '--index', index, '--like', r.image_path, '--k', '10');
      expect(like.code, like.stderr).toBe(0);
      expect(like.lines[0]).toMatchObject({ query: r.image_path, rank: 1, image_path: r.image_path, score: 1 });
      const truth = new Set(exactTop(rows, r.embedding, 10));
      overlap += like.lines.filter((l) => truth.has(l.image_path as string)).length;
      expect(like.lines.map((l) => l.rank)).toEqual(Array.from({ length: 10 }, (_, i) => i + 1));
    }
    expect(overlap / 60).toBeGreaterThanOrEqual(0.9);

    const text = await metaclip('search', '--index', index, '--text', 'an astronaut', '--k', '5');
    expect(text.code, text.stderr).toBe(0);
    expect(text.lines).toHaveLength(5);
    for (const l of text.lines)
      expect(Object.keys(l).sort()).toEqual(['image_path', 'label', 'query', 'rank', 'score']);
    const scores = text.lines.map((l) => l.score as number);
    expect([...scores].sort((a, b) => b - a)).toEqual(scores);

    const image = await metaclip('search', '--index', index, '--image', corpus.valid[2] as string, '--k', '3');
    expect(image.lines[0]).toMatchObject({ image_path: corpus.valid[2] });
    expect(image.lines[0]?.score as number).toBeGreaterThan(0.99);

    const label = rows[0]?.label as string;
    const filtered = await metaclip('search', '--index', index, '--text', 'a coin', '--label', label, '--k', '50');
    expect(filtered.lines.length).toBe(rows.filter((r) => r.label === label).length);
    for (const l of filtered.lines) expect(l.label).toBe(label);
  });

  it('finds the planted byte copies and puts every image in exactly one cluster', async () => {
    const run = path.join(output, `${id}-r1`);
    const dedup = await metaclip('dedup', '--run', run, '--threshold', '0.999');
    expect(dedup.code, dedup.stderr).toBe(0);
    expect(dedup.lines[0]).toMatchObject({ groups: expect.any(Number), duplicates: expect.any(Number) });
    const dups = await readParquet(await readFile(path.join(run, 'duplicates', 'duplicates.parquet')));
    const pairs = dups.filter((d) => d.exact).map((d) => [d.image_path, d.duplicate_of].sort());
    expect(pairs).toEqual(
      expect.arrayContaining([
        [path.join(source, 'copy-of-first.jpg'), corpus.valid[0]].sort(),
        [path.join(source, 'copy-of-fourth.jpeg'), corpus.valid[3]].sort(),
      ]),
    );
    for (const d of dups) expect(d.score as number).toBeGreaterThanOrEqual(0.999);

    const names = path.join(tmp, 'names.txt');
    await writeFile(names, 'a photo of space\na photo of money\n');
    const cluster = await metaclip('cluster', '--run', run, '--k', '4', '--seed', '7', '--names', names);
    expect(cluster.code, cluster.stderr).toBe(0);
    expect(cluster.lines[0]).toMatchObject({ clusters: 4, images: corpus.valid.length + 2 });
    const assigned = await readParquet(await readFile(path.join(run, 'clusters', 'clusters.parquet')));
    const { rows } = await readRunOutput(output, `${id}-r1`);
    expect(assigned.map((a) => a.image_path).sort()).toEqual(rows.map((r) => r.image_path).sort());
    const info = JSON.parse(await readFile(path.join(run, 'clusters', 'clusters.json'), 'utf8'));
    expect(info.map((c: { size: number }) => c.size).reduce((a: number, b: number) => a + b, 0)).toBe(rows.length);
    for (const c of info) expect(['a photo of space', 'a photo of money']).toContain(c.name);
    expect(await readFile(path.join(run, 'clusters', 'centroids.npy'))).toBeTruthy();
    const again = await metaclip('cluster', '--run', run, '--k', '4', '--seed', '7', '--names', names);
    expect(again.code).toBe(0);
    const assigned2 = await readParquet(await readFile(path.join(run, 'clusters', 'clusters.parquet')));
    expect(assigned2.map((a) => a.cluster)).toEqual(assigned.map((a) => a.cluster));
  });

  it('applies an incremental run: one image added, one replaced, one deleted', async () => {
    const index = path.join(output, `${id}-r1`, 'index');
    const replaced = corpus.valid[5] as string;
    const deleted = corpus.valid[6] as string;
    const added = path.join(source, 'added-later.png');
    const oldBytes = path.join(tmp, 'old-replaced.jpg');
    await copyFile(replaced, oldBytes);
    await writeFile(replaced, await sharp(oldBytes).negate().rotate(90).toBuffer());
    await unlink(deleted);
    await writeFile(
      added,
      await sharp(corpus.valid[8] as string)
        .tint('#ff0000')
        .png()
        .toBuffer(),
    );

    await enqueue(`${id}-r2`, source, output, '--incremental');
    const update = await metaclip('index', '--run', path.join(output, `${id}-r2`), '--out', index);
    expect(update.code, update.stderr).toBe(0);
    expect(update.lines[0]).toMatchObject({ mode: 'updated', added: 1, replaced: 1, removed: 1 });

    const all = await metaclip('search', '--index', index, '--text', 'anything', '--k', '100');
    const paths = all.lines.map((l) => l.image_path);
    expect(paths).toHaveLength(corpus.valid.length + 2);
    expect(paths).toContain(added);
    expect(paths).not.toContain(deleted);
    const now = await metaclip('search', '--index', index, '--image', replaced, '--k', '1');
    expect(now.lines[0]).toMatchObject({ image_path: replaced });
    expect(now.lines[0]?.score as number).toBeGreaterThan(0.99);
    const before = await metaclip('search', '--index', index, '--image', oldBytes, '--k', '100');
    const stale = before.lines.find((l) => l.image_path === replaced);
    expect(stale?.score as number).toBeLessThan(0.99);
    const newOne = await metaclip('search', '--index', index, '--like', added, '--k', '2');
    expect(newOne.lines[0]).toMatchObject({ image_path: added, score: 1 });
    const gone = await metaclip('search', '--index', index, '--like', deleted);
    expect(gone.code).toBe(6);
    expect(gone.stderr).toMatch(/not in the index/);
  });

  it('refuses bad input with a clear message and a non-zero exit', async () => {
    const run = path.join(output, `${id}-r1`);
    const index = path.join(run, 'index');
    const other = path.join(output, 'other-model-run');
    await cp(run, other, { recursive: true });
    const manifest = JSON.parse(await readFile(path.join(other, 'manifest.json'), 'utf8'));
    await writeFile(path.join(other, 'manifest.json'), JSON.stringify({ ...manifest, model: 'facebook/other-model' }));
    const mixed = await metaclip('index', '--run', other, '--out', index);
    expect(mixed.code).toBe(6);
    expect(mixed.stderr).toMatch(/cannot be compared/);

    const missing = await metaclip('index', '--run', path.join(output, 'no-such-run'));
    expect(missing.code).toBe(6);
    expect(missing.stderr).toMatch(/not a finished run: no .*manifest\.json/);

    const emptySource = path.join(tmp, 'empty-source');
    await mkdir(emptySource);
    await writeFile(path.join(emptySource, 'broken.jpg'), Buffer.from('not a jpeg'));
    await runBin(
      PRODUCER_BIN,
      [
        ...['enqueue', '--source', emptySource, '--output', output, '--model', tinyModelDir, '--labels', 'a'],
        ...['--queue', id, '--run-id', `${id}-empty`, '--wait'],
      ],
      env,
    );
    const empty = await metaclip('index', '--run', path.join(output, `${id}-empty`));
    expect(empty.code).toBe(6);
    expect(empty.stderr).toMatch(/embedded no images/);
    const emptyCluster = await metaclip('cluster', '--run', path.join(output, `${id}-empty`), '--k', '2');
    expect(emptyCluster.code).toBe(6);

    const k0 = await metaclip('search', '--index', index, '--text', 'x', '--k', '0');
    expect(k0.code).toBe(2);
    expect(k0.stderr).toMatch(/positive integer/);
    const c0 = await metaclip('cluster', '--run', run, '--k', '0');
    expect(c0.code).toBe(2);

    const notImage = await metaclip('search', '--index', index, '--image', corpus.bad[0] as string);
    expect(notImage.code).toBe(6);
    expect(notImage.stderr).toMatch(/not an image this model can read/);
  });

  it('works on a run in S3: index, search, dedup and cluster under the run prefix', async () => {
    await s3.uploadDir(source, 's3://data/images/');
    await enqueue(`${id}-s3`, 's3://data/images/', 's3://out/runs');
    const run = `s3://out/runs/${id}-s3`;
    const built = await metaclip('index', '--run', run);
    expect(built.code, built.stderr).toBe(0);
    const storage = storageFor(run, { env: s3.env });
    expect(await storage.head(`${run}/index/hnsw.usearch`)).not.toBeNull();
    const like = await metaclip('search', '--index', `${run}/index`, '--like', 's3://data/images/copy-of-first.jpg');
    expect(like.code, like.stderr).toBe(0);
    expect(like.lines[0]).toMatchObject({ image_path: 's3://data/images/copy-of-first.jpg', score: 1 });
    expect(like.lines[1]?.score as number).toBeGreaterThan(0.999); // its planted original
    const dedup = await metaclip('dedup', '--run', run, '--threshold', '0.999');
    expect(dedup.code, dedup.stderr).toBe(0);
    expect(dedup.lines[0]?.exact as number).toBeGreaterThanOrEqual(2);
    const cluster = await metaclip('cluster', '--run', run, '--k', '3');
    expect(cluster.code, cluster.stderr).toBe(0);
    const info = JSON.parse((await storage.get(`${run}/clusters/clusters.json`)).toString('utf8'));
    expect(info).toHaveLength(3);
    for (const c of info) expect(LABELS).toContain(c.name);
  });
});
