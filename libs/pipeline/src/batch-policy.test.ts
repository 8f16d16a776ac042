import { describe, expect, it } from 'vitest';
import { adaptBatchDelay, decideBatch, validateBatchPolicy } from './batch-policy.ts';

const policy = { maxBatch: 8, maxDelayMs: 10 };

describe('decideBatch', () => {
  it('waits for an arrival when the queue is empty', () => {
    expect(decideBatch({ queued: 0, oldestAgeMs: 0, policy })).toEqual({ waitMs: Number.POSITIVE_INFINITY });
  });

  it('dispatches a full batch at once, leaving the rest queued', () => {
    expect(decideBatch({ queued: 8, oldestAgeMs: 0, policy })).toEqual({ take: 8 });
    expect(decideBatch({ queued: 20, oldestAgeMs: 0, policy })).toEqual({ take: 8 });
  });

  it('waits out the oldest item delay for a partial batch, then takes what is there', () => {
    expect(decideBatch({ queued: 3, oldestAgeMs: 4, policy })).toEqual({ waitMs: 6 });
    expect(decideBatch({ queued: 3, oldestAgeMs: 10, policy })).toEqual({ take: 3 });
    expect(decideBatch({ queued: 3, oldestAgeMs: 50, policy })).toEqual({ take: 3 });
  });

  it('dispatches the largest preferred size the queue can fill without waiting', () => {
    const preferred = { ...policy, preferredSizes: [2, 4, 16] };
    expect(decideBatch({ queued: 1, oldestAgeMs: 0, policy: preferred })).toEqual({ waitMs: 10 });
    expect(decideBatch({ queued: 3, oldestAgeMs: 0, policy: preferred })).toEqual({ take: 2 });
    expect(decideBatch({ queued: 7, oldestAgeMs: 0, policy: preferred })).toEqual({ take: 4 });
    // 16 exceeds maxBatch and never applies; a full batch still does.
    expect(decideBatch({ queued: 9, oldestAgeMs: 0, policy: preferred })).toEqual({ take: 8 });
  });

  it('does not wait while draining', () => {
    expect(decideBatch({ queued: 2, oldestAgeMs: 0, policy, draining: true })).toEqual({ take: 2 });
  });

  it('dispatches immediately with a zero delay', () => {
    expect(decideBatch({ queued: 1, oldestAgeMs: 0, policy: { maxBatch: 4, maxDelayMs: 0 } })).toEqual({ take: 1 });
  });
});

describe('validateBatchPolicy', () => {
  it('rejects policies no batcher can honour', () => {
    expect(() => validateBatchPolicy({ maxBatch: 0, maxDelayMs: 1 })).toThrow(RangeError);
    expect(() => validateBatchPolicy({ maxBatch: 2.5, maxDelayMs: 1 })).toThrow(RangeError);
    expect(() => validateBatchPolicy({ maxBatch: 2, maxDelayMs: -1 })).toThrow(RangeError);
    expect(() => validateBatchPolicy({ maxBatch: 2, maxDelayMs: Number.NaN })).toThrow(RangeError);
    expect(() => validateBatchPolicy({ maxBatch: 2, maxDelayMs: 1, preferredSizes: [0] })).toThrow(RangeError);
    expect(() => validateBatchPolicy({ maxBatch: 2, maxDelayMs: 1, preferredSizes: [1, 2] })).not.toThrow();
  });
});

describe('adaptBatchDelay', () => {
  const bounds = { minMs: 2, maxMs: 5_000 };

  it('moves halfway towards the last batch time', () => {
    expect(adaptBatchDelay(20, 3_000, bounds)).toBe(1_510);
    expect(adaptBatchDelay(1_510, 3_000, bounds)).toBe(2_255);
    expect(adaptBatchDelay(40, 8, bounds)).toBe(24);
  });

  it('stays within its bounds', () => {
    expect(adaptBatchDelay(5_000, 60_000, bounds)).toBe(5_000);
    expect(adaptBatchDelay(2, 0, bounds)).toBe(2);
  });
});
