import { Redis } from 'ioredis';
import { startTestStack } from '../helpers/test-stack';

/**
 * Integration suites need a real Redis: a testcontainers one where Docker answers (and `REDIS_URL` is unset), else
 * the one at `REDIS_URL`, which `.ci/run` starts when none answers (see `tests/helpers/test-stack.ts`). Says once
 * which it is, and checks it, failing early with a message a person can act on instead of every suite timing out.
 */
export default async function setup(): Promise<() => Promise<void>> {
  const stack = await startTestStack();
  // The suites and the processes they spawn read REDIS_URL; test workers start after this and inherit it.
  process.env.REDIS_URL = stack.redisUrl;
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
