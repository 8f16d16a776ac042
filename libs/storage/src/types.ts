/** One object (S3) or regular file (local) found by `list` or `head`. */
export interface ObjectInfo {
  /** `s3://bucket/key`, or the absolute path of a local file. */
  uri: string;
  /** Size in bytes. */
  size: number;
  /** S3 ETag without quotes; absent for local files. */
  etag?: string;
  /** Last modification time. */
  mtime?: Date;
}

/** Options of {@link Storage.list}. */
export interface ListOptions {
  /** Only objects whose key (or path) sorts strictly after this URI: resume a listing where it stopped. */
  startAfter?: string;
  /** Keys per ListObjectsV2 request (S3 caps it at 1000). Local listing ignores it. */
  pageSize?: number;
  /**
   * S3: ListObjectsV2 requests in flight at once, fanning out over the prefix's `/` sub-prefixes; the objects and
   * their order are the same as a single stream's (default 1: one stream). Local listing ignores it.
   */
  parallelism?: number;
  signal?: AbortSignal;
  /**
   * Called for each entry the listing passes over because it cannot be read (a looping or dangling symlink, no
   * permission, removed while listed), with the entry and why. One bad entry never ends a listing. Local disk only: S3
   * lists keys, which are always readable.
   */
  onSkip?: (uri: string, reason: string) => void;
}

/** Options of {@link Storage.get}. */
export interface GetOptions {
  /** Refuse objects larger than this with a `PermanentStorageError` (code `TOO_LARGE`), without reading them. */
  maxBytes?: number;
  signal?: AbortSignal;
}

/** Options of {@link Storage.put}. */
export interface PutOptions {
  /** Defaults to the type implied by the extension (`contentTypeFor`). Ignored on local disk. */
  contentType?: string;
  signal?: AbortSignal;
}

/** What {@link Storage.put} accepts: bytes, or a string written as UTF-8. */
export type Body = Uint8Array | string;

/**
 * One interface over S3 and local disk. Every method takes full URIs (see `parseUri`), so one instance serves every
 * bucket (or directory) it can reach. Failures are `NotFoundError`, `PermanentStorageError` or `RetryableStorageError`.
 */
export interface Storage {
  /**
   * Streams every object whose URI starts with `prefix`, in key order (bytewise, as S3 lists), page by page: memory
   * stays bounded however large the prefix. Prefixes are key prefixes on disk too: end a directory with `/`
   * (`/data/images/`), since `/data/images` also matches `/data/images2/` and `/data/images.txt`, as on S3.
   */
  list(prefix: string, opts?: ListOptions): AsyncIterable<ObjectInfo>;
  /** Reads a whole object. @throws NotFoundError when it does not exist. */
  get(uri: string, opts?: GetOptions): Promise<Buffer>;
  /** Size and version of an object, or `null` when it does not exist. */
  head(uri: string): Promise<ObjectInfo | null>;
  /** Writes an object atomically: readers see the old content or the whole new one, never a part. */
  put(uri: string, body: Body, opts?: PutOptions): Promise<void>;
  /**
   * Removes the temp files interrupted writes left under `prefix` (a process killed between writing a temp file and
   * renaming it) and returns their URIs. Only stores that write through temp files have it (local disk); S3 uploads
   * are atomic server-side.
   */
  removeTempFiles?(prefix: string): Promise<string[]>;
}
