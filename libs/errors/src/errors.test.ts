import { describe, expect, it } from 'vitest';
import { fromWire, isPermanent, isProjectError, ProjectError, registerWireErrors, toWire } from './index.ts';

class QuotaError extends ProjectError {
  readonly code = 'QUOTA';
  readonly retryable = true;
  readonly bucket: string;

  constructor(bucket: string) {
    super(`bucket ${bucket} is throttled`);
    this.bucket = bucket;
  }
}

class BadInputError extends ProjectError {
  readonly code = 'BAD_INPUT';
  readonly retryable = false;
}

describe('the error protocol', () => {
  it('decides permanence by retryable alone', () => {
    expect(isPermanent(new BadInputError('no'))).toBe(true);
    expect(isPermanent(new QuotaError('b'))).toBe(false);
    expect(isPermanent(new Error('a bug'))).toBe(false);
    expect(isPermanent(Object.assign(new Error('from elsewhere'), { code: 'X', retryable: false }))).toBe(true);
    expect(isProjectError('a string')).toBe(false);
    expect(new QuotaError('b').name).toBe('QuotaError');
  });

  it('rebuilds a registered class with its fields across a thread boundary', () => {
    registerWireErrors(QuotaError);
    const back = fromWire(structuredClone(toWire(new QuotaError('photos'))));
    expect(back).toBeInstanceOf(QuotaError);
    expect(back).toMatchObject({ name: 'QuotaError', code: 'QUOTA', retryable: true, bucket: 'photos' });
    expect(back.message).toBe('bucket photos is throttled');
    expect(back.stack).toContain('--- in the thread ---');
  });

  it('keeps code and retryable of a class nobody registered, and plain errors as they were', () => {
    const back = fromWire(structuredClone(toWire(new BadInputError('no'))));
    expect(back).not.toBeInstanceOf(BadInputError);
    expect(isPermanent(back)).toBe(true);
    expect(back).toMatchObject({ name: 'BadInputError', code: 'BAD_INPUT' });
    expect(fromWire(toWire(new TypeError('t')))).toMatchObject({ name: 'TypeError', message: 't' });
    expect(isProjectError(fromWire(toWire(new TypeError('t'))))).toBe(false);
  });
});
