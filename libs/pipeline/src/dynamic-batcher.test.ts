import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DynamicBatcher } from './dynamic-batcher.ts';
import { BatcherClosedError, BatchResultError } from './errors.ts';

interface Item {
  shard: string;
  index: number;
}

/** A `run` that records every batch and answers `<shard>#<index>*2`, so a misrouted result is visible. */
function recorder() {
  const batches: Item[][] = [];
  const run = async (items: Item[]) => {
    batches.push(items);
    return items.map((it) => `${it.shard}#${it.index * 2}`);
  };
  return { batches, run };
}

/** A `run` whose batches stay open until the test lets them finish. */
function gated() {
  const batches: { items: Item[]; finish: () => void; fail: (e: Error) => void }[] = [];
  const run = (items: Item[]) =>
    new Promise<string[]>((resolve, reject) => {
      batches.push({ items, finish: () => resolve(items.map((it) => `${it.shard}#${it.index}`)), fail: reject });
    });
  return { batches, run };
}

const items = (shard: string, n: number): Item[] => Array.from({ length: n }, (_, index) => ({ shard, index }));

describe('DynamicBatcher', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('dispatches a full batch at once and routes each result to its submitter', async () => {
    const { batches, run } = recorder();
    const batcher = new DynamicBatcher({ policy: { maxBatch: 4, maxDelayMs: 1_000 }, maxQueue: 8, run });
    const results = Promise.all(items('a', 4).map((it) => batcher.submit(it)));
    await vi.advanceTimersByTimeAsync(0);
    expect(batches.map((b) => b.length)).toEqual([4]);
    expect(await results).toEqual(['a#0', 'a#2', 'a#4', 'a#6']);
  });

  it('with adaptiveDelay, lets a partial batch wait about as long as the last batch ran', async () => {
    const batches: number[] = [];
    const run = (batch: Item[]) =>
      new Promise<string[]>((resolve) => {
        batches.push(batch.length);
        setTimeout(() => resolve(batch.map((it) => `${it.shard}#${it.index}`)), 100);
      });
    const batcher = new DynamicBatcher({
      policy: { maxBatch: 8, maxDelayMs: 50 },
      adaptiveDelay: { minMs: 1, maxMs: 1_000 },
      maxQueue: 8,
      run,
    });
    const first = batcher.submit({ shard: 'a', index: 0 });
    await vi.advanceTimersByTimeAsync(150);
    expect(await first).toBe('a#0');
    // 50 ms configured, 100 ms observed: halfway, 75 ms.
    expect(batcher.delayMs).toBe(75);
    const second = batcher.submit({ shard: 'b', index: 0 });
    await vi.advanceTimersByTimeAsync(74);
    expect(batches).toEqual([1]);
    await vi.advanceTimersByTimeAsync(1);
    expect(batches).toEqual([1, 1]);
    await vi.advanceTimersByTimeAsync(100);
    expect(await second).toBe('b#0');
  });

  it('holds a partial batch until the oldest item has waited maxDelayMs', async () => {
    const { batches, run } = recorder();
    const batcher = new DynamicBatcher({ policy: { maxBatch: 8, maxDelayMs: 50 }, maxQueue: 8, run });
    const first = batcher.submit({ shard: 'a', index: 0 });
    await vi.advanceTimersByTimeAsync(30);
    const second = batcher.submit({ shard: 'a', index: 1 });
    await vi.advanceTimersByTimeAsync(19);
    expect(batches).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(batches.map((b) => b.length)).toEqual([2]);
    expect(await Promise.all([first, second])).toEqual(['a#0', 'a#2']);
  });

  it('mixes items of several shards in one batch and gives every shard its own results in order', async () => {
    const { batches, run } = recorder();
    const batcher = new DynamicBatcher({ policy: { maxBatch: 5, maxDelayMs: 10 }, maxQueue: 16, run });
    const shards = ['s0', 's1', 's2'];
    // Interleaved submissions, as concurrent shard runners make them.
    const pending = new Map(shards.map((s) => [s, [] as Promise<string>[]]));
    for (let i = 0; i < 4; i++) {
      for (const shard of shards) pending.get(shard)?.push(batcher.submit({ shard, index: i }));
    }
    await vi.advanceTimersByTimeAsync(10);
    expect(batches.map((b) => b.length)).toEqual([5, 5, 2]);
    expect(new Set(batches[0]?.map((it) => it.shard))).toEqual(new Set(shards));
    for (const shard of shards) {
      expect(await Promise.all(pending.get(shard) ?? [])).toEqual([0, 2, 4, 6].map((v) => `${shard}#${v}`));
    }
  });

  it('blocks submissions at maxQueue and admits them in order as batches leave', async () => {
    const { batches, run } = gated();
    const batcher = new DynamicBatcher({ policy: { maxBatch: 2, maxDelayMs: 0 }, maxQueue: 3, run });
    const results = items('a', 9).map((it) => batcher.submit(it));
    await vi.advanceTimersByTimeAsync(0);
    // One batch of 2 runs, 3 fill the queue, the other 4 wait for space instead of piling up.
    expect(batches).toHaveLength(1);
    expect(batcher.running).toBe(1);
    expect(batcher.queued).toBe(3);
    expect(batcher.blocked).toBe(4);
    batches[0]?.finish();
    await vi.advanceTimersByTimeAsync(0);
    expect(batches).toHaveLength(2);
    expect(batches[1]?.items.map((it) => it.index)).toEqual([2, 3]);
    expect(batcher.queued).toBe(3);
    expect(batcher.blocked).toBe(2);
    for (let b = 1; b < 5; b++) {
      batches[b]?.finish();
      await vi.advanceTimersByTimeAsync(0);
    }
    expect(await Promise.all(results)).toEqual(items('a', 9).map((it) => `a#${it.index}`));
  });

  it('runs up to `inflight` batches at once', async () => {
    const { batches, run } = gated();
    const batcher = new DynamicBatcher({ policy: { maxBatch: 2, maxDelayMs: 0 }, maxQueue: 4, inflight: 2, run });
    const results = items('a', 6).map((it) => batcher.submit(it));
    await vi.advanceTimersByTimeAsync(0);
    expect(batches).toHaveLength(2);
    expect(batcher.queued).toBe(2);
    for (const b of [0, 1]) batches[b]?.finish();
    await vi.advanceTimersByTimeAsync(0);
    batches[2]?.finish();
    expect(await Promise.all(results)).toHaveLength(6);
  });

  it('rejects exactly the items of a failed batch', async () => {
    const { batches, run } = gated();
    const stats: { size: number; error?: unknown }[] = [];
    const batcher = new DynamicBatcher({
      policy: { maxBatch: 2, maxDelayMs: 0 },
      maxQueue: 4,
      inflight: 2,
      run,
      onBatch: (s) => stats.push(s),
    });
    const results = items('a', 4).map((it) =>
      batcher.submit(it).then(
        (r) => r,
        (e: Error) => e.message,
      ),
    );
    await vi.advanceTimersByTimeAsync(0);
    batches[0]?.fail(new Error('out of memory'));
    batches[1]?.finish();
    expect(await Promise.all(results)).toEqual(['out of memory', 'out of memory', 'a#2', 'a#3']);
    expect(stats.map((s) => [s.size, s.error === undefined])).toEqual([
      [2, false],
      [2, true],
    ]);
  });

  it('rejects a batch whose run returns the wrong number of results', async () => {
    const batcher = new DynamicBatcher<number, number>({
      policy: { maxBatch: 2, maxDelayMs: 0 },
      maxQueue: 2,
      run: async (xs) => xs.slice(1),
    });
    const result = batcher.submit(1);
    await expect(result).rejects.toBeInstanceOf(BatchResultError);
  });

  it('close() flushes a partial batch without waiting, drains blocked submissions, then refuses new items', async () => {
    const { batches, run } = recorder();
    const batcher = new DynamicBatcher({ policy: { maxBatch: 4, maxDelayMs: 60_000 }, maxQueue: 4, run });
    const results = items('a', 6).map((it) => batcher.submit(it));
    await vi.advanceTimersByTimeAsync(0);
    expect(batches.map((b) => b.length)).toEqual([4]);
    await batcher.close();
    expect(batches.map((b) => b.length)).toEqual([4, 2]);
    expect(await Promise.all(results)).toHaveLength(6);
    await expect(batcher.submit({ shard: 'a', index: 9 })).rejects.toBeInstanceOf(BatcherClosedError);
  });

  it('refuses a queue too small for one batch', () => {
    const { run } = recorder();
    expect(() => new DynamicBatcher({ policy: { maxBatch: 4, maxDelayMs: 1 }, maxQueue: 3, run })).toThrow(RangeError);
  });
});
