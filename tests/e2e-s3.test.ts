/**
 * End to end over S3: 212 images (208 variations of the fixture photographs plus 4 files that are not images) in a
 * bucket on the test S3 server (MinIO or s3rver), enqueued as 27 shards, processed by 3 real worker processes, one
 * of them SIGKILLed while it holds a shard. The run still completes with every image written exactly once,
 * embeddings equal to the library's, an error row for every bad file, and a manifest whose counts add up.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createQueue, RunStore } from '@metaclip-batch/jobs';
import { cosine, loadModel, type MetaClipModel } from '@metaclip-batch/metaclip';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  cleanupRedis,
  enqueueSource,
  killAll,
  REDIS_URL,
  readRunOutput,
  spawnWorker,
  until,
  type WorkerProcess,
  waitForRun,
} from '../scripts/lib/local-run';
import { type ImageCorpus, makeImageCorpus } from './helpers/image-corpus';
import { type S3Server, startS3Server } from './helpers/s3-server';

const tinyModelDir = inject('sharedFixtures').tinyClip;

const id = `e2e-s3-${process.pid}-${Date.now()}`;
const SOURCE = 's3://data/images/';
const OUTPUT = 's3://out/embeddings';
const LABELS = ['an astronaut', 'a coin', 'a clock', 'a microscope slide', 'a chessboard'];

describe('end to end over S3 with three workers, one killed mid-run', () => {
  let tmp: string;
  let corpus: ImageCorpus;
  let s3: S3Server;
  let redis: Redis;
  let model: MetaClipModel;
  let workerEnv: Record<string, string>;
  const workers: WorkerProcess[] = [];

  beforeAll(async () => {
    tmp = await mkdtemp(path.join(tmpdir(), 'e2e-s3-'));
    redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
    [corpus, s3] = await Promise.all([makeImageCorpus(tmp), startS3Server({ buckets: ['data', 'out'] })]);
    await s3.uploadDir(path.join(tmp, 'images'), SOURCE);
    // Converting the model here fills the cache the workers then load from.
    const cacheDir = path.join(tmp, 'model-cache');
    model = await loadModel(tinyModelDir, { cacheDir, intraOpThreads: 1 });
    workerEnv = { ...s3.env, METACLIP_CACHE: cacheDir };
  });

  afterAll(async () => {
    await killAll(workers);
    await cleanupRedis(redis, id, id, SOURCE);
    redis.disconnect();
    await model?.dispose();
    await s3?.stop();
    await rm(tmp, { recursive: true, force: true });
  });

  it('embeds every image exactly once and records every bad file', async () => {
    const args = ['--model', tinyModelDir, '--queue', id, '--concurrency', '2', '--max-batch', '8'];
    // Short locks so the killed worker's shard comes back within seconds.
    const locks = ['--lock-duration-ms', '4000', '--stalled-interval-ms', '2000'];
    // The first worker, the one to be killed, waits 30 s for batches its two shards can never fill: it holds its
    // shards while the others finish theirs, so it is surely mid-shard when it dies, however loaded the machine (with
    // 2 s, a loaded machine sometimes let it finish or never take one; a later flag wins).
    const slow = ['--max-batch', '32', '--max-delay-ms', '30000'];
    // The third decodes and runs the model on worker threads, as a GPU worker does: its rows must be the same.
    const threaded = ['--preprocess-threads', '2', '--vision-threads', '1'];
    for (const n of [0, 1, 2]) {
      const extra = n === 0 ? slow : n === 2 ? threaded : [];
      workers.push(spawnWorker(`${id}-w${n}`, [...args, ...locks, ...extra], workerEnv));
    }
    await Promise.all(workers.map((w) => w.ready));
    // Enqueued once all three are ready and waiting, so none can drain the queue while another is still loading.
    const listed = await enqueueSource({
      redis,
      runId: id,
      queue: id,
      source: SOURCE,
      output: OUTPUT,
      labels: LABELS,
      shardSize: 8,
      storage: { env: s3.env },
    });
    const total = corpus.valid.length + corpus.bad.length;
    expect(listed.shardsTotal).toBe(Math.ceil(total / 8));

    const victim = workers[0] as WorkerProcess;
    const queue = createQueue(id, redis);
    const store = new RunStore(redis);
    try {
      let held: string | undefined;
      await until(async () => {
        if ((await store.require(id)).shardsDone < 1) return false;
        held = (await queue.getActive()).find((job) => job.processedBy === victim.name)?.id;
        return held !== undefined;
      }, 'the first worker to hold a shard mid-run');
      victim.proc.kill('SIGKILL');
      expect((await victim.exited).signal).toBe('SIGKILL');

      const state = await waitForRun(redis, id);
      expect(state.status).toBe('completed');
      // The shard the dead worker held was recovered as stalled and finished by another worker.
      const redone = await queue.getJob(held as string);
      expect(redone?.finishedOn).toBeDefined();
      expect(redone?.processedBy).not.toBe(victim.name);
      // The threaded worker took its share (its rows are checked with everyone's below).
      const completed = await queue.getCompleted(0, -1);
      expect(completed.filter((job) => job.processedBy === workers[2]?.name).length).toBeGreaterThan(0);
    } finally {
      await queue.close();
    }

    const out = await readRunOutput(OUTPUT, id, { env: s3.env });
    const uriOf = (file: string) => `${SOURCE}${path.basename(file)}`;
    const written = out.rows.map((r) => r.image_path).sort();
    // Equal sorted lists: every valid image present, none twice.
    expect(written).toEqual(corpus.valid.map(uriOf).sort());

    const byUri = new Map(out.rows.map((r) => [r.image_path, r]));
    const reference = await model.embedImages(await Promise.all(corpus.valid.map((f) => readFile(f))));
    const worst = Math.min(
      ...corpus.valid.map((file, i) => {
        const row = byUri.get(uriOf(file));
        const ref = reference[i];
        if (!row || !(ref instanceof Float32Array)) throw new Error(`no embedding for ${file}`);
        expect(LABELS).toContain(row.label);
        return cosine(row.embedding, ref);
      }),
    );
    expect(worst).toBeGreaterThanOrEqual(0.9999);

    expect(out.errors.map((e) => e.image_path).sort()).toEqual(corpus.bad.map(uriOf).sort());
    for (const e of out.errors) expect(e.error).toMatch(/\w+Error: .{8,}/);

    expect(out.manifest).toMatchObject({
      runId: id,
      status: 'completed',
      labels: LABELS,
      embedDim: model.embedDim,
      counts: {
        shards: listed.shardsTotal,
        shardsDone: listed.shardsTotal,
        shardsFailed: 0,
        images: total,
        imagesDone: corpus.valid.length,
        imagesFailed: corpus.bad.length,
      },
    });
    expect(out.manifest.shards.done).toHaveLength(listed.shardsTotal);
  });
});
