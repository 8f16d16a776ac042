/**
 * Retrying a call whose failures may be transient (a storage GET). The backoff is a pure function; `retry` is the
 * loop around it.
 */

/** How often and how patiently to retry. */
export interface RetryPolicy {
  /** Tries in all, the first included (>= 1). */
  attempts: number;
  /** Backoff cap before the first retry, in ms; doubles every retry. */
  baseMs: number;
  /** Largest backoff, in ms. */
  maxMs: number;
}

/** The defaults for fetching one object: 4 tries over about 1.5 s at worst. */
export const DEFAULT_FETCH_RETRY: RetryPolicy = { attempts: 4, baseMs: 100, maxMs: 2_000 };

/**
 * Backoff before retry number `retry` (1 for the first retry): "full jitter", a uniform draw below an exponentially
 * growing cap, so many workers that failed together do not retry together. `random` is in [0, 1).
 */
export function backoffMs(retry: number, policy: RetryPolicy, random: number): number {
  const cap = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.max(0, retry - 1));
  return Math.floor(cap * random);
}

/**
 * Calls `fn` until it succeeds, it throws an error `isRetryable` rejects, or `policy.attempts` tries are spent; then
 * throws the last error unchanged (its type still says whether the caller may retry later).
 */
export async function retry<R>(
  fn: (attempt: number) => Promise<R>,
  isRetryable: (error: unknown) => boolean,
  policy: RetryPolicy = DEFAULT_FETCH_RETRY,
  onRetry?: (error: unknown, attempt: number, delayMs: number) => void,
): Promise<R> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (error) {
      if (attempt >= policy.attempts || !isRetryable(error)) throw error;
      const delayMs = backoffMs(attempt, policy, Math.random());
      onRetry?.(error, attempt, delayMs);
      await new Promise((resolve) => setTimeout(resolve, delayMs));
    }
  }
}
