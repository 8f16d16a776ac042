import { describe, expect, it } from 'vitest';
import { NotFoundError, PermanentStorageError, RetryableStorageError } from './errors.ts';
import { classifyS3Error, mapS3Error } from './s3-errors.ts';

// The shapes the SDK gives: a named ServiceException with $metadata, or a Node network error with a code.
const service = (name: string, status: number, message = 'm') =>
  Object.assign(new Error(message), { name, $metadata: { httpStatusCode: status }, $fault: 'client' });
const network = (code: string) => Object.assign(new Error(`connect ${code} 127.0.0.1:9`), { code });

describe('classifyS3Error', () => {
  it('treats NoSuchKey and bare 404s (HEAD) as not found, but not a missing bucket', () => {
    expect(classifyS3Error(service('NoSuchKey', 404))).toBe('not-found');
    expect(classifyS3Error(service('NotFound', 404, 'UnknownError'))).toBe('not-found');
    expect(classifyS3Error(service('NoSuchBucket', 404))).toBe('permanent');
  });

  it('treats throttling, 5xx, timeouts and dropped connections as retryable', () => {
    for (const err of [
      service('SlowDown', 503),
      service('InternalError', 500),
      service('Whatever', 502),
      service('TooManyRequests', 429),
      service('RequestTimeout', 400),
      Object.assign(new Error('timed out'), { name: 'TimeoutError' }),
      network('ECONNREFUSED'),
      network('ECONNRESET'),
      network('ETIMEDOUT'),
      network('EPIPE'),
      network('EAI_AGAIN'),
    ]) {
      expect(classifyS3Error(err), `${err.name} ${(err as { code?: string }).code}`).toBe('retryable');
    }
  });

  it('treats denials, bad requests and missing configuration as permanent', () => {
    for (const err of [
      service('AccessDenied', 403),
      service('InvalidAccessKeyId', 403),
      service('SignatureDoesNotMatch', 403),
      service('InvalidBucketName', 400),
      network('ENOTFOUND'),
      Object.assign(new Error('Could not load credentials from any providers'), { name: 'CredentialsProviderError' }),
      new Error('Region is missing'),
    ]) {
      expect(classifyS3Error(err), err.name).toBe('permanent');
    }
  });

  it('leaves bugs and aborts alone', () => {
    expect(classifyS3Error(new TypeError('x is undefined'))).toBeUndefined();
    expect(classifyS3Error(Object.assign(new Error('aborted'), { name: 'AbortError' }))).toBeUndefined();
    expect(classifyS3Error('a string')).toBeUndefined();
  });
});

describe('mapS3Error', () => {
  it('builds typed errors that name the operation, URI, S3 error and what to do', () => {
    const missing = mapS3Error(service('NoSuchKey', 404, 'The specified key does not exist.'), 'get', 's3://b/k');
    expect(missing).toBeInstanceOf(NotFoundError);
    expect(missing).toMatchObject({ code: 'NoSuchKey', uri: 's3://b/k', retryable: false });
    expect((missing as Error).message).toBe(
      'get s3://b/k failed (NoSuchKey, HTTP 404): The specified key does not exist.; check the key, and that it was ' +
        'listed from the same bucket and endpoint',
    );
    const denied = mapS3Error(service('AccessDenied', 403), 'put', 's3://b/k');
    expect(denied).toBeInstanceOf(PermanentStorageError);
    expect((denied as Error).message).toMatch(/check the credentials/);
    const down = mapS3Error(network('ECONNREFUSED'), 'list', 's3://b/');
    expect(down).toBeInstanceOf(RetryableStorageError);
    expect(down).toMatchObject({ code: 'ECONNREFUSED', uri: 's3://b/' });
    const bug = new TypeError('bug');
    expect(mapS3Error(bug, 'get', 's3://b/k')).toBe(bug);
  });
});
