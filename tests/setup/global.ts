import { Redis } from 'ioredis';
import { startTestStack } from '../helpers/test-stack';

/**
 * Integration suites need a real Redis and a real S3-API server: testcontainers' Redis (unless `REDIS_URL` is set)
 * and MinIO where Docker answers, else the Redis at `REDIS_URL`, which `.ci/run` starts when none answers, and an
 * s3rver per S3 suite (see `tests/helpers/test-stack.ts`). Says once which they are, and checks Redis, failing early
 * with a message a person can act on instead of every suite timing out.
 */
export default async function setup(): Promise<() => Promise<void>> {
  const stack = await startTestStack();
  // The suites and the processes they spawn read REDIS_URL and the S3 hand-over; test workers start after this and
  // inherit them.
  Object.assign(process.env, stack.env);
  console.log(stack.description);
  const redis = new Redis(stack.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => null });
  try {
    await redis.connect();
    await redis.ping();
  } catch (err) {
    await stack.stop();
    throw new Error(
      `Integration tests need Redis at ${stack.redisUrl} (set REDIS_URL to change it): ${(err as Error).message}. ` +
        'Start one with: redis-server --daemonize yes --port 6379 --save ""',
    );
  } finally {
    redis.disconnect();
  }
  return () => stack.stop();
}
