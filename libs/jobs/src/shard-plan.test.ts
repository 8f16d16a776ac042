import { describe, expect, it } from 'vitest';
import { chunk, planShards } from './shard-plan.ts';

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

async function* range(n: number): AsyncGenerator<number> {
  for (let i = 0; i < n; i++) yield i;
}

describe('planShards', () => {
  it('groups a stream into numbered shards, the last one shorter', async () => {
    const shards = await collect(planShards(range(7), 3));
    expect(shards).toEqual([
      { shard: 0, items: [0, 1, 2] },
      { shard: 1, items: [3, 4, 5] },
      { shard: 2, items: [6] },
    ]);
  });

  it('yields nothing for an empty stream and starts at firstShard', async () => {
    expect(await collect(planShards(range(0), 3))).toEqual([]);
    expect((await collect(planShards([1, 2], 5, 10)))[0]?.shard).toBe(10);
  });

  it('rejects a shard size below 1', async () => {
    await expect(collect(planShards(range(3), 0))).rejects.toThrow(RangeError);
  });

  it('streams: the first shard comes before the source ends', async () => {
    let produced = 0;
    async function* endless(): AsyncGenerator<number> {
      for (;;) yield produced++;
    }
    const first = await planShards(endless(), 4).next();
    expect(first.value).toEqual({ shard: 0, items: [0, 1, 2, 3] });
    expect(produced).toBeLessThanOrEqual(5);
  });

  it('chunks any iterable', async () => {
    expect(await collect(chunk([1, 2, 3, 4, 5], 2))).toEqual([[1, 2], [3, 4], [5]]);
  });
});
