import { setImmediate as tick } from 'node:timers/promises';
import { closeAfterInit } from '@metaclip-batch/jobs';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { cleanup, isolation, redisUrl } from './producer-harness';

const iso = isolation();

afterAll(async () => {
  const redis = new Redis(redisUrl);
  await cleanup(redis, iso.prefix);
  redis.disconnect();
});

/**
 * Closes BullMQ workers and queues on a shared connection 0 to 19 event-loop turns after opening them (while the
 * connection is connecting, getting ready, or ready), then quits the connection, as the scheduler, the worker app and
 * the producer's context do on an early SIGTERM. With a plain `close()` about one in four of these ends in an
 * unhandled "Connection is closed." (taskforcesh/bullmq#2437), which also fails the run.
 */
describe('closeAfterInit', () => {
  /** What the test needs of a worker or a queue: the error event and what closeAfterInit takes. */
  type Target = Parameters<typeof closeAfterInit>[0] & { on(event: 'error', listener: (err: Error) => void): unknown };
  it.each<[string, (connection: Redis) => Target]>([
    ['a worker', (connection) => new Worker(iso.queueName('w'), async () => {}, { connection })],
    ['a queue', (connection) => new Queue(iso.queueName('q'), { connection })],
  ])('closes %s mid-initialisation without an unhandled error', async (_, open) => {
    const unhandled: unknown[] = [];
    const record = (err: unknown) => unhandled.push(err);
    process.on('unhandledRejection', record);
    try {
      for (let turns = 0; turns < 60; turns++) {
        const connection = new Redis(redisUrl, { maxRetriesPerRequest: null });
        const target = open(connection);
        const errors: Error[] = [];
        target.on('error', (err: Error) => errors.push(err));
        for (let t = 0; t < turns % 20; t++) await tick();
        await closeAfterInit(target);
        await connection.quit();
        expect(errors).toEqual([]);
      }
      // Rejections surface a turn or two after the quit.
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', record);
    }
  });
});
