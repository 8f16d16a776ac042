import { type ConnectionOptions, type DefaultJobOptions, type JobType, Queue, type QueueOptions } from 'bullmq';
import { bullPrefix, type RedisClient } from './redis.ts';
import type { ShardJob } from './schemas.ts';

/**
 * Job options every shard job gets.
 *
 * - `attempts: 5` with exponential backoff from 10 s (10, 20, 40, 80 s): rides out a worker crash, an S3 hiccup or a
 *   Redis failover; a shard that still fails is recorded as failed and can be retried by hand. Each attempt fetches
 *   each image with at most `max(15, AWS_MAX_ATTEMPTS)` requests (storage's request budget), so the bound per image
 *   is 5 x that (docs/deploy.md, "Retries have a stated bound").
 * - `removeOnComplete: 1 h / 1,000 jobs`: the run store, not the queue, records what is done; a completed job
 *   carries ~75 KB of URIs, so keeping 1,000 bounds that to ~75 MB.
 * - `removeOnFail: 7 days / 10,000 jobs`: failed jobs stay long enough for `metaclip-producer retry` to retry them
 *   in place (bounded to ~750 MB in the worst case).
 */
export const DEFAULT_JOB_OPTIONS: DefaultJobOptions = {
  attempts: 5,
  backoff: { type: 'exponential', delay: 10_000 },
  removeOnComplete: { age: 3600, count: 1000 },
  removeOnFail: { age: 7 * 24 * 3600, count: 10_000 },
};

/** The BullMQ job name of shard jobs. */
export const SHARD_JOB_NAME = 'shard';

/** A queue of shard jobs. */
export type ShardQueue = Queue<ShardJob, unknown, string>;

/**
 * Open a BullMQ queue with the project's default job options. `connection` is an ioredis instance (shared; a Redis
 * Cluster gets the hash-tagged prefix of {@link bullPrefix}) or connection options (BullMQ opens its own).
 */
export function createQueue<T = ShardJob>(
  name: string,
  connection: ConnectionOptions,
  opts: Omit<QueueOptions, 'connection'> = {},
): Queue<T, unknown, string> {
  const client = 'isCluster' in connection ? (connection as RedisClient) : null;
  return new Queue<T, unknown, string>(name, {
    ...(client ? { prefix: bullPrefix(client) } : {}),
    ...opts,
    connection,
    defaultJobOptions: { ...DEFAULT_JOB_OPTIONS, ...opts.defaultJobOptions },
  });
}

/**
 * Jobs not yet started: waiting, prioritized, paused and delayed (delayed jobs are retries that will come back). This
 * is the backlog a producer's high-water mark and an autoscaler look at.
 */
export async function queueDepth(queue: { getJobCountByTypes(...types: JobType[]): Promise<number> }): Promise<number> {
  return queue.getJobCountByTypes('waiting', 'prioritized', 'paused', 'delayed');
}
