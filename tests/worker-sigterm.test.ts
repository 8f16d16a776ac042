/**
 * SIGTERM: a worker stops taking shards, finishes the one it holds, and exits 0 within its grace period.
 */
import { access, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createQueue, RunStore } from '@metaclip-batch/jobs';
import { shardOutputUris } from '@metaclip-batch/pipeline';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeImageCorpus } from './helpers/image-corpus';
import {
  cleanupRedis,
  enqueueSource,
  killAll,
  REDIS_URL,
  spawnWorker,
  tinyModelDir,
  until,
  type WorkerProcess,
} from './helpers/worker-harness';

const id = `worker-sigterm-${process.pid}-${Date.now()}`;

describe('worker on SIGTERM', () => {
  let tmp: string;
  let source: string;
  let redis: Redis;
  const workers: WorkerProcess[] = [];

  beforeAll(async () => {
    tmp = await mkdtemp(path.join(tmpdir(), 'worker-sigterm-'));
    await makeImageCorpus(tmp, { limit: 48 });
    source = path.join(tmp, 'images');
    redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  });

  afterAll(async () => {
    await killAll(workers);
    await cleanupRedis(redis, id, id, source);
    redis.disconnect();
    await rm(tmp, { recursive: true, force: true });
  });

  it('finishes its in-flight shard, takes no other, and exits 0', async () => {
    const output = path.join(tmp, 'out');
    // 52 files in shards of 8: 7 shards, one at a time.
    const listed = await enqueueSource({
      redis,
      runId: id,
      queue: id,
      source,
      output,
      labels: ['a', 'b'],
      shardSize: 8,
    });
    expect(listed.shardsTotal).toBe(7);
    const worker = spawnWorker(
      `${id}-w0`,
      ['--model', tinyModelDir, '--queue', id, '--concurrency', '1', '--grace-ms', '120000'],
      { METACLIP_CACHE: path.join(tmp, 'model-cache') },
    );
    workers.push(worker);
    await worker.ready;

    const queue = createQueue(id, redis);
    try {
      let held: number | undefined;
      await until(async () => {
        const [job] = await queue.getActive();
        held = job?.data.shard;
        return held !== undefined;
      }, 'the worker to take a shard');
      worker.proc.kill('SIGTERM');
      const { code } = await worker.exited;
      expect(code).toBe(0);
      expect(worker.logs.some((l) => l.includes('"msg":"worker stopped"'))).toBe(true);

      // The held shard was finished and written; nothing is left half-done, the rest still waits.
      const done = await new RunStore(redis).doneShards(id);
      expect(done.has(held as number)).toBe(true);
      expect(await queue.getActiveCount()).toBe(0);
      expect(await queue.getWaitingCount()).toBe(7 - done.size);
      expect(done.size).toBeLessThan(7);
      for (const shard of done) {
        const uris = shardOutputUris(output, id, shard);
        await access(uris.embeddings);
        await access(uris.metadata);
      }
    } finally {
      await queue.close();
    }
  });
});
