import { createQueue, parseShardJob, RunStore, type ShardQueue, shardJobId } from '@metaclip-batch/jobs';
import { followRun } from '@metaclip-batch/producer';
import { UnrecoverableError, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { cleanup, cli, enqueueArgs, imagesDir, isolation, redisUrl, spawnCli } from './producer-harness';

const iso = isolation();
const redis = new Redis(redisUrl);
const store = new RunStore(redis, iso.prefix);
const queues: ShardQueue[] = [];

afterAll(async () => {
  await Promise.all(queues.map((q) => q.close()));
  await cleanup(redis, iso.prefix);
  redis.disconnect();
});

describe('help', () => {
  it('lists the commands, and every command has examples', async () => {
    const top = await cli(['--help'], {});
    expect(top.code).toBe(0);
    expect(top.stdout).toMatch(/enqueue[\s\S]*status[\s\S]*runs[\s\S]*retry[\s\S]*cancel[\s\S]*schedule/);
    for (const cmd of [
      'enqueue',
      'status',
      'runs',
      'retry',
      'cancel',
      'schedule',
      'unschedule',
      'schedules',
      'scheduler',
    ]) {
      const r = await cli([cmd, '--help'], {});
      expect(r.code, cmd).toBe(0);
      expect(r.stdout, cmd).toContain('Examples:');
    }
  });
});

describe('configuration is checked at start-up', () => {
  it('exits 2 on a bad REDIS_URL, as a process, with a message naming it', async () => {
    const r = await spawnCli(['runs'], { REDIS_URL: 'http://localhost:6379' });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('REDIS_URL: must be a redis:// or rediss:// URL');
  });

  it('exits 2 when Redis does not answer, without showing its password', async () => {
    const r = await cli(['runs'], { ...iso.env, REDIS_URL: 'redis://:s3cret@127.0.0.1:1' });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/cannot reach Redis at redis:\/\/:\[redacted\]@127\.0\.0\.1:1 \(connect ECONNREFUSED/);
    expect(r.stderr).not.toContain('s3cret');
  });

  it('exits 2 on shard size 0 and on missing labels, listing every problem', async () => {
    const r = await cli(
      ['enqueue', '--source', imagesDir, '--output', '/tmp/o', '--model', 'm', '--shard-size', '0'],
      iso.env,
    );
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--shard-size: must be a positive integer (got "0")');
    expect(r.stderr).toContain('--labels: give labels with --labels a,b,c or --labels-file FILE');
  });

  it('exits 2 on an unknown option and on a missing source folder', async () => {
    expect((await cli(['runs', '--bogus'], iso.env)).code).toBe(2);
    const r = await cli(enqueueArgs('/nonexistent/photos', iso.queueName()), iso.env);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('/nonexistent/photos does not exist');
  });
});

describe('status, runs, retry, cancel', () => {
  let q: ShardQueue;
  let worker: Worker;
  let connection: Redis;
  /** How many more times the fake worker fails shard 1 before it lets it through. */
  let failuresLeft = 2;

  beforeAll(() => {
    q = createQueue(iso.queueName('life'), redis);
    queues.push(q);
    connection = redis.duplicate({ maxRetriesPerRequest: null });
    // Plays the real worker's part towards the run store: record done, or record a final failure with the URIs.
    worker = new Worker(
      q.name,
      async (job) => {
        const shard = parseShardJob(job.data);
        if (shard.shard === 1 && failuresLeft > 0) {
          failuresLeft--;
          await store.recordShardFailed(shard.runId, shard.shard, 'decoder crashed', shard.uris);
          await store.finish(shard.runId);
          throw new UnrecoverableError('decoder crashed');
        }
        await store.recordShardDone(shard.runId, shard.shard, { images: shard.uris.length, failed: 0, ms: 3 });
        // The real worker writes the manifest first; this stand-in writes no files.
        await store.finish(shard.runId);
      },
      { connection },
    );
  });

  afterAll(async () => {
    await worker.close();
    connection.disconnect();
  });

  it('--wait follows a run and exits 1 when a shard failed; status and runs report it', async () => {
    const r = await cli(
      enqueueArgs(imagesDir, q.name, ['--run-id', 'life-1', '--shard-size', '10', '--wait', '--json']),
      iso.env,
    );
    expect(r.code, r.stderr).toBe(1);
    expect(JSON.parse(r.stdout).state).toMatchObject({ status: 'failed', shardsDone: 2, shardsFailed: 1 });

    const status = await cli(['status', 'life-1', '--json'], iso.env);
    expect(status.code).toBe(0);
    const doc = JSON.parse(status.stdout);
    expect(doc).toMatchObject({ status: 'failed', imagesDone: 17, progress: { fraction: 1, etaSeconds: 0 } });
    expect(doc.failedShards).toEqual([{ shard: 1, error: 'decoder crashed' }]);
    expect((await cli(['status', 'life-1'], iso.env)).stdout).toMatch(/status\s+failed[\s\S]*2 done, 1 failed of 3/);
    // The human views say why, not only how many.
    expect((await cli(['status', 'life-1'], iso.env)).stdout).toMatch(/failures\n\s+shard 1: decoder crashed/);
    const waited = await cli(
      enqueueArgs(imagesDir, q.name, ['--run-id', 'life-1', '--shard-size', '10', '--wait']),
      iso.env,
    );
    expect(waited.code).toBe(1);
    expect(waited.stdout).toMatch(/failures\n\s+shard 1: decoder crashed/);

    const runs = await cli(['runs', '--json'], iso.env);
    expect(JSON.parse(runs.stdout).map((s: { runId: string }) => s.runId)).toContain('life-1');
    expect((await cli(['runs'], iso.env)).stdout).toMatch(/life-1\s+failed\s+2\/3\s+1/);
  });

  it('retry re-runs a failed job in place, then re-creates one BullMQ removed from the recorded URIs', async () => {
    const first = await cli(['retry', 'life-1', '--json'], iso.env);
    expect(JSON.parse(first.stdout)).toMatchObject({ retried: [1], recreated: [], lost: [] });
    // The fake worker fails it once more.
    expect((await followRun(store, 'life-1', { pollMs: 20 })).status).toBe('failed');

    // The run store hears of the failure before BullMQ moves the job out of active; a locked job can't be removed.
    await vi.waitFor(async () => expect(await q.getJobState(shardJobId('life-1', 1))).toBe('failed'), {
      timeout: 60_000,
    });
    expect(await q.remove(shardJobId('life-1', 1))).toBe(1);
    const second = await cli(['retry', 'life-1', '--json'], iso.env);
    expect(JSON.parse(second.stdout)).toMatchObject({ retried: [], recreated: [1], lost: [] });
    const final = await followRun(store, 'life-1', { pollMs: 20 });
    expect(final).toMatchObject({ status: 'completed', shardsDone: 3, shardsFailed: 0, imagesDone: 27 });
  });

  it('--wait exits 0 when every shard succeeds', async () => {
    const r = await cli(enqueueArgs(imagesDir, q.name, ['--run-id', 'life-2', '--wait']), iso.env);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/status\s+completed/);
  });

  it('cancel removes the queued jobs and marks the run cancelled', async () => {
    const idle = createQueue(iso.queueName('idle'), redis);
    queues.push(idle);
    expect(
      (await cli(enqueueArgs(imagesDir, idle.name, ['--run-id', 'stop-1', '--shard-size', '5']), iso.env)).code,
    ).toBe(0);
    await idle.add('other', { runId: 'other-run', shard: 0, model: 'm', uris: ['x'] }, { jobId: 'other-run.000000' });
    const r = await cli(['cancel', 'stop-1', '--json'], iso.env);
    expect(JSON.parse(r.stdout)).toEqual({ runId: 'stop-1', removed: 6 });
    expect((await idle.getJobs(['waiting'])).map((j) => j.id)).toEqual(['other-run.000000']);
    expect((await store.require('stop-1')).status).toBe('cancelled');
    const again = await cli(['retry', 'stop-1'], iso.env);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('stop-1 is cancelled');
  });

  it('says so when a run does not exist', async () => {
    const r = await cli(['status', 'no-such-run'], iso.env);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('run no-such-run does not exist');
  });
});
