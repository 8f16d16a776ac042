/**
 * A cross-process lock on one file of the hub cache, the same lock huggingface_hub takes: an exclusive `flock(2)` on
 * `<cache>/.locks/models--org--name/<etag>.lock` (Python's filelock, `fcntl.flock`). A Python process and ours
 * therefore exclude each other, and two workers on one machine never append to the same `.incomplete` blob.
 *
 * Node has no flock of its own, so the lock is held by util-linux's (or busybox's) `flock(1)`, a child that opens
 * the file, takes the lock, says so, and keeps it until its stdin closes: on release, or when this process dies in
 * any way, since the kernel closes the pipe. The kernel frees a flock with the last descriptor, so there is never a
 * stale lock to break and the lock file is never deleted (huggingface_hub leaves it too): no waiter can remove a
 * lock another has just taken, the race of lock files judged stale by age.
 */
import { spawn } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ProjectError } from '@metaclip-batch/errors';
import type { Logger } from 'pino';

/** The lock could not be taken: `flock(1)` is missing, or the lock file cannot be opened. */
export class FileLockError extends ProjectError {
  readonly code = 'FILE_LOCK';
  readonly retryable = false;
}

/** Options of {@link withFileLock}. */
export interface LockOptions {
  /** Told once when another process holds the lock, since the wait can be a whole download long. */
  logger?: Logger;
  /** How often a waiter tries again (default 250 ms). */
  pollMs?: number;
  /** The `flock` program (default `flock` on the PATH). */
  flockBin?: string;
}

// The child prints a line once flock(1) holds the lock, then waits for its stdin to end. `read` returns at end of
// input, also when this process is killed, and flock(1) exits, freeing the lock, when its command does.
const HOLD = 'echo locked; read -r _ || true';

/** Runs `fn` while holding an exclusive flock on `lockPath` (created if missing), waiting for other holders first. */
export async function withFileLock<T>(lockPath: string, fn: () => Promise<T>, options: LockOptions = {}): Promise<T> {
  await mkdir(path.dirname(lockPath), { recursive: true });
  let release = await tryAcquire(lockPath, options);
  if (!release) options.logger?.info({ lock: lockPath }, 'another process is downloading this file; waiting');
  while (!release) {
    await sleep(options.pollMs ?? 250);
    release = await tryAcquire(lockPath, options);
  }
  try {
    return await fn();
  } finally {
    await release();
  }
}

/**
 * One non-blocking try: the function that frees the lock when it was taken, null when another holds it. Waiting is
 * done here rather than in a blocking flock(1), which would outlive this process if it died while waiting.
 */
async function tryAcquire(lockPath: string, options: LockOptions): Promise<(() => Promise<void>) | null> {
  const bin = options.flockBin ?? 'flock';
  // Short options only: busybox's flock knows no long ones. -n makes a held lock exit 1 at once, silently.
  const child = spawn(bin, ['-x', '-n', lockPath, 'sh', '-c', HOLD], { stdio: ['pipe', 'pipe', 'pipe'] });
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  // Ending stdin of a child that already exited (killed from outside) raises EPIPE here; its exit is what counts.
  child.stdin.on('error', () => undefined);
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => {
    stderr += d;
  });
  const held = await new Promise<boolean>((resolve, reject) => {
    child.stdout.setEncoding('utf8').on('data', (d: string) => d.includes('locked') && resolve(true));
    child.once('error', (err: NodeJS.ErrnoException) =>
      reject(
        new FileLockError(
          err.code === 'ENOENT'
            ? `cannot lock ${lockPath}: no ${bin} program (util-linux; apt-get install util-linux, ` +
                'apk add util-linux, brew install flock), which hub downloads need to share the cache safely'
            : `cannot lock ${lockPath}: ${err.message}`,
          { cause: err },
        ),
      ),
    );
    exited.then((code) => {
      if (code === 1 && !stderr) resolve(false);
      else reject(new FileLockError(`cannot lock ${lockPath}: ${bin} exited with ${code}: ${stderr.trim()}`));
    });
  });
  if (!held) return null;
  return async () => {
    child.stdin.end();
    await exited;
  };
}
