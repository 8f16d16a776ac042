import { describe, expect, it } from 'vitest';
import { mapBounded, Pool, Semaphore } from './bounded.ts';

/** Resolves after every promise callback queued so far has run. */
const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('Semaphore', () => {
  it('hands permits to waiters in arrival order', async () => {
    const sem = new Semaphore(1);
    const order: number[] = [];
    await sem.acquire();
    const waiters = [1, 2, 3].map((n) => sem.acquire().then(() => order.push(n)));
    expect(sem.waiting).toBe(3);
    for (let i = 0; i < 3; i++) {
      sem.release();
      await settle();
    }
    await Promise.all(waiters);
    expect(order).toEqual([1, 2, 3]);
    expect(sem.available).toBe(0);
  });

  it('use() releases the permit when fn throws', async () => {
    const sem = new Semaphore(1);
    await expect(sem.use(async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(sem.available).toBe(1);
  });
});

describe('Pool', () => {
  it('lends each resource to one holder at a time and makes the next caller wait', async () => {
    const pool = new Pool(['x', 'y']);
    const a = await pool.acquire();
    const b = await pool.acquire();
    expect(new Set([a, b])).toEqual(new Set(['x', 'y']));
    let third: string | undefined;
    const waiting = pool.acquire().then((r) => {
      third = r;
    });
    await settle();
    expect(third).toBeUndefined();
    pool.release(a);
    await waiting;
    expect(third).toBe(a);
    expect(pool.available).toBe(0);
  });
});

describe('mapBounded', () => {
  it('keeps input order and never runs more than `concurrency` calls', async () => {
    let running = 0;
    let peak = 0;
    const out = await mapBounded([5, 1, 4, 2, 3, 0], 2, async (x, i) => {
      running++;
      peak = Math.max(peak, running);
      for (let k = 0; k < x; k++) await settle();
      running--;
      return `${i}:${x}`;
    });
    expect(out).toEqual(['0:5', '1:1', '2:4', '3:2', '4:3', '5:0']);
    expect(peak).toBe(2);
  });

  it('pulls async iterables lazily', async () => {
    const pulled: number[] = [];
    async function* source() {
      for (let i = 0; i < 5; i++) {
        pulled.push(i);
        yield i;
      }
    }
    expect(await mapBounded(source(), 3, async (x) => x * 10)).toEqual([0, 10, 20, 30, 40]);
    expect(pulled).toEqual([0, 1, 2, 3, 4]);
  });

  it('stops starting items after a failure, lets running ones settle, and throws the first error', async () => {
    const started: number[] = [];
    const finished: number[] = [];
    const run = mapBounded([0, 1, 2, 3, 4, 5], 2, async (x) => {
      started.push(x);
      if (x === 1) throw new Error('bad 1');
      await settle();
      finished.push(x);
      return x;
    });
    await expect(run).rejects.toThrow('bad 1');
    // Item 0 was running when 1 failed: it finished before the rejection; nothing new started.
    expect(started).toEqual([0, 1]);
    expect(finished).toEqual([0]);
  });

  it('returns an empty array for no items', async () => {
    expect(await mapBounded([], 4, async (x: number) => x)).toEqual([]);
  });
});
