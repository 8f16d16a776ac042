import { ProjectError } from '@metaclip-batch/errors';

/**
 * Typed storage failures. Callers decide what to do from the class alone:
 * - {@link NotFoundError} and {@link PermanentStorageError}: retrying cannot help (fail the item or the job);
 * - {@link RetryableStorageError}: the same call may succeed later (retry with backoff, see `withRetry`).
 *
 * Messages name the URI and what to check; they never contain credentials.
 */
export abstract class StorageError extends ProjectError {
  /** Whether repeating the same call may succeed. */
  abstract override readonly retryable: boolean;
  /** Machine-readable reason, e.g. `NoSuchKey`, `ENOENT`, `ECONNREFUSED`, `BAD_NPY`. */
  readonly code: string;
  /** The URI the operation was about, when there was one. */
  readonly uri: string | undefined;

  constructor(message: string, opts: { code: string; uri?: string; cause?: unknown }) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.code = opts.code;
    this.uri = opts.uri;
  }
}

/** A failure that will happen again on retry: access denied, no such bucket, bad request, malformed data. */
export class PermanentStorageError extends StorageError {
  readonly retryable = false;
}

/** The object (or file) does not exist. Permanent: a subclass of {@link PermanentStorageError}. */
export class NotFoundError extends PermanentStorageError {}

/** Bytes that are not a valid npy/parquet file, or arguments that cannot be encoded. */
export class FormatError extends PermanentStorageError {}

/** A transient failure: 5xx, throttling, timeouts, connection refused or reset, a busy file system. */
export class RetryableStorageError extends StorageError {
  readonly retryable = true;
  /**
   * Requests the failed call made (the SDK's own retries included: its `$metadata.attempts`); 1 when unknown. What
   * `withRetry` counts against its request budget, so the SDK's retries and ours do not multiply.
   */
  readonly requests: number;

  constructor(message: string, opts: { code: string; uri?: string; cause?: unknown; requests?: number }) {
    super(message, opts);
    this.requests = Math.max(1, opts.requests ?? 1);
  }
}

/**
 * `withRetry` spent all its attempts. Still a {@link RetryableStorageError} (a later retry, e.g. of the whole job, may
 * succeed), but `withRetry` never retries it again, so nested retries do not multiply. `cause` is the last failure.
 */
export class RetriesExhaustedError extends RetryableStorageError {
  /** How many times the operation was tried. */
  readonly attempts: number;

  constructor(last: RetryableStorageError, attempts: number, requests = attempts) {
    super(`gave up after ${attempts} attempts (${requests} requests): ${last.message}`, {
      code: last.code,
      uri: last.uri,
      cause: last,
      requests,
    });
    this.attempts = attempts;
  }
}
