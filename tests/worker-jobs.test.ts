/**
 * How a worker treats jobs it must not run: a malformed job and a job of an unknown run fail at once (their attempts
 * unspent), a job for another model is put back for another worker without being run, a shard of a cancelled run
 * is skipped, a shard BullMQ fails for stalling too often is still counted in the run store, and a job outside its
 * run's plan (injected into Redis) is refused without being run, counted or written.
 */
import { access, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createQueue, DEFAULT_TEMPLATES, modelKey, RunStore, type ShardQueue } from '@metaclip-batch/jobs';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  cleanupRedis,
  enqueueSource,
  killAll,
  REDIS_URL,
  spawnWorker,
  until,
  type WorkerProcess,
} from '../scripts/lib/local-run';

const { tinyClip: tinyModelDir, images } = inject('sharedFixtures');

const id = `worker-jobs-${process.pid}-${Date.now()}`;
const cancelledRun = `${id}-cancelled`;
const stalledRun = `${id}-stalled`;
const plannedRun = `${id}-planned`;
const image = path.join(images, 'astronaut.jpg');

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
    await cleanupRedis(redis, id, stalledRun, tmp);
    await cleanupRedis(redis, id, plannedRun, tmp);
    redis.disconnect();
    await rm(tmp, { recursive: true, force: true });
  });

  const ours = modelKey(tinyModelDir);
  const createRun = (store: RunStore, runId: string) =>
    store.create({
      runId,
      queue: id,
      source: tmp,
      output: path.join(tmp, 'out', runId),
      model: ours,
      labels: ['a', 'b'],
      templates: [...DEFAULT_TEMPLATES],
      topK: 1,
      embedDtype: 'float32',
      shardSize: 1,
      createdAt: Date.now(),
    });

  it('fails bad jobs at once, puts back jobs for another model, skips cancelled runs', async () => {
    const store = new RunStore(redis);
    await createRun(store, cancelledRun);
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

  it('counts a shard that BullMQ failed for stalling too often, so its run still finishes', async () => {
    const store = new RunStore(redis);
    await createRun(store, stalledRun);
    await store.setListed(stalledRun, { shards: 1, images: 1 });
    // The state BullMQ's stalled check leaves a job in once its workers have died holding it more than
    // maxStalledCount times (moveStalledJobsToWait: a `defa` field, the job back in wait). The next worker to take it
    // fails it without calling the handler. Delayed first, so no worker takes it before the field is set.
    const job = await queue.add(
      'shard',
      { runId: stalledRun, shard: 0, model: ours, uris: [image] },
      { delay: 3_600_000 },
    );
    await redis.hset(`bull:${id}:${job.id}`, 'defa', 'job stalled more than allowable limit');
    await job.promote();

    await until(async () => (await queue.getJobState(job.id as string)) === 'failed', 'the stalled shard to fail');
    await until(async () => (await store.require(stalledRun)).shardsFailed === 1, 'the run store to count it');
    const [failed] = await store.failedShards(stalledRun);
    expect(failed?.shard).toBe(0);
    expect(JSON.stringify(failed)).toMatch(/stalled more than allowable limit/);
    // The run ends once the worker has written its manifest, just after counting the shard.
    await until(async () => (await store.require(stalledRun)).status === 'failed', 'the run to end as failed');
  });

  it("refuses a job outside its run's plan: never run, never counted, nothing written", async () => {
    const store = new RunStore(redis);
    const source = images;
    const output = path.join(tmp, 'out');
    await enqueueSource({ redis, runId: plannedRun, queue: id, source, output, labels: ['a', 'b'], shardSize: 100 });
    await until(async () => (await store.require(plannedRun)).status === 'completed', 'the planned run to complete');
    const before = await store.require(plannedRun);
    expect(before).toMatchObject({ shardsTotal: 1, shardsDone: 1 });
    const manifest = await readFile(path.join(output, plannedRun, 'manifest.json'), 'utf8');

    // An out-of-plan shard number, and a planned shard number with other URIs than the listing gave it.
    await queue.add('shard', { runId: plannedRun, shard: 77, model: ours, uris: [image] }, { jobId: 'forged-77' });
    await queue.add(
      'shard',
      { runId: plannedRun, shard: 0, model: ours, uris: ['/etc/passwd'] },
      { jobId: 'forged-0' },
    );
    for (const jobId of ['forged-77', 'forged-0']) {
      await until(async () => (await queue.getJobState(jobId)) === 'failed', `${jobId} to fail`);
      const job = await queue.getJob(jobId);
      expect(job?.attemptsMade).toBe(1);
      expect(job?.failedReason).toMatch(/is not in the run's plan/);
    }
    const after = await store.require(plannedRun);
    expect(after).toMatchObject({ status: 'completed', shardsTotal: 1, shardsDone: 1, shardsFailed: 0 });
    expect(after.imagesDone).toBe(before.imagesDone);
    await expect(access(path.join(output, plannedRun, 'metadata', 'metadata_000077.parquet'))).rejects.toThrow();
    expect(await readFile(path.join(output, plannedRun, 'manifest.json'), 'utf8')).toBe(manifest);
  });
});
