import { setTimeout as sleep } from 'node:timers/promises';
import { RetriesExhaustedError, RetryableStorageError } from './errors.ts';

/** Exponential backoff parameters. */
export interface BackoffOptions {
  /** Delay cap before the first retry, in ms (default 200). */
  baseMs?: number;
  /** Upper bound of any delay, in ms (default 10,000). */
  maxMs?: number;
}

/** Options of {@link withRetry}. */
export interface RetryOptions extends BackoffOptions {
  /** Total tries, the first included (default 5). */
  attempts?: number;
  /**
   * Budget of requests across all tries, counting each failure's `requests` (an S3 call that the SDK already tried
   * `AWS_MAX_ATTEMPTS` times counts that many): no further try starts when it would pass the budget, assuming it
   * costs what the last one did. Default {@link DEFAULT_REQUEST_BUDGET}. One call thus sends at most
   * `max(maxRequests, requests of one try)` requests, however the SDK's attempts and ours are set.
   */
  maxRequests?: number;
  /** Aborts the wait between tries; `withRetry` then rejects with the signal's reason. */
  signal?: AbortSignal;
  /**
   * Called (and awaited) after a retryable failure, before waiting `delayMs` for try `attempt + 1`: log it here.
   * Not called for the last failure, which `withRetry` throws as {@link RetriesExhaustedError}.
   */
  onRetry?: (info: { error: RetryableStorageError; attempt: number; delayMs: number }) => void | Promise<void>;
  /** Source of jitter in [0, 1); injectable so the schedule is testable. */
  random?: () => number;
}

const DEFAULT_ATTEMPTS = 5;
/**
 * Requests one `withRetry` call may send, the SDK's retries included: the SDK's default 3 attempts x our default 5
 * tries, so the defaults are unchanged, while a larger `AWS_MAX_ATTEMPTS` takes tries away from us instead of
 * multiplying with them.
 */
export const DEFAULT_REQUEST_BUDGET = 15;
const DEFAULT_BASE_MS = 200;
const DEFAULT_MAX_MS = 10_000;

/**
 * The delay before retry number `retry` (1 = the first retry): "equal jitter" over an exponentially growing cap,
 * `cap = min(maxMs, baseMs * 2^(retry-1))`, delay in `[cap/2, cap)`. Half fixed so retries never bunch up at zero,
 * half random so many workers hitting the same outage do not retry in lockstep.
 */
export function backoffDelay(retry: number, opts: BackoffOptions = {}, random: () => number = Math.random): number {
  const baseMs = opts.baseMs ?? DEFAULT_BASE_MS;
  const maxMs = opts.maxMs ?? DEFAULT_MAX_MS;
  // Clamp the exponent: 2^1024 is Infinity and the cap is reached long before.
  const cap = Math.min(maxMs, baseMs * 2 ** Math.min(Math.max(retry - 1, 0), 52));
  return Math.floor(cap / 2 + random() * (cap / 2));
}

/**
 * Runs `fn` until it succeeds, retrying only {@link RetryableStorageError} with {@link backoffDelay} between tries,
 * at most `attempts` tries and `maxRequests` requests (see {@link RetryOptions.maxRequests}).
 * Any other error (permanent, not found, a bug) is rethrown at once, unchanged. When all attempts fail it throws
 * {@link RetriesExhaustedError} (carrying the attempt count, the last error as `cause`); a nested `withRetry` does not
 * retry that again.
 *
 * @param fn receives the 1-based attempt number.
 */
export async function withRetry<T>(fn: (attempt: number) => Promise<T>, opts: RetryOptions = {}): Promise<T> {
  const attempts = Math.max(1, opts.attempts ?? DEFAULT_ATTEMPTS);
  const budget = Math.max(1, opts.maxRequests ?? DEFAULT_REQUEST_BUDGET);
  let requests = 0;
  for (let attempt = 1; ; attempt++) {
    opts.signal?.throwIfAborted();
    try {
      return await fn(attempt);
    } catch (err) {
      if (!(err instanceof RetryableStorageError) || err instanceof RetriesExhaustedError) throw err;
      requests += err.requests;
      if (attempt >= attempts || requests + err.requests > budget)
        throw new RetriesExhaustedError(err, attempt, requests);
      const delayMs = backoffDelay(attempt, opts, opts.random);
      await opts.onRetry?.({ error: err, attempt, delayMs });
      try {
        await sleep(delayMs, undefined, opts.signal ? { signal: opts.signal } : undefined);
      } catch (sleepErr) {
        // Surface the caller's own abort reason rather than the timer's generic AbortError.
        opts.signal?.throwIfAborted();
        throw sleepErr;
      }
    }
  }
}
