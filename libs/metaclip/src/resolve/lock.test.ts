import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { withFileLock } from './lock';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'metaclip-lock-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

it('runs holders of the same lock one after the other', async () => {
  const lock = path.join(dir, 'x.lock');
  const events: string[] = [];
  const holder = (name: string) =>
    withFileLock(
      lock,
      async () => {
        events.push(`${name}:in`);
        await new Promise((r) => setImmediate(r));
        events.push(`${name}:out`);
      },
      { pollMs: 5 },
    );
  await Promise.all([holder('a'), holder('b')]);
  // Either may win the race for the lock file; what the lock guarantees is that they never overlap.
  const first = events[0]?.split(':')[0];
  const second = first === 'a' ? 'b' : 'a';
  expect(events).toEqual([`${first}:in`, `${first}:out`, `${second}:in`, `${second}:out`]);
});

it('breaks a lock left behind by a process that no longer exists', async () => {
  const lock = path.join(dir, 'nested', 'y.lock');
  await withFileLock(lock, async () => undefined); // creates the folder
  await writeFile(lock, `${hostname()}:2147483646`);
  expect(await withFileLock(lock, async () => 'acquired', { pollMs: 5 })).toBe('acquired');
});
