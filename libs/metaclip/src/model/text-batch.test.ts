import { describe, expect, it } from 'vitest';
import { attentionMask, endPositions, type TokenBatch, trimPadding } from './text-batch.ts';

const EOS = 9;
// Rows: "1 2 EOS" padded, "1 EOS" padded, "1 2 3 4 EOS" padded; length 7, pad = EOS as CLIP pads.
const batch: TokenBatch = {
  ids: BigInt64Array.from([1, 2, 9, 9, 9, 9, 9, 1, 9, 9, 9, 9, 9, 9, 1, 2, 3, 4, 9, 9, 9].map(BigInt)),
  batch: 3,
  length: 7,
};

describe('text batches', () => {
  it('finds the first end token of each row', () => {
    expect(endPositions(batch, EOS)).toEqual([2, 1, 4]);
    expect(endPositions({ ids: BigInt64Array.from([1n, 2n]), batch: 1, length: 2 }, EOS)).toEqual([1]);
  });

  it('trims the columns after the latest end token', () => {
    const trimmed = trimPadding(batch, EOS);
    expect(trimmed.length).toBe(5);
    expect(Array.from(trimmed.ids, Number)).toEqual([1, 2, 9, 9, 9, 1, 9, 9, 9, 9, 1, 2, 3, 4, 9]);
  });

  it('returns a batch unchanged when a row ends at the last column', () => {
    const full: TokenBatch = { ids: BigInt64Array.from([1n, 2n, 9n]), batch: 1, length: 3 };
    expect(trimPadding(full, EOS)).toBe(full);
  });

  it('masks the padding after each end token', () => {
    expect(Array.from(attentionMask(batch, EOS), Number)).toEqual([
      1, 1, 1, 0, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 0, 0,
    ]);
  });
});
