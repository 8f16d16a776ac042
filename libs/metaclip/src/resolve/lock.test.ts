import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, stat, utimes } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { FileLockError, withFileLock } from './lock.ts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'metaclip-lock-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

it('runs holders of the same lock one after the other', async () => {
  const lock = path.join(dir, 'x.lock');
  const events: string[] = [];
  const holder = (name: string) =>
    withFileLock(lock, async () => {
      events.push(`${name}:in`);
      await sleep(200); // long enough for the other to be waiting on the lock, were it not exclusive
      events.push(`${name}:out`);
    });
  await Promise.all([holder('a'), holder('b')]);
  // Either may win the race for the lock; what the lock guarantees is that they never overlap.
  const first = events[0]?.split(':')[0];
  const second = first === 'a' ? 'b' : 'a';
  expect(events).toEqual([`${first}:in`, `${first}:out`, `${second}:in`, `${second}:out`]);
});

it('never breaks a held lock, however old its file looks, and never deletes the lock file', async () => {
  const lock = path.join(dir, 'nested', 'y.lock');
  const events: string[] = [];
  let waiter: Promise<void> | undefined;
  await withFileLock(lock, async () => {
    const { ino } = await stat(lock);
    await utimes(lock, new Date(0), new Date(0)); // an age-based lock would call this holder dead
    waiter = withFileLock(lock, async () => {
      events.push('waiter:in');
    });
    await sleep(500);
    events.push('holder:out');
    expect((await stat(lock)).ino).toBe(ino);
  });
  await waiter;
  expect(events).toEqual(['holder:out', 'waiter:in']);
  expect((await stat(lock)).isFile()).toBe(true); // left in place, as huggingface_hub leaves its own
});

it('is freed by the kernel when the process holding it is killed, with no stale lock to break', async () => {
  const lock = path.join(dir, 'z.lock');
  // Another Node process that takes the lock through this module and is SIGKILLed while holding it.
  const code = `import(${JSON.stringify(path.join(import.meta.dirname, 'lock.ts'))}).then((m) =>
    m.withFileLock(${JSON.stringify(lock)}, () => { console.log('held'); return new Promise(() => {}); }))`;
  const holder = spawn(process.execPath, ['--import', 'tsx', '-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
  await once(holder.stdout, 'data');
  let acquired = false;
  const waiter = withFileLock(lock, async () => {
    acquired = true;
  });
  await sleep(300);
  expect(acquired).toBe(false);
  holder.kill('SIGKILL');
  await waiter;
  expect(acquired).toBe(true);
});

it('without a flock program, fails with a FileLockError that says what to install', async () => {
  const err = await withFileLock(path.join(dir, 'w.lock'), async () => undefined, {
    flockBin: path.join(dir, 'no-flock'),
  }).catch((e) => e);
  expect(err).toBeInstanceOf(FileLockError);
  expect(err.message).toMatch(/util-linux/);
});
