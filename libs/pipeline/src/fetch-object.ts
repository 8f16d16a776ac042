import { type RetryOptions, type Storage, withRetry } from '@metaclip-batch/storage';
import type { Semaphore } from './bounded.ts';

/** How the shard runner reads objects: its storage per URI, the worker's shared fetch limiter, and GET retries. */
export interface FetchDeps {
  storageFor: (uri: string) => Storage;
  fetchLimiter: Semaphore;
  /** Retries of one GET (storage's `withRetry` options); exhausted, the caller's shard fails retryably. */
  fetchRetry?: RetryOptions;
}

/**
 * One GET of at most `maxBytes`, under the shared fetch limiter, transient errors retried: the one way the runner
 * reads an image or its caption sidecar.
 */
export function fetchObject(uri: string, maxBytes: number, deps: FetchDeps): Promise<Buffer> {
  return deps.fetchLimiter.use(() => withRetry(() => deps.storageFor(uri).get(uri, { maxBytes }), deps.fetchRetry));
}
