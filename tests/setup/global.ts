import { Redis } from 'ioredis';

/**
 * Integration suites need a real Redis. `.ci/run` starts one when none answers; here we only check it and fail early
 * with a message a person can act on, instead of every suite timing out.
 */
export default async function setup(): Promise<void> {
  const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => null });
  try {
    await redis.connect();
    await redis.ping();
  } catch (err) {
    throw new Error(
      `Integration tests need Redis at ${url} (set REDIS_URL to change it): ${(err as Error).message}. ` +
        'Start one with: redis-server --daemonize yes --port 6379 --save ""',
    );
  } finally {
    redis.disconnect();
  }
}
