import { describe, expect, it } from 'vitest';
import { NotFoundError, PermanentStorageError, RetriesExhaustedError, RetryableStorageError } from './errors.ts';
import { backoffDelay, withRetry } from './retry.ts';

const flaky = (code = 'ECONNREFUSED') =>
  new RetryableStorageError(`get s3://b/k failed (${code})`, { code, uri: 's3://b/k' });

describe('backoffDelay', () => {
  it('grows exponentially from baseMs and is capped at maxMs', () => {
    const top = () => 0.999999;
    const caps = [1, 2, 3, 4, 5, 6, 7].map((n) => backoffDelay(n, { baseMs: 100, maxMs: 2_000 }, top));
    expect(caps).toEqual([99, 199, 399, 799, 1599, 1999, 1999]);
    expect(backoffDelay(10_000, { baseMs: 100, maxMs: 2_000 }, top)).toBe(1999);
  });

  it('keeps half of the cap fixed and jitters the other half', () => {
    expect(backoffDelay(3, { baseMs: 100, maxMs: 10_000 }, () => 0)).toBe(200);
    expect(backoffDelay(3, { baseMs: 100, maxMs: 10_000 }, () => 0.5)).toBe(300);
    for (let i = 0; i < 200; i++) {
      const d = backoffDelay(4, { baseMs: 50, maxMs: 10_000 });
      expect(d).toBeGreaterThanOrEqual(200);
      expect(d).toBeLessThan(400);
    }
  });

  it('uses 200 ms and 10 s by default', () => {
    expect(backoffDelay(1, {}, () => 0)).toBe(100);
    expect(backoffDelay(30, {}, () => 0)).toBe(5_000);
  });
});

describe('withRetry', () => {
  const fast = { baseMs: 1, maxMs: 2 };

  it('retries retryable failures until one try succeeds, reporting each retry', async () => {
    const seen: number[] = [];
    const result = await withRetry(
      async (attempt) => {
        if (attempt < 3) throw flaky();
        return `ok on ${attempt}`;
      },
      {
        ...fast,
        attempts: 5,
        onRetry: ({ attempt, error }) => {
          expect(error.code).toBe('ECONNREFUSED');
          seen.push(attempt);
        },
      },
    );
    expect(result).toBe('ok on 3');
    expect(seen).toEqual([1, 2]);
  });

  it('gives up after `attempts` with RetriesExhaustedError carrying the last failure', async () => {
    let calls = 0;
    const err = await withRetry(
      async () => {
        calls++;
        throw flaky(`E${calls}`);
      },
      { ...fast, attempts: 3 },
    ).catch((e: unknown) => e);
    expect(calls).toBe(3);
    expect(err).toBeInstanceOf(RetriesExhaustedError);
    const exhausted = err as RetriesExhaustedError;
    expect(exhausted.attempts).toBe(3);
    expect(exhausted.retryable).toBe(true);
    expect(exhausted.uri).toBe('s3://b/k');
    expect((exhausted.cause as RetryableStorageError).code).toBe('E3');
    expect(exhausted.message).toMatch(/gave up after 3 attempts/);
  });

  it('never retries permanent failures, not-found, bugs, or an inner give-up', async () => {
    const failures = [
      new PermanentStorageError('denied', { code: 'AccessDenied' }),
      new NotFoundError('missing', { code: 'NoSuchKey' }),
      new TypeError('bug'),
      new RetriesExhaustedError(flaky(), 2),
    ];
    for (const failure of failures) {
      let calls = 0;
      const err = await withRetry(
        async () => {
          calls++;
          throw failure;
        },
        { ...fast, attempts: 5 },
      ).catch((e: unknown) => e);
      expect(err).toBe(failure);
      expect(calls).toBe(1);
    }
  });

  it("stops waiting when aborted, with the caller's reason", async () => {
    const controller = new AbortController();
    const reason = new Error('worker shutting down');
    const err = await withRetry(
      async () => {
        throw flaky();
      },
      { baseMs: 60_000, attempts: 5, signal: controller.signal, onRetry: () => controller.abort(reason) },
    ).catch((e: unknown) => e);
    expect(err).toBe(reason);
  });

  it('stops at the request budget, counting the SDK attempts each failure made, so the two layers do not multiply', async () => {
    const run = async (sdkAttempts: number) => {
      let tries = 0;
      const err = await withRetry(
        async () => {
          tries++;
          throw new RetryableStorageError('get s3://b/k failed (InternalError)', {
            code: 'InternalError',
            requests: sdkAttempts,
          });
        },
        { ...fast, attempts: 5, maxRequests: 15 },
      ).catch((e: unknown) => e as RetriesExhaustedError);
      return { tries, requests: err.requests, message: err.message };
    };
    // The SDK's default 3 attempts x our 5 tries fit the budget of 15 exactly.
    expect(await run(3)).toMatchObject({ tries: 5, requests: 15 });
    // AWS_MAX_ATTEMPTS=6: a third try would send 18, past the budget.
    expect(await run(6)).toMatchObject({ tries: 2, requests: 12, message: expect.stringContaining('(12 requests)') });
    // AWS_MAX_ATTEMPTS=20: one try, whatever our attempts say.
    expect(await run(20)).toMatchObject({ tries: 1, requests: 20 });
    // No SDK retries: our attempts are the bound.
    expect(await run(1)).toMatchObject({ tries: 5, requests: 5 });
  });
});
