import { describe, expect, it } from 'vitest';
import { batchDelayMs } from './suites';

describe('batchDelayMs', () => {
  it('is about one full batch of model time', () => {
    expect(batchDelayMs(8, 3.2)).toBe(2500); // CPU: seconds per batch
    expect(batchDelayMs(256, 4000)).toBe(64); // GPU: tens of milliseconds
  });

  it("never goes below the worker's default, and falls back to it without a raw measurement", () => {
    expect(batchDelayMs(32, 100_000)).toBe(20);
    expect(batchDelayMs(8, undefined)).toBe(20);
  });
});
