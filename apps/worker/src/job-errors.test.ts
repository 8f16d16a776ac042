import { MalformedJobError, RunNotFoundError } from '@metaclip-batch/jobs';
import { ModelLoadError } from '@metaclip-batch/metaclip';
import { BatchResultError } from '@metaclip-batch/pipeline';
import { NotFoundError, RetriesExhaustedError, RetryableStorageError } from '@metaclip-batch/storage';
import { UnrecoverableError } from 'bullmq';
import { describe, expect, it } from 'vitest';
import { isFinalAttempt, isPermanentFailure, toJobError } from './job-errors.ts';

describe('job errors', () => {
  const outage = new RetryableStorageError('503 from s3', { code: 'ServiceUnavailable' });

  it('tells permanent failures from retryable ones', () => {
    expect(isPermanentFailure(new MalformedJobError('uris: required'))).toBe(true);
    expect(isPermanentFailure(new RunNotFoundError('r'))).toBe(true);
    expect(isPermanentFailure(new ModelLoadError('no config.json', { path: '/m' }))).toBe(true);
    expect(isPermanentFailure(new NotFoundError('no bucket', { code: 'NoSuchBucket' }))).toBe(true);
    expect(isPermanentFailure(new BatchResultError(2, 1))).toBe(true);
    expect(isPermanentFailure(outage)).toBe(false);
    expect(isPermanentFailure(new RetriesExhaustedError(outage, 4))).toBe(false);
    expect(isPermanentFailure(new Error('onnxruntime: CUDA out of memory'))).toBe(false);
  });

  it('wraps permanent failures as UnrecoverableError and passes retryable ones through', () => {
    const wrapped = toJobError(new RunNotFoundError('r1'));
    expect(wrapped).toBeInstanceOf(UnrecoverableError);
    expect((wrapped as Error).message).toContain('run r1 does not exist');
    expect(toJobError(outage)).toBe(outage);
  });

  it('knows the last attempt', () => {
    expect(isFinalAttempt(outage, 0, 5)).toBe(false);
    expect(isFinalAttempt(outage, 4, 5)).toBe(true);
    expect(isFinalAttempt(outage, 0, undefined)).toBe(true);
    expect(isFinalAttempt(new UnrecoverableError('x'), 0, 5)).toBe(true);
  });
});
