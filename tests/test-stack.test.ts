import { describe, expect, it } from 'vitest';
import { dockerAvailable, startTestStack } from './helpers/test-stack';

describe('the test stack', () => {
  it('keeps the Redis REDIS_URL names, and says so in one line', async () => {
    const stack = await startTestStack({ REDIS_URL: 'redis://127.0.0.1:6379/6' });
    expect(stack.redisUrl).toBe('redis://127.0.0.1:6379/6');
    expect(stack.description).toMatch(
      /^test stack: local Redis at redis:\/\/127\.0\.0\.1:6379\/6 and s3rver \(REDIS_URL is set;/,
    );
    await stack.stop();
  });

  it('without REDIS_URL, takes a testcontainers Redis exactly when a Docker engine answers', async () => {
    const docker = await dockerAvailable();
    const stack = await startTestStack({});
    try {
      if (docker) expect(stack.description).toMatch(/Redis from testcontainers/);
      else expect(stack.description).toMatch(/local Redis at redis:\/\/127\.0\.0\.1:6379 .*no Docker engine answers/);
    } finally {
      await stack.stop();
    }
  });
});
