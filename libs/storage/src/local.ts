import { randomBytes } from 'node:crypto';
import type { Dirent } from 'node:fs';
import { mkdir, open, readdir, rename, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import { NotFoundError, PermanentStorageError, RetryableStorageError, StorageError } from './errors.ts';
import type { Body, GetOptions, ListOptions, ObjectInfo, PutOptions, Storage } from './types.ts';
import { parseUri } from './uri.ts';

// Errors a busy or flaky file system (or an NFS mount) gives that may clear up; everything else is permanent.
const RETRYABLE_CODES = new Set(['EAGAIN', 'EBUSY', 'EMFILE', 'ENFILE', 'ENOSPC', 'ETIMEDOUT', 'ESTALE', 'EIO']);

/** Temp files of in-flight atomic writes: `.<name>.<16 hex>.tmp` beside the target. Never listed. */
const TEMP_FILE = /^\..+\.[0-9a-f]{16}\.tmp$/;

/**
 * Maps a Node file-system error to a typed storage error that names the path and what to check. Storage errors,
 * aborts and errors without an errno code (bugs) are returned unchanged.
 */
export function mapFsError(err: unknown, op: string, uri: string): unknown {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  if (err instanceof StorageError || (err as Error | null)?.name === 'AbortError' || typeof code !== 'string') {
    return err;
  }
  if (code === 'ENOENT') return new NotFoundError(`${op} ${uri}: no such file`, { code, uri, cause: err });
  if (RETRYABLE_CODES.has(code)) {
    return new RetryableStorageError(`${op} ${uri}: ${code}, the file system may be busy or full; retry later`, {
      code,
      uri,
      cause: err,
    });
  }
  const hint = code === 'EACCES' || code === 'EPERM' ? 'check file permissions' : 'check the path';
  return new PermanentStorageError(`${op} ${uri}: ${code}, ${hint}`, { code, uri, cause: err });
}

function localPath(uri: string): string {
  const parsed = parseUri(uri);
  if (parsed.scheme !== 'file') {
    throw new PermanentStorageError(`local storage cannot handle ${uri}`, { code: 'WRONG_SCHEME', uri });
  }
  return parsed.path;
}

/** Bytewise (UTF-8) order, the order S3 lists keys in. */
function compareBytes(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

/** A directory sorts as `name/`, so a depth-first walk over sorted entries yields paths in bytewise order. */
function compareEntries(a: Dirent, b: Dirent): number {
  return compareBytes(a.isDirectory() ? `${a.name}/` : a.name, b.isDirectory() ? `${b.name}/` : b.name);
}

/**
 * {@link Storage} on local disk. Writes go to a temp file in the target's directory, are fsynced, then renamed over
 * the target (and the directory fsynced), so readers see the old file or the whole new one and a crash leaves no
 * half-written output. Symlinks to files are listed; symlinked directories are not followed (no cycles).
 */
export class LocalStorage implements Storage {
  async *list(prefix: string, opts: ListOptions = {}): AsyncIterable<ObjectInfo> {
    const target = localPath(prefix);
    const startAfter = opts.startAfter === undefined ? undefined : localPath(opts.startAfter);
    // Key-prefix semantics, exactly as on S3: `dir/` lists the tree under dir, `dir` also matches `dir2/`, `dir.txt`.
    const isDir = target.endsWith('/');
    const root = isDir ? path.resolve(target) : path.dirname(target);
    const namePrefix = isDir ? '' : path.basename(target);
    yield* this.walk(root, namePrefix, startAfter, opts);
  }

  private async *walk(
    dir: string,
    namePrefix: string,
    startAfter: string | undefined,
    opts: ListOptions,
    top = true,
  ): AsyncIterable<ObjectInfo> {
    opts.signal?.throwIfAborted();
    let entries: Dirent[];
    try {
      // One directory at a time: memory is bounded by the largest directory, not the tree.
      entries = await readdir(dir, { withFileTypes: true });
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      // A prefix that matches nothing lists nothing, as on S3.
      if (top && code === 'ENOENT') return;
      // The listed folder itself must be readable; one unreadable (or vanished) folder inside it is passed over.
      if (top) throw mapFsError(err, 'list', dir);
      opts.onSkip?.(`${dir}/`, skipReason(code));
      return;
    }
    entries.sort(compareEntries);
    for (const entry of entries) {
      if (!entry.name.startsWith(namePrefix) || TEMP_FILE.test(entry.name)) continue;
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        // Skip whole subtrees that sort before the resume point.
        const sub = `${full}/`;
        if (startAfter !== undefined && !startAfter.startsWith(sub) && compareBytes(sub, startAfter) < 0) continue;
        yield* this.walk(full, '', startAfter, opts, false);
      } else if (entry.isFile() || entry.isSymbolicLink()) {
        if (startAfter !== undefined && compareBytes(full, startAfter) <= 0) continue;
        const info = await stat(full).catch((err: NodeJS.ErrnoException) => {
          // A looping or dangling link, a file removed since readdir, no permission: not an object we can read.
          opts.onSkip?.(full, skipReason(err.code));
          return null;
        });
        if (info?.isFile()) yield { uri: full, size: info.size, mtime: info.mtime };
      }
    }
  }

  /** Removes the temp files of interrupted writes anywhere under `prefix` (a folder); returns their paths. */
  async removeTempFiles(prefix: string): Promise<string[]> {
    const removed: string[] = [];
    const sweep = async (dir: string): Promise<void> => {
      const entries = await readdir(dir, { withFileTypes: true }).catch((err: NodeJS.ErrnoException) => {
        if (err.code === 'ENOENT') return [];
        throw mapFsError(err, 'remove temp files in', dir);
      });
      for (const entry of entries) {
        const full = path.join(dir, entry.name);
        if (entry.isDirectory()) await sweep(full);
        else if (TEMP_FILE.test(entry.name) && (await removeIfPresent(full))) removed.push(full);
      }
    };
    await sweep(path.resolve(localPath(prefix)));
    return removed;
  }

  async get(uri: string, opts: GetOptions = {}): Promise<Buffer> {
    const file = localPath(uri);
    try {
      const fh = await open(file, 'r');
      try {
        // Check the size on the open handle, so the guard and the read see the same file.
        const { size } = await fh.stat();
        if (opts.maxBytes !== undefined && size > opts.maxBytes) {
          throw new PermanentStorageError(`get ${file}: ${size} bytes exceeds the limit of ${opts.maxBytes}`, {
            code: 'TOO_LARGE',
            uri: file,
          });
        }
        return await fh.readFile(opts.signal ? { signal: opts.signal } : {});
      } finally {
        await fh.close();
      }
    } catch (err) {
      throw mapFsError(err, 'get', file);
    }
  }

  async head(uri: string): Promise<ObjectInfo | null> {
    const file = localPath(uri);
    try {
      const info = await stat(file);
      if (!info.isFile()) return null;
      return { uri: file, size: info.size, mtime: info.mtime };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw mapFsError(err, 'head', file);
    }
  }

  async put(uri: string, body: Body, opts: PutOptions = {}): Promise<void> {
    const file = localPath(uri);
    const dir = path.dirname(file);
    const temp = path.join(dir, `.${path.basename(file)}.${randomBytes(8).toString('hex')}.tmp`);
    try {
      opts.signal?.throwIfAborted();
      await mkdir(dir, { recursive: true });
      // A write of this file that was killed before its rename left its temp file; this write replaces it.
      await removeStaleTemps(file);
      const fh = await open(temp, 'wx');
      try {
        await fh.writeFile(body);
        await fh.sync();
      } finally {
        await fh.close();
      }
      opts.signal?.throwIfAborted();
      await rename(temp, file).catch((err: NodeJS.ErrnoException) => {
        if (err.code !== 'ENOENT') throw err;
        // A concurrent write of the same file removed our temp file as stale; the file is being written, try again.
        throw new RetryableStorageError(`put ${file}: a concurrent write of the same file replaced this one; retry`, {
          code: 'CONCURRENT_WRITE',
          uri: file,
          cause: err,
        });
      });
    } catch (err) {
      await unlink(temp).catch((cleanup: NodeJS.ErrnoException) => {
        if (cleanup.code !== 'ENOENT') throw mapFsError(cleanup, 'put (removing temp file)', temp);
      });
      throw mapFsError(err, 'put', file);
    }
    await syncDir(dir);
  }
}

/** Why a listing passed over an entry, from the errno code. */
function skipReason(code: string | undefined): string {
  switch (code) {
    case 'ELOOP':
      return 'ELOOP: symbolic link loop';
    case 'ENOENT':
      return 'ENOENT: dangling symbolic link, or removed while listing';
    case 'EACCES':
    case 'EPERM':
      return `${code}: permission denied`;
    default:
      return `${code ?? 'unknown error'}: cannot be read`;
  }
}

async function removeIfPresent(file: string): Promise<boolean> {
  try {
    await unlink(file);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw mapFsError(err, 'remove temp file', file);
  }
}

/** Removes the temp files earlier writes of `file` left beside it. */
async function removeStaleTemps(file: string): Promise<void> {
  const name = path.basename(file);
  const dir = path.dirname(file);
  for (const entry of await readdir(dir)) {
    if (TEMP_FILE.test(entry) && entry.startsWith(`.${name}.`) && entry.length === name.length + 22) {
      await removeIfPresent(path.join(dir, entry));
    }
  }
}

/** Makes the rename durable: without it a crash can forget the new directory entry. */
async function syncDir(dir: string): Promise<void> {
  try {
    const fh = await open(dir, 'r');
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
  } catch (err) {
    throw mapFsError(err, 'put (sync directory)', dir);
  }
}
