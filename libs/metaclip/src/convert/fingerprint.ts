/**
 * Content hashes of model files, with a stat-keyed memo so a cached load of a 600 MB checkpoint does not read it
 * just to learn that nothing changed (the same trade-off git's index makes: size, mtime, ctime and inode).
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, readFile, realpath, rename, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { ModelLoadError } from '../errors.ts';

/** sha256 hex of bytes. */
export function sha256(bytes: Uint8Array | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** sha256 hex of a file, streamed (a checkpoint may be larger than any one buffer). */
export async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  try {
    for await (const chunk of createReadStream(file, { highWaterMark: 4 << 20 })) hash.update(chunk as Buffer);
  } catch (err) {
    throw new ModelLoadError(`cannot read ${file}: ${(err as Error).message}`, { cause: err, path: file });
  }
  return hash.digest('hex');
}

const memoSchema = z.object({
  size: z.number(),
  mtimeMs: z.number(),
  ctimeMs: z.number(),
  ino: z.number(),
  sha256: z.string(),
});
type Memo = z.infer<typeof memoSchema>;

/** Remembers file hashes under `<dir>/<sha256(realpath)>.json`. */
export class FingerprintMemo {
  constructor(private readonly dir: string) {}

  /** The remembered hash of `file`, if its stat still matches; never reads the file itself. */
  async lookup(file: string): Promise<string | undefined> {
    const [entry, info] = await Promise.all([this.entryPath(file), stat(file)]);
    let memo: Memo;
    try {
      memo = memoSchema.parse(JSON.parse(await readFile(entry, 'utf8')));
    } catch {
      return undefined; // absent or unreadable memo: the caller hashes the bytes
    }
    const same =
      memo.size === info.size &&
      memo.mtimeMs === info.mtimeMs &&
      memo.ctimeMs === info.ctimeMs &&
      memo.ino === info.ino;
    return same ? memo.sha256 : undefined;
  }

  /** Remember that `file`, as it is now, hashes to `hash`. */
  async remember(file: string, hash: string): Promise<void> {
    const [entry, info] = await Promise.all([this.entryPath(file), stat(file)]);
    const memo: Memo = { size: info.size, mtimeMs: info.mtimeMs, ctimeMs: info.ctimeMs, ino: info.ino, sha256: hash };
    await mkdir(this.dir, { recursive: true });
    // Unique per call: two conversions of one checkpoint in one process (fp32 and int8, say) remember it at once.
    const tmp = `${entry}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    await writeFile(tmp, JSON.stringify(memo));
    await rename(tmp, entry);
  }

  private async entryPath(file: string): Promise<string> {
    return path.join(this.dir, `${sha256(await realpath(file))}.json`);
  }
}
