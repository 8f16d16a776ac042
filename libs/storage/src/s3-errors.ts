import { NotFoundError, PermanentStorageError, RetryableStorageError, StorageError } from './errors.ts';

/** How to treat a failed S3 call. */
export type S3FailureKind = 'not-found' | 'permanent' | 'retryable';

/** The parts of an SDK (or Node network) error the classification looks at. */
interface ErrorShape {
  name?: string;
  message?: string;
  code?: string;
  $retryable?: unknown;
  $metadata?: { httpStatusCode?: number; attempts?: number };
}

const NOT_FOUND = new Set(['NoSuchKey', 'NotFound', 'NoSuchUpload']);
const RETRYABLE_NAMES = new Set([
  'SlowDown',
  'Throttling',
  'ThrottlingException',
  'RequestThrottled',
  'TooManyRequestsException',
  'RequestTimeout',
  'RequestTimeoutException',
  'TimeoutError',
  'InternalError',
  'ServiceUnavailable',
  // Short-lived credentials expired mid-flight: the provider chain refreshes them on the next call.
  'ExpiredToken',
  'RequestExpired',
]);
// The server (or the path to it) going away for a while.
const RETRYABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  'ECONNABORTED',
  'UND_ERR_SOCKET',
]);

/**
 * Classifies a failed S3 call: 404 and NoSuchKey are `not-found`; 5xx, 429, throttling, timeouts and dropped
 * connections are `retryable`; everything else S3 answered (403, NoSuchBucket, 400...) is `permanent`. Returns
 * `undefined` for errors that are not S3 or network failures (bugs, aborts), which callers rethrow unchanged.
 */
export function classifyS3Error(err: unknown): S3FailureKind | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const e = err as ErrorShape;
  const name = e.name ?? '';
  if (name === 'AbortError') return undefined;
  const status = e.$metadata?.httpStatusCode;
  if (NOT_FOUND.has(name) || (status === 404 && name !== 'NoSuchBucket')) return 'not-found';
  if (RETRYABLE_NAMES.has(name) || (e.code !== undefined && RETRYABLE_CODES.has(e.code))) return 'retryable';
  if (status !== undefined && (status >= 500 || status === 429 || status === 408)) return 'retryable';
  if (e.$retryable) return 'retryable';
  if (status !== undefined) return 'permanent';
  // No HTTP answer: configuration the SDK could not resolve (credentials, region, endpoint host). Retrying cannot help.
  if (name === 'CredentialsProviderError' || e.code === 'ENOTFOUND' || /Region is missing/.test(e.message ?? '')) {
    return 'permanent';
  }
  return undefined;
}

/** What a person should do about a failure of this kind. */
function advice(name: string, status: number | undefined, kind: S3FailureKind): string {
  if (kind === 'not-found') return 'check the key, and that it was listed from the same bucket and endpoint';
  if (kind === 'retryable') return 'S3 is unavailable or throttling; retry later';
  if (name === 'NoSuchBucket') return 'check the bucket name, region and endpoint (AWS_ENDPOINT_URL_S3)';
  if (status === 403 || name === 'AccessDenied' || name === 'InvalidAccessKeyId' || name === 'SignatureDoesNotMatch') {
    return 'check the credentials (AWS_PROFILE, AWS_ACCESS_KEY_ID) and the bucket policy';
  }
  if (name === 'CredentialsProviderError') return 'configure credentials (AWS_PROFILE or AWS_ACCESS_KEY_ID)';
  return 'check the request, the region (AWS_REGION) and the endpoint';
}

/**
 * Maps a failed S3 call to {@link NotFoundError}, {@link PermanentStorageError} or {@link RetryableStorageError};
 * errors {@link classifyS3Error} does not recognise are returned unchanged. The message names the operation, the
 * URI, the S3 error and what to do; the SDK error is kept as `cause` (it carries no credentials).
 */
export function mapS3Error(err: unknown, op: string, uri: string): unknown {
  if (err instanceof StorageError) return err;
  const kind = classifyS3Error(err);
  if (kind === undefined) return err;
  const e = err as ErrorShape;
  const name = e.name ?? 'Error';
  const status = e.$metadata?.httpStatusCode;
  const code = e.code ?? name;
  const what = [name, status === undefined ? undefined : `HTTP ${status}`, e.code].filter(Boolean).join(', ');
  const detail = e.message && e.message !== 'UnknownError' ? `: ${e.message}` : '';
  const message = `${op} ${uri} failed (${what})${detail}; ${advice(name, status, kind)}`;
  const opts = { code, uri, cause: err };
  if (kind === 'not-found') return new NotFoundError(message, opts);
  return kind === 'retryable'
    ? new RetryableStorageError(message, { ...opts, requests: e.$metadata?.attempts })
    : new PermanentStorageError(message, opts);
}
