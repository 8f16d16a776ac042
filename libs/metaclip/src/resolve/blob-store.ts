/**
 * Writes into the hub cache so that nothing is ever seen half-written: bytes accumulate in
 * `blobs/<etag>.incomplete` (resumed with a `Range` request after an interruption), are checked against the size
 * and hash the hub announced, and only then renamed to `blobs/<etag>`; a snapshot entry is a symlink swapped in by
 * rename. Readers therefore see either no file or the whole verified file.
 */

import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, stat, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ProjectError } from '@metaclip-batch/errors';
import type { Logger } from 'pino';
import { blobLinkTarget, type RepoCache } from './cache-layout.ts';
import type { HubClient, HubFileMetadata } from './hub-client.ts';
import { withFileLock } from './lock.ts';

/** The downloaded bytes do not match what the hub announced; the partial file has been discarded. */
export class BlobIntegrityError extends ProjectError {
  readonly code = 'BLOB_INTEGRITY';
  /** A fresh download may be whole. */
  readonly retryable = true;
}

/** Ensures `blobs/<etag>` holds the verified file, downloading or resuming it under a cross-process lock. */
export async function fetchBlob(
  cache: RepoCache,
  meta: HubFileMetadata,
  client: HubClient,
  logger?: Logger,
): Promise<string> {
  const blob = cache.blob(meta.etag);
  if (await hasSize(blob, meta.size)) return blob;
  await mkdir(path.dirname(blob), { recursive: true });
  return withFileLock(
    cache.blobLock(meta.etag),
    async () => {
      if (await hasSize(blob, meta.size)) return blob; // another process finished it while we waited
      const incomplete = cache.incompleteBlob(meta.etag);
      let offset = (await stat(incomplete).catch(() => null))?.size ?? 0;
      if (offset > meta.size) offset = 0;
      if (offset < meta.size) {
        logger?.info({ location: redact(meta.location), bytes: meta.size, resumeAt: offset }, 'downloading model file');
        const { partial, body } = await client.download(meta.location, offset);
        await pipeline(Readable.from(body), createWriteStream(incomplete, { flags: partial ? 'a' : 'w' }));
      }
      await verify(incomplete, meta);
      await rename(incomplete, blob);
      return blob;
    },
    { logger },
  );
}

/** Points `snapshots/<commit>/<file>` at `blob` with a relative symlink, replacing any previous entry atomically. */
export async function linkIntoSnapshot(snapshotDir: string, file: string, blob: string): Promise<void> {
  const target = path.join(snapshotDir, file);
  await mkdir(path.dirname(target), { recursive: true });
  const tmp = `${target}.${process.pid}.${Date.now()}.tmp`;
  await symlink(blobLinkTarget(target, blob), tmp);
  await rename(tmp, target);
}

/** Writes a small file (a ref) via a temporary file and rename. */
export async function writeFileAtomic(file: string, content: string): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
  await writeFile(tmp, content);
  await rename(tmp, file);
}

/** Reads a ref file's commit, or null when the revision was never resolved here. */
export async function readRef(refFile: string): Promise<string | null> {
  try {
    return (await readFile(refFile, 'utf8')).trim();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

/** Repo-relative paths of the regular files a snapshot holds, following symlinks; dangling links are left out. */
export async function listSnapshotFiles(snapshotDir: string): Promise<string[]> {
  const entries = await readdir(snapshotDir, { recursive: true }).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return [] as string[];
    throw err;
  });
  const files = await Promise.all(
    entries.map(async (rel) => ((await stat(path.join(snapshotDir, rel)).catch(() => null))?.isFile() ? rel : null)),
  );
  return files.filter((f): f is string => f !== null && !f.endsWith('.tmp')).map((f) => f.split(path.sep).join('/'));
}

async function hasSize(file: string, size: number): Promise<boolean> {
  return (await stat(file).catch(() => null))?.size === size;
}

/**
 * Checks size, then the content hash the etag encodes: sha256 for LFS files, git's blob sha1 (over
 * `blob <size>\0` + content) for regular ones. Other etags (mirrors that send their own) are checked by size only.
 */
async function verify(file: string, meta: HubFileMetadata): Promise<void> {
  const size = (await stat(file)).size;
  let problem = size === meta.size ? null : `${size} bytes, expected ${meta.size}`;
  const algorithm = /^[0-9a-f]{64}$/.test(meta.etag) ? 'sha256' : /^[0-9a-f]{40}$/.test(meta.etag) ? 'sha1' : null;
  if (!problem && algorithm) {
    const hash = createHash(algorithm);
    if (algorithm === 'sha1') hash.update(`blob ${size}\0`);
    for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
    const digest = hash.digest('hex');
    if (digest !== meta.etag) problem = `${algorithm} ${digest}, expected ${meta.etag}`;
  }
  if (problem) {
    await rm(file, { force: true });
    throw new BlobIntegrityError(`download of ${redact(meta.location)} is corrupt (${problem}); it was discarded`);
  }
}

/** Pre-signed CDN URLs carry credentials in their query string: never log it. */
function redact(url: string): string {
  const u = new URL(url);
  return `${u.origin}${u.pathname}`;
}
