/**
 * A cross-process lock on one file of the hub cache, so that two workers on one machine (one per GPU) fetching the
 * same model never append to the same `.incomplete` blob. The lock file holds `host:pid`; a holder refreshes its
 * mtime while it works, so a lock left by a crashed process is broken: at once when the pid is gone on this host,
 * after `staleMs` without a refresh otherwise (another host sharing the cache over a network file system).
 */
import { mkdir, open, readFile, stat, unlink, utimes } from 'node:fs/promises';
import { hostname } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/** Options of {@link withFileLock}. */
export interface LockOptions {
  /** How often a waiter looks again (default 250 ms). */
  pollMs?: number;
  /** A lock not refreshed for this long is abandoned (default 2 min; holders refresh every `staleMs / 4`). */
  staleMs?: number;
}

/** Runs `fn` while holding the lock at `lockPath`, waiting for other holders first. */
export async function withFileLock<T>(lockPath: string, fn: () => Promise<T>, options: LockOptions = {}): Promise<T> {
  const pollMs = options.pollMs ?? 250;
  const staleMs = options.staleMs ?? 120_000;
  await mkdir(path.dirname(lockPath), { recursive: true });
  const owner = `${hostname()}:${process.pid}`;
  while (!(await tryAcquire(lockPath, owner))) {
    if (await isAbandoned(lockPath, staleMs)) await unlink(lockPath).catch(ignoreMissing);
    else await sleep(pollMs);
  }
  const refresh = setInterval(() => {
    const now = new Date();
    utimes(lockPath, now, now).catch(() => undefined); // best effort: a missed refresh only risks a late break
  }, staleMs / 4);
  refresh.unref();
  try {
    return await fn();
  } finally {
    clearInterval(refresh);
    await unlink(lockPath).catch(ignoreMissing);
  }
}

async function tryAcquire(lockPath: string, owner: string): Promise<boolean> {
  try {
    const handle = await open(lockPath, 'wx');
    await handle.writeFile(owner);
    await handle.close();
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
}

/** True when the holder is provably gone (same host, dead pid) or has stopped refreshing. */
async function isAbandoned(lockPath: string, staleMs: number): Promise<boolean> {
  try {
    const [owner, info] = await Promise.all([readFile(lockPath, 'utf8'), stat(lockPath)]);
    const [host, pid] = owner.split(':');
    if (host === hostname() && pid && !isAlive(Number(pid))) return true;
    return Date.now() - info.mtimeMs > staleMs;
  } catch (err) {
    // Released between our attempt and this look: not abandoned, just free; the next attempt takes it.
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
}

function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function ignoreMissing(err: NodeJS.ErrnoException): void {
  if (err.code !== 'ENOENT') throw err;
}
