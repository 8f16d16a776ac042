import { copyFile, rm, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { RunStore, runKey, shardJobId } from '@metaclip-batch/jobs';
import { loadEnqueueOptions, loadEnv, openContext, runEnqueue } from '@metaclip-batch/producer';
import { createLogger } from '@metaclip-batch/telemetry';
import { Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  cleanup,
  cli,
  enqueueArgs,
  imagesDir,
  isolation,
  makeImageFolder,
  queueFactory,
  redisUrl,
  waitingShards,
} from './producer-harness';

const iso = isolation();
const redis = new Redis(redisUrl);
const store = new RunStore(redis, iso.prefix);
const queues = queueFactory(redis);
const queue = queues.open;
let folder: Awaited<ReturnType<typeof makeImageFolder>>;

/** Play the workers: mark every shard of a run done, so it completes (an incremental base must be completed). */
async function completeRun(runId: string): Promise<void> {
  const state = await store.require(runId);
  for (let shard = 0; shard < state.shardsTotal; shard++) {
    await store.recordShardDone(runId, shard, { images: 1, failed: 0, ms: 1 });
  }
  // What the worker of the last shard does once the manifest is written (this stand-in writes no files).
  expect((await store.finish(runId)).status).toBe('completed');
}

beforeAll(async () => {
  folder = await makeImageFolder();
});

afterAll(async () => {
  await queues.closeAll();
  await cleanup(redis, iso.prefix);
  redis.disconnect();
  await folder.remove();
});

describe('enqueue from a local folder', () => {
  it('lists images recursively in key order, skips other files, and plans shards with deterministic ids', async () => {
    const q = queue(iso.queueName('folder'));
    const r = await cli(
      enqueueArgs(folder.dir, q.name, ['--shard-size', '10', '--run-id', 'folder-1', '--json']),
      iso.env,
    );
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ runId: 'folder-1', mode: 'created', listed: 29, shards: 3, added: 3 });
    const shards = await waitingShards(q, 'folder-1');
    expect(shards.map((s) => s.shard)).toEqual([0, 1, 2]);
    expect(shards.flatMap((s) => s.uris)).toEqual(folder.images);
    expect(shards.map((s) => s.uris.length)).toEqual([10, 10, 9]);
    expect(await q.getJob(shardJobId('folder-1', 2))).toBeDefined();
    const state = await store.require('folder-1');
    expect(state).toMatchObject({ status: 'running', listed: true, shardsTotal: 3, imagesTotal: 29, topK: 3 });
    expect(state.labels).toEqual(['cat', 'dog', 'car']);
  });

  it('adds nothing when the same command runs twice, with or without an explicit run id', async () => {
    const q = queue(iso.queueName('twice'));
    const args = enqueueArgs(folder.dir, q.name, ['--shard-size', '7', '--json']);
    const first = JSON.parse((await cli(args, iso.env)).stdout);
    expect(first).toMatchObject({ mode: 'created', added: 5 });
    const countAfterFirst = await q.count();
    const second = await cli(args, iso.env);
    expect(second.code).toBe(0);
    expect(JSON.parse(second.stdout)).toMatchObject({ runId: first.runId, mode: 'existing', added: 0 });
    expect(await q.count()).toBe(countAfterFirst);
  });

  it('resumes an interrupted listing: adds only shards neither done nor queued', async () => {
    const q = queue(iso.queueName('resume'));
    const args = enqueueArgs(folder.dir, q.name, ['--shard-size', '10', '--run-id', 'resume-1', '--json']);
    expect((await cli(args, iso.env)).code).toBe(0);
    // Pretend the producer died before marking the run listed, a worker finished shard 0 and shard 2's job vanished.
    await redis.hset(runKey(iso.prefix, 'resume-1'), 'listed', '0', 'status', 'listing');
    await store.recordShardDone('resume-1', 0, { images: 10, failed: 0, ms: 5 });
    await q.remove(shardJobId('resume-1', 0));
    await q.remove(shardJobId('resume-1', 2));
    const r = JSON.parse((await cli(args, iso.env)).stdout);
    expect(r).toMatchObject({ mode: 'resumed', shards: 3, added: 1 });
    expect((await waitingShards(q, 'resume-1')).map((s) => s.shard)).toEqual([1, 2]);
    expect(await store.require('resume-1')).toMatchObject({ listed: true, status: 'running', shardsDone: 1 });
  });

  it('refuses a run id that exists with other parameters', async () => {
    const q = queue(iso.queueName('conflict'));
    expect((await cli(enqueueArgs(folder.dir, q.name, ['--run-id', 'conflict-1']), iso.env)).code).toBe(0);
    const r = await cli(enqueueArgs(folder.dir, q.name, ['--run-id', 'conflict-1', '--top-k', '1']), iso.env);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/conflict-1 already exists with a different topK \(3 there, 1 here\)/);
  });

  it('says which flag to repeat when a float32 run is re-enqueued without --embed-dtype', async () => {
    const q = queue(iso.queueName('conflict-dtype'));
    const first = enqueueArgs(folder.dir, q.name, ['--run-id', 'conflict-2', '--embed-dtype', 'float32']);
    expect((await cli(first, iso.env)).code).toBe(0);
    const r = await cli(enqueueArgs(folder.dir, q.name, ['--run-id', 'conflict-2']), iso.env);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/a different embedDtype \(float32 there, float16 here\); to resume it, enqueue with/);
  });
});

