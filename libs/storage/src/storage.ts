import { createHash } from 'node:crypto';
import { LocalStorage } from './local.ts';
import { S3Storage, type S3StorageOptions, s3ClientConfig } from './s3.ts';
import type { Storage } from './types.ts';
import { parseUri } from './uri.ts';

/** Options of {@link storageFor}; only S3 has any. */
export type StorageOptions = S3StorageOptions;

const local = new LocalStorage();
const s3Clients = new Map<string, S3Storage>();

// Clients are keyed by the configuration they resolve to (hashed: the key holds a secret), so one process can talk to
// AWS and a test server at once while every caller with the same settings shares one client and its connection pool.
function cacheKey(opts: StorageOptions): string {
  const config = s3ClientConfig(opts.env ?? process.env, opts);
  const identity = JSON.stringify([config, opts.multipartThresholdBytes, opts.partSizeBytes, opts.listRetry]);
  return createHash('sha256').update(identity).digest('hex');
}

/**
 * The {@link Storage} for a URI: S3 for `s3://`, local disk for `file://` and plain paths. S3 clients are cached per
 * resolved configuration (environment and options), so call this freely; {@link closeStorage} releases them.
 *
 * @throws PermanentStorageError for an unsupported URI.
 */
export function storageFor(uri: string, opts: StorageOptions = {}): Storage {
  if (parseUri(uri).scheme === 'file') return local;
  const key = cacheKey(opts);
  let storage = s3Clients.get(key);
  if (storage === undefined) {
    storage = new S3Storage(opts);
    s3Clients.set(key, storage);
  }
  return storage;
}

/** Closes every cached S3 client (idle keep-alive sockets); later `storageFor` calls create fresh ones. */
export function closeStorage(): void {
  for (const storage of s3Clients.values()) storage.close();
  s3Clients.clear();
}
