import { fromWire, toWire } from '@metaclip-batch/errors';
import { describe, expect, it } from 'vitest';
import { ImageInputError } from '../errors.ts';
import type { FixtureTask } from './thread-pool.fixture.ts';
import { ThreadExitedError, ThreadPool } from './thread-pool.ts';

const module = new URL('./thread-pool.fixture.ts', import.meta.url);
const start = (size: number, failSetup = false, onReplace?: (e: Error) => void) =>
  ThreadPool.start<FixtureTask, number | string, { failSetup: boolean }>({
    module,
    size,
    data: { failSetup },
    name: 'fixture',
    onReplace,
  });

describe('ThreadPool', () => {
  it('answers tasks on every thread and rebuilds a typed error with its fields', async () => {
    const pool = await start(2);
    try {
      const results = await Promise.all([1, 2, 3, 4].map((value) => pool.run({ op: 'echo', value })));
      expect(results).toEqual([2, 4, 6, 8]);
      // Least busy first: two tasks sent together land on different threads.
      const ids = await Promise.all([pool.run({ op: 'thread-id' }), pool.run({ op: 'thread-id' })]);
      expect(new Set(ids).size).toBe(2);
      const error = await pool.run({ op: 'bad-image' }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ImageInputError);
      expect(error).toMatchObject({ reason: 'TRUNCATED', source: 's3://b/k.png', code: 'IMAGE_DECODE' });
      expect(pool.pending).toBe(0);
    } finally {
      await pool.close();
    }
  });

  it('fails start with the set-up error, as its class', async () => {
    await expect(start(2, true)).rejects.toBeInstanceOf(ImageInputError);
  });

  it('fails only the dead thread tasks, retryably, and replaces the thread', async () => {
    const replaced: Error[] = [];
    const pool = await start(1, false, (e) => replaced.push(e));
    try {
      const died = await pool.run({ op: 'exit' }).catch((e: unknown) => e);
      expect(died).toBeInstanceOf(ThreadExitedError);
      expect((died as ThreadExitedError).retryable).toBe(true);
      expect(replaced).toHaveLength(1);
      expect(await pool.run({ op: 'echo', value: 21 })).toBe(42);
    } finally {
      await pool.close();
    }
    await expect(pool.run({ op: 'echo', value: 1 })).rejects.toThrow(/closed/);
  });
});

describe('errors across threads', () => {
  it('keep a plain error name and message, and the thread stack under the caller', () => {
    const original = new TypeError('bad thing');
    const back = fromWire(toWire(original));
    expect(back).toBeInstanceOf(Error);
    expect(back.name).toBe('TypeError');
    expect(back.message).toBe('bad thing');
    expect(back.stack).toContain('--- in the thread ---');
    expect(fromWire(toWire('a string'))).toMatchObject({ name: 'Error', message: 'a string' });
  });
});
