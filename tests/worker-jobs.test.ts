/**
 * How a worker treats jobs it must not run: a malformed job and a job of an unknown run fail at once (their attempts
 * unspent), a job for another model is put back for another worker without being run, and a shard of a cancelled run
 * is skipped.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createQueue, DEFAULT_TEMPLATES, modelKey, RunStore, type ShardQueue } from '@metaclip-batch/jobs';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  cleanupRedis,
  killAll,
  REDIS_URL,
  sharedDir,
  spawnWorker,
  tinyModelDir,
  until,
  type WorkerProcess,
} from './helpers/worker-harness';

const id = `worker-jobs-${process.pid}-${Date.now()}`;
const cancelledRun = `${id}-cancelled`;
const image = path.join(sharedDir, 'fixtures', 'images', 'astronaut.jpg');

describe('worker job handling', () => {
  let tmp: string;
  let redis: Redis;
  let queue: ShardQueue;
  const workers: WorkerProcess[] = [];

  beforeAll(async () => {
    tmp = await mkdtemp(path.join(tmpdir(), 'worker-jobs-'));
    redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
    queue = createQueue(id, redis);
  });

  afterAll(async () => {
    await killAll(workers);
    await queue.close();
    await cleanupRedis(redis, id, id, tmp);
    await cleanupRedis(redis, id, cancelledRun, tmp);
    redis.disconnect();
    await rm(tmp, { recursive: true, force: true });
  });

  it('fails bad jobs at once, puts back jobs for another model, skips cancelled runs', async () => {
    const ours = modelKey(tinyModelDir);
    const store = new RunStore(redis);
    await store.create({
      runId: cancelledRun,
      queue: id,
      source: tmp,
      output: path.join(tmp, 'out'),
      model: ours,
      labels: ['a', 'b'],
      templates: [...DEFAULT_TEMPLATES],
      topK: 1,
      embedDtype: 'float32',
      shardSize: 1,
      createdAt: Date.now(),
    });
    await store.setStatus(cancelledRun, 'cancelled');
    const shard = (runId: string, model: string) => ({ runId, shard: 0, model, uris: [image] });
    await queue.add('shard', { runId: id, shard: -1 } as never, { jobId: 'malformed' });
    await queue.add('shard', shard(`${id}-nowhere`, ours), { jobId: 'unknown-run' });
    await queue.add('shard', shard(id, 'facebook/another-model'), { jobId: 'foreign' });
    await queue.add('shard', shard(cancelledRun, ours), { jobId: 'cancelled' });

    const worker = spawnWorker(
      `${id}-w0`,
      ['--model', tinyModelDir, '--queue', id, '--foreign-model-delay-ms', '600000'],
      { METACLIP_CACHE: path.join(tmp, 'model-cache') },
    );
    workers.push(worker);
    await worker.ready;

    const states = async () =>
      Object.fromEntries(
        await Promise.all(
          ['malformed', 'unknown-run', 'foreign', 'cancelled'].map(async (j) => [j, await queue.getJobState(j)]),
        ),
      );
    const expected = { malformed: 'failed', 'unknown-run': 'failed', foreign: 'delayed', cancelled: 'completed' };
    await until(async () => JSON.stringify(await states()) === JSON.stringify(expected), 'the four jobs to settle');

    const malformed = await queue.getJob('malformed');
    expect(malformed?.attemptsMade).toBe(1);
    expect(malformed?.failedReason).toMatch(/malformed shard job/);
    const unknown = await queue.getJob('unknown-run');
    expect(unknown?.attemptsMade).toBe(1);
    expect(unknown?.failedReason).toMatch(/does not exist/);
    const foreign = await queue.getJob('foreign');
    expect(foreign?.attemptsMade).toBe(0);
    expect(worker.logs.some((l) => l.includes('is for another model') && l.includes('facebook/another-model'))).toBe(
      true,
    );
    expect((await queue.getJob('cancelled'))?.returnvalue).toEqual({ status: 'skipped', reason: 'run cancelled' });
  });
});
