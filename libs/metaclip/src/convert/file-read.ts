/**
 * Positioned reads of checkpoint files, shared by the safetensors and PyTorch readers: opening turns an OS error into
 * the `ModelLoadError` a user sees, and reads loop until done, since one read(2) moves at most ~2 GB.
 */
import { openSync, readSync } from 'node:fs';
import { ModelLoadError } from '../errors.ts';

/** Bytes per read call. */
const READ_STEP = 1 << 30;

/**
 * Open `file` read-only and return its descriptor.
 * @throws ModelLoadError naming the file when it cannot be opened.
 */
export function openForReading(file: string): number {
  try {
    return openSync(file, 'r');
  } catch (err) {
    throw new ModelLoadError(`cannot read ${file}: ${(err as Error).message}`, { cause: err, path: file });
  }
}

/**
 * Fill `into` from byte `position` of `fd`. Every read of a checkpoint goes through here: a short read is a truncated
 * file, and parsing the zeros it leaves would give garbage instead of this error.
 * @throws ModelLoadError (not retryable) when the file ends first: `source`, the offset, bytes expected and got.
 */
export function readFully(fd: number, into: Uint8Array, position: number, source: string): void {
  let done = 0;
  while (done < into.length) {
    const n = readSync(fd, into, done, Math.min(READ_STEP, into.length - done), position + done);
    if (n === 0) {
      throw new ModelLoadError(
        `${source}: expected ${into.length} bytes at offset ${position}, got ${done}: the file ends at byte ` +
          `${position + done} (truncated? download it again)`,
        { path: source },
      );
    }
    done += n;
  }
}
