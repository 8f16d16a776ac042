import { createQueue, parseShardJob, RunStore, type ShardJob, type ShardQueue } from '@metaclip-batch/jobs';
import { storageFor } from '@metaclip-batch/storage';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type S3Server, startS3Server } from './helpers/s3-server';
import { cleanup, cli, enqueueArgs, imagesDir, isolation, redisUrl } from './producer-harness';

const iso = isolation();
const redis = new Redis(redisUrl);
const store = new RunStore(redis, iso.prefix);
let s3: S3Server;
let uploaded: string[];
let q: ShardQueue;
let env: Record<string, string>;

async function shardsOf(runId: string): Promise<ShardJob[]> {
  const jobs = await q.getJobs(['waiting'], 0, -1);
  return jobs
    .map((j) => parseShardJob(j.data))
    .filter((j) => j.runId === runId)
    .sort((a, b) => a.shard - b.shard);
}

beforeAll(async () => {
  s3 = await startS3Server({ buckets: ['photos'] });
  uploaded = await s3.uploadDir(imagesDir, 's3://photos/2024/');
  await storageFor('s3://photos/2024/readme.md', { env: s3.env }).put('s3://photos/2024/readme.md', 'not an image');
  env = { ...iso.env, ...s3.env };
  q = createQueue(iso.queueName('s3'), redis);
});

afterAll(async () => {
  await q?.close();
  await cleanup(redis, iso.prefix);
  redis.disconnect();
  await s3?.stop();
});

describe('enqueue from S3', () => {
  it('lists a prefix in key order, keeps images, and records ETags for incremental runs', async () => {
    const r = await cli(
      enqueueArgs('s3://photos/2024/', q.name, ['--run-id', 's3-full', '--shard-size', '10', '--json']),
      env,
    );
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ listed: 27, selected: 27, shards: 3, added: 3 });
    expect((await shardsOf('s3-full')).flatMap((s) => s.uris)).toEqual(uploaded);
  });

  it('enqueues only objects new or changed (ETag) since the last completed run', async () => {
    const state = await store.require('s3-full');
    for (let shard = 0; shard < state.shardsTotal; shard++) {
      await store.recordShardDone('s3-full', shard, { images: 10, failed: 0, ms: 1 });
    }
    await store.finish('s3-full');
    const bucket = storageFor('s3://photos/', { env: s3.env });
    const moon = await bucket.get('s3://photos/2024/moon.jpg');
    const added = ['s3://photos/2024/new/a.jpg', 's3://photos/2024/new/b.jpg', 's3://photos/2024/zz.jpg'];
    for (const uri of added) await bucket.put(uri, moon);
    // Same key, new bytes: a new ETag.
    await bucket.put('s3://photos/2024/coins.jpg', moon);
    const r = await cli(
      enqueueArgs('s3://photos/2024/', q.name, ['--run-id', 's3-incr', '--incremental', '--json']),
      env,
    );
    expect(JSON.parse(r.stdout)).toMatchObject({ listed: 30, selected: 4 });
    expect((await shardsOf('s3-incr')).flatMap((s) => s.uris)).toEqual(['s3://photos/2024/coins.jpg', ...added]);
  });

  it('reads a manifest object from S3', async () => {
    await storageFor('s3://photos/', { env: s3.env }).put(
      's3://photos/lists/today.jsonl',
      `${JSON.stringify({ uri: 's3://photos/2024/moon.jpg', etag: 'x' })}\ns3://photos/2024/logo.png\n`,
    );
    const r = await cli(
      enqueueArgs('s3://photos/lists/today.jsonl', q.name, ['--run-id', 's3-manifest', '--json']),
      env,
    );
    expect(JSON.parse(r.stdout)).toMatchObject({ listed: 2, added: 1 });
    expect((await shardsOf('s3-manifest'))[0]?.uris).toEqual([
      's3://photos/2024/moon.jpg',
      's3://photos/2024/logo.png',
    ]);
  });
});
