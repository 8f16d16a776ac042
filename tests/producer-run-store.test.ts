import { isComplete, progress, RunNotFoundError, RunStore } from '@metaclip-batch/jobs';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanup, isolation, redisUrl, runSpec } from './producer-harness';

const iso = isolation();
const redis = new Redis(redisUrl);
const store = new RunStore(redis, iso.prefix);

beforeAll(async () => {
  await redis.ping();
});

afterAll(async () => {
  await cleanup(redis, iso.prefix);
  redis.disconnect();
});

describe('RunStore', () => {
  it('creates a run once and reads it back', async () => {
    expect(await store.create(runSpec('r1'))).toBe(true);
    expect(await store.create(runSpec('r1', { output: '/elsewhere' }))).toBe(false);
    const state = await store.get('r1');
    expect(state).toMatchObject({ runId: 'r1', output: '/data/out', status: 'listing', listed: false, shardsDone: 0 });
    expect(await store.get('nope')).toBeNull();
  });

  it('counts a redelivered shard once and completes, once finished, when every shard is accounted for', async () => {
    await store.create(runSpec('r2'));
    await store.recordShardDone('r2', 0, { images: 10, failed: 0, ms: 100 });
    // The same shard delivered again (worker crashed after writing, before acking).
    const again = await store.recordShardDone('r2', 0, { images: 10, failed: 0, ms: 120 });
    expect(again).toMatchObject({ shardsDone: 1, imagesDone: 10, shardMs: 100, status: 'listing' });
    // Concurrent redeliveries of another shard: still one count.
    await Promise.all(
      Array.from({ length: 5 }, () => store.recordShardDone('r2', 1, { images: 9, failed: 1, ms: 50 })),
    );
    const listed = await store.setListed('r2', { shards: 3, images: 30 });
    expect(listed).toMatchObject({ status: 'running', shardsDone: 2, imagesDone: 19, imagesFailed: 1 });
    expect(isComplete(listed)).toBe(false);
    const counted = await store.recordShardDone('r2', 2, { images: 10, failed: 0, ms: 10, embedDim: 512 });
    // Every shard counted, but the manifest is not written yet: not completed.
    expect(counted).toMatchObject({ status: 'running', embedDim: 512 });
    expect(isComplete(counted)).toBe(true);
    const last = await store.finish('r2');
    expect(last.status).toBe('completed');
    expect(last.finishedAt).toBeTypeOf('number');
    expect(progress(last, Date.now())).toMatchObject({ fraction: 1, etaSeconds: 0 });
  });

  it('tracks failed shards, never double-counts them, and un-fails a shard that later succeeds', async () => {
    await store.create(runSpec('r3'));
    await store.setListed('r3', { shards: 2, images: 20 });
    await store.recordShardDone('r3', 0, { images: 10, failed: 0, ms: 1 });
    await store.recordShardFailed('r3', 1, 'boom', ['s3://b/a.jpg']);
    await store.recordShardFailed('r3', 1, 'boom again');
    const failed = await store.finish('r3');
    expect(failed).toMatchObject({ status: 'failed', shardsFailed: 1 });
    expect(await store.failedShardSample('r3')).toEqual([{ shard: 1, error: 'boom again' }]);
    expect(await store.failedShards('r3')).toEqual([{ shard: 1, error: 'boom again' }]);
    // A failure report for a shard that is already done is ignored.
    expect((await store.recordShardFailed('r3', 0, 'late')).shardsFailed).toBe(1);
    const reopened = await store.reopenShards('r3', [1]);
    expect(reopened).toMatchObject({ status: 'running', shardsFailed: 0 });
    expect(reopened.finishedAt).toBeUndefined();
    await store.recordShardDone('r3', 1, { images: 10, failed: 0, ms: 1 });
    expect(await store.finish('r3')).toMatchObject({ status: 'completed', shardsFailed: 0, shardsDone: 2 });
    expect(await store.failedShards('r3')).toEqual([]);
  });

  it('is complete at listing time when the workers were faster, and with zero shards; finish ends it', async () => {
    await store.create(runSpec('r4'));
    await store.recordShardDone('r4', 0, { images: 5, failed: 0, ms: 1 });
    expect(isComplete(await store.setListed('r4', { shards: 1, images: 5 }))).toBe(true);
    expect((await store.finish('r4')).status).toBe('completed');
    await store.create(runSpec('r5'));
    expect(isComplete(await store.setListed('r5', { shards: 0, images: 0 }))).toBe(true);
    // A finish that says why the run failed as a whole records it.
    expect(await store.finish('r5', { error: 'manifest.json could not be written' })).toMatchObject({
      status: 'failed',
      error: 'manifest.json could not be written',
    });
  });

  it('does not finish a run that is still listing or has shards outstanding', async () => {
    await store.create(runSpec('r8'));
    expect((await store.finish('r8')).status).toBe('listing');
    await store.setListed('r8', { shards: 2, images: 2 });
    await store.recordShardDone('r8', 0, { images: 1, failed: 0, ms: 1 });
    expect((await store.finish('r8')).status).toBe('running');
  });

  it('keeps a cancelled run cancelled', async () => {
    await store.create(runSpec('r6'));
    await store.setListed('r6', { shards: 1, images: 1 });
    expect((await store.setStatus('r6', 'cancelled')).finishedAt).toBeTypeOf('number');
    expect((await store.recordShardDone('r6', 0, { images: 1, failed: 0, ms: 1 })).status).toBe('cancelled');
  });

  it('lists runs newest first and finds the latest run over a source', async () => {
    const t = Date.now() + 10_000;
    await store.create(runSpec('old', { createdAt: t, source: 's3://b/p/' }));
    await store.create(runSpec('new', { createdAt: t + 1, source: 's3://b/p/' }));
    const runs = await store.list(2);
    expect(runs.map((r) => r.runId)).toEqual(['new', 'old']);
    await store.setListed('old', { shards: 0, images: 0 });
    await store.finish('old');
    const overSource = await store.listForSource('s3://b/p/');
    expect(overSource.map((s) => [s.runId, s.status])).toEqual([
      ['new', 'listing'],
      ['old', 'completed'],
    ]);
  });

  it('caps error samples and rejects unknown runs with a typed error', async () => {
    await store.create(runSpec('r7'));
    await store.addErrorSamples('r7', [{ image_path: '/a.jpg', error: 'bad jpeg' }]);
    expect(await store.errorSamples('r7')).toEqual([{ image_path: '/a.jpg', error: 'bad jpeg' }]);
    await expect(store.recordShardDone('ghost', 0, { images: 1, failed: 0, ms: 1 })).rejects.toBeInstanceOf(
      RunNotFoundError,
    );
  });

  it('records the objects a run listed and answers which are new or changed since', async () => {
    await store.create(runSpec('m1'));
    await store.resetSourceObjects('m1');
    await store.recordSourceObjects('m1', [
      { uri: 's3://b/a.jpg', etag: '"e1"' },
      { uri: 's3://b/b.jpg', etag: '"e2"' },
    ]);
    await store.recordSourceObjects('m1', [{ uri: '/d/c.jpg', mtime: new Date(1000), size: 5 }]);
    expect(await store.loadSourceManifest('m1')).toBeNull();
    await store.sealSourceObjects('m1');
    const manifest = await store.loadSourceManifest('m1');
    expect(manifest?.size).toBe(3);
    expect(manifest?.isNewOrChanged({ uri: 's3://b/a.jpg', etag: 'e1' })).toBe(false);
    expect(manifest?.isNewOrChanged({ uri: 's3://b/a.jpg', etag: 'e9' })).toBe(true);
    expect(manifest?.isNewOrChanged({ uri: 's3://b/new.jpg', etag: 'e1' })).toBe(true);
    expect(manifest?.isNewOrChanged({ uri: '/d/c.jpg', mtime: 1000, size: 5 })).toBe(false);
    expect(manifest?.isNewOrChanged({ uri: '/d/c.jpg', mtime: 1000, size: 6 })).toBe(true);
    await store.create(runSpec('m2'));
    await store.sealSourceObjects('m2');
    expect((await store.loadSourceManifest('m2'))?.size).toBe(0);
  });
});
