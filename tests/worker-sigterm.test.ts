/**
 * SIGTERM: a worker stops taking shards, finishes the one it holds, and exits 143 (128 + SIGTERM) within its grace period.
 */
import { access } from 'node:fs/promises';
import path from 'node:path';
import { createQueue, RunStore } from '@metaclip-batch/jobs';
import { shardOutputUris } from '@metaclip-batch/pipeline';
import { describe, expect, inject, it } from 'vitest';
import { enqueueSource, spawnWorker, until } from '../scripts/lib/local-run';
import { useLocalRun } from './helpers/local-run-fixture';
import { startSilentServer } from './helpers/silent-server';

const tinyModelDir = inject('sharedFixtures').tinyClip;

const id = `worker-sigterm-${process.pid}-${Date.now()}`;

describe('worker on SIGTERM', () => {
  const run = useLocalRun(id, { limit: 48 });

  it('finishes its in-flight shard, takes no other, and exits 143', async () => {
    const { tmp, source, redis, workers } = run;
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
      expect(code).toBe(143);
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

describe('worker start-up against a Redis that never answers', () => {
  it('exits 2 with the bound in its message instead of waiting for ever', async () => {
    const silent = await startSilentServer();
    try {
      const worker = spawnWorker(`${id}-silent`, ['--model', tinyModelDir, '--queue', `${id}-silent`], {
        REDIS_URL: silent.url,
      });
      const { code } = await worker.exited;
      expect(code).toBe(2);
      expect(worker.logs.join('\n')).toMatch(/the Redis there did not answer within 30 s/);
    } finally {
      await silent.close();
    }
  });
});