describe('enqueue from a manifest', () => {
  it('reads .txt (paths, relative paths, comments) and .jsonl (uri + etag) in file order, extensions or not', async () => {
    const q = queue(iso.queueName('manifest'));
    const txt = path.join(folder.dir, 'list.txt');
    await writeFile(
      txt,
      [
        '# picked by hand',
        path.join(imagesDir, 'moon.jpg'),
        '',
        'nested/a.jpg',
        's3://bucket/raw/object-without-ext',
      ].join('\n'),
    );
    const r = await cli(enqueueArgs(txt, q.name, ['--run-id', 'manifest-txt', '--json']), iso.env);
    expect(r.code, r.stderr).toBe(0);
    const [shard] = await waitingShards(q, 'manifest-txt');
    expect(shard?.uris).toEqual([
      path.join(imagesDir, 'moon.jpg'),
      path.join(folder.dir, 'nested/a.jpg'),
      's3://bucket/raw/object-without-ext',
    ]);

    const jsonl = path.join(folder.dir, 'list.jsonl');
    await writeFile(jsonl, '{"uri":"s3://b/1.jpg","etag":"e1"}\n{"uri":"s3://b/2.jpg","etag":"e2"}\n');
    const j = await cli(
      enqueueArgs(jsonl, q.name, ['--run-id', 'manifest-jsonl', '--shard-size', '1', '--json']),
      iso.env,
    );
    expect(JSON.parse(j.stdout)).toMatchObject({ listed: 2, shards: 2, added: 2 });
    expect((await waitingShards(q, 'manifest-jsonl')).map((s) => s.uris)).toEqual([['s3://b/1.jpg'], ['s3://b/2.jpg']]);

    await writeFile(jsonl, '{"uri":"s3://b/1.jpg"}\n{"etag":"no uri"}\n');
    const bad = await cli(enqueueArgs(jsonl, q.name, ['--run-id', 'manifest-bad']), iso.env);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('list.jsonl line 2: no "uri" string');
  });
});

describe('incremental enqueue', () => {
  it('after adding 3 files enqueues exactly those 3, and a file changed in place', async () => {
    const q = queue(iso.queueName('incr'));
    const base = await cli(enqueueArgs(folder.dir, q.name, ['--run-id', 'incr-base', '--json']), iso.env);
    expect(JSON.parse(base.stdout)).toMatchObject({ selected: 29 });
    await completeRun('incr-base');

    const added = ['new-1.jpg', 'new-2.png', 'nested/new-3.webp'].map((n) => path.join(folder.dir, n));
    await copyFile(path.join(imagesDir, 'moon.jpg'), added[0] as string);
    await copyFile(path.join(imagesDir, 'logo.png'), added[1] as string);
    await copyFile(path.join(imagesDir, 'grass.webp'), added[2] as string);
    const r = await cli(enqueueArgs(folder.dir, q.name, ['--run-id', 'incr-1', '--incremental', '--json']), iso.env);
    expect(JSON.parse(r.stdout)).toMatchObject({ listed: 32, selected: 3, added: 1 });
    expect((await waitingShards(q, 'incr-1')).flatMap((s) => s.uris).sort()).toEqual([...added].sort());
    expect((await store.require('incr-1')).incremental).toEqual({ baseRunId: 'incr-base' });
    await completeRun('incr-1');

    // The next run compares against incr-1, which recorded the whole listing: only a file touched since counts.
    const touched = folder.images[4] as string;
    await utimes(touched, new Date(), new Date(Date.now() + 60_000));
    const next = await cli(enqueueArgs(folder.dir, q.name, ['--run-id', 'incr-2', '--incremental', '--json']), iso.env);
    expect(JSON.parse(next.stdout)).toMatchObject({ listed: 32, selected: 1 });
    expect((await waitingShards(q, 'incr-2')).flatMap((s) => s.uris)).toEqual([touched]);
    // Source manifests do not pile up: choosing incr-1 as the base dropped the older incr-base's.
    expect(await store.hasSourceManifest('incr-1')).toBe(true);
    expect(await store.hasSourceManifest('incr-base')).toBe(false);
    await Promise.all(added.map((f) => rm(f)));
  });
});

describe('high-water mark', () => {
  it('pauses listing while the queue is full and resumes as workers drain it', async () => {
    const q = queue(iso.queueName('hw'));
    await q.addBulk(
      [0, 1].map((i) => ({ name: 'filler', data: { runId: 'filler', shard: i, model: 'm', uris: ['x'] } })),
    );
    const env = loadEnv(iso.env);
    const ctx = await openContext(env, createLogger({ name: 'test', level: 'warn' }));
    const options = await loadEnqueueOptions({
      source: folder.dir,
      output: '/tmp/out',
      model: 'facebook/metaclip-b16-fullcc2.5b',
      labels: 'a,b',
      queue: q.name,
      runId: 'hw-1',
      shardSize: '5',
      highWater: '2',
    });
    let onPaused: () => void = () => {};
    const paused = new Promise<void>((resolve) => {
      onPaused = resolve;
    });
    const enqueued = runEnqueue(ctx, options, { pollMs: 20, onPause: () => onPaused() });
    await paused;
    // Listing waits: nothing is added while the two fillers keep the queue at the mark, and the run is not listed.
    expect((await q.getJobs(['waiting'])).map((j) => j.name)).toEqual(['filler', 'filler']);
    expect((await store.require('hw-1')).listed).toBe(false);

    // A worker that completes every job at once drains the queue, and listing goes on.
    const connection = redis.duplicate({ maxRetriesPerRequest: null });
    const worker = new Worker(q.name, async () => {}, { connection });
    try {
      expect((await enqueued).added).toBe(6);
      const states = await Promise.all([0, 1, 2, 3, 4, 5].map((i) => q.getJobState(shardJobId('hw-1', i))));
      expect(states).not.toContain('unknown');
      expect((await store.require('hw-1')).listed).toBe(true);
    } finally {
      await worker.close();
      connection.disconnect();
      await ctx.close();
    }
  });
});
