import { createQueue, MalformedJobError, parseShardJob, queueDepth } from '@metaclip-batch/jobs';
import { toJobError } from '@metaclip-batch/worker';
import { type Job, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { cleanup, isolation, redisUrl } from './producer-harness';

const iso = isolation();
const redis = new Redis(redisUrl);

afterAll(async () => {
  await cleanup(redis, iso.prefix);
  redis.disconnect();
});

describe('shard queue', () => {
  // MalformedJobError is a project error (retryable: false); the worker's edge (toJobError) turns it into BullMQ's
  // UnrecoverableError, which is what makes BullMQ skip the remaining attempts.
  it('fails malformed job data at once with MalformedJobError, despite the default 5 attempts', async () => {
    const q = createQueue(iso.queueName('malformed'), redis);
    const connection = redis.duplicate({ maxRetriesPerRequest: null });
    const worker = new Worker(
      q.name,
      async (job) => {
        try {
          return parseShardJob(job.data);
        } catch (err) {
          throw toJobError(err);
        }
      },
      { connection },
    );
    const failed = new Promise<{ job: Job | undefined; err: Error }>((resolve) => {
      worker.on('failed', (job, err) => resolve({ job, err }));
    });
    try {
      await q.add('shard', { runId: 'r', shard: 'seven', uris: [] } as never);
      const { job, err } = await failed;
      expect(err.cause).toBeInstanceOf(MalformedJobError);
      expect(err.message).toMatch(/malformed shard job/);
      expect(job?.opts.attempts).toBe(5);
      expect(job?.attemptsMade).toBe(1);
      expect(await q.getJobState(String(job?.id))).toBe('failed');
    } finally {
      await worker.close();
      connection.disconnect();
      await q.close();
    }
  });

  it('reports the backlog not yet started as queue depth', async () => {
    const q = createQueue(iso.queueName('depth'), redis);
    try {
      await q.add('shard', { runId: 'r', shard: 0, model: 'm', uris: ['a'] });
      await q.add('shard', { runId: 'r', shard: 1, model: 'm', uris: ['a'] }, { delay: 60_000 });
      expect(await queueDepth(q)).toBe(2);
    } finally {
      await q.close();
    }
  });
});
