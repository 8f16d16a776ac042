import type { Readable } from 'node:stream';
import {
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { NotFoundError, PermanentStorageError } from './errors.ts';
import { type RetryOptions, withRetry } from './retry.ts';
import { mapS3Error } from './s3-errors.ts';
import { listFannedOut } from './s3-fanout.ts';
import type { Body, GetOptions, ListOptions, ObjectInfo, PutOptions, Storage } from './types.ts';
import { contentTypeFor, parseUri } from './uri.ts';

/** One ListObjectsV2 page, see {@link S3Storage.listPage}. */
export interface S3ListPage {
  objects: ObjectInfo[];
  /** Sub-prefixes rolled up by the delimiter, as `s3://bucket/key/` URIs, in key order. */
  prefixes: string[];
  /** Continuation token of the next page; undefined on the last. */
  next?: string;
}

/** Environment variables, as `process.env` holds them. */
export type Env = Record<string, string | undefined>;

/** Tuning of {@link S3Storage}; every field has a default. */
export interface S3StorageOptions {
  /** Where to read the AWS configuration from (default `process.env`); tests pass an S3 server's env here. */
  env?: Env;
  /**
   * Tries per request inside the SDK, with its own backoff. Default: `AWS_MAX_ATTEMPTS` from `env`, else the SDK's
   * own (3, or `max_attempts` of the profile), as the AWS CLI does. `withRetry` adds longer outages on top.
   */
  maxAttempts?: number;
  /** Objects larger than this go up as a multipart upload (default 16 MiB). */
  multipartThresholdBytes?: number;
  /** Part size of multipart uploads (default 8 MiB; S3 needs at least 5 MiB). */
  partSizeBytes?: number;
  /** Concurrent connections per client (default 64). */
  maxSockets?: number;
  /** Retry policy of each ListObjectsV2 page, so one blip does not restart a listing of millions of keys. */
  listRetry?: RetryOptions;
}

const MiB = 1024 * 1024;

function truthy(value: string | undefined): boolean {
  return value !== undefined && ['1', 'true', 'yes'].includes(value.toLowerCase());
}

/**
 * The S3 client configuration the environment asks for, settled as the SDK's own chain settles it (so as the AWS
 * CLI's users expect), only read from `env` rather than `process.env` so a test can point one client at its server:
 * - endpoint: `AWS_ENDPOINT_URL_S3`, else `AWS_ENDPOINT_URL` (addressed path-style: S3-compatible servers rarely do
 *   virtual hosts), else the profile's `endpoint_url` (under its `services` section's `s3`, or at profile level),
 *   which the SDK resolves itself; `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true` ignores all of them;
 * - credentials: `AWS_PROFILE` names them when set (static keys in the environment are then ignored, as the SDK does:
 *   note that the AWS CLI prefers the static keys over `AWS_PROFILE` and only `--profile` over them); else
 *   `AWS_ACCESS_KEY_ID`/`AWS_SECRET_ACCESS_KEY`; else the rest of the chain (`~/.aws`, SSO, web identity, roles...);
 * - region, `AWS_MAX_ATTEMPTS`, `AWS_RETRY_MODE`: the environment, else the profile, else the SDK's defaults.
 */
export function s3ClientConfig(env: Env, opts: S3StorageOptions = {}): S3ClientConfig {
  const endpoint = truthy(env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS)
    ? undefined
    : env.AWS_ENDPOINT_URL_S3 || env.AWS_ENDPOINT_URL || undefined;
  const region = env.AWS_REGION || env.AWS_DEFAULT_REGION || undefined;
  const agent = { keepAlive: true, maxSockets: opts.maxSockets ?? 64 };
  const config: S3ClientConfig = {
    forcePathStyle: endpoint !== undefined || truthy(env.AWS_S3_FORCE_PATH_STYLE),
    // Fail fast when nothing listens; a request idle for 30 s means the server went away mid-response
    // (`requestTimeout`: the SDK's name since `socketTimeout` was deprecated).
    requestHandler: { connectionTimeout: 5_000, requestTimeout: 30_000, httpAgent: agent, httpsAgent: agent },
  };
  // Unset, the SDK reads AWS_MAX_ATTEMPTS / AWS_RETRY_MODE and the profile itself; `env` may be another process's.
  const maxAttempts = opts.maxAttempts ?? (env.AWS_MAX_ATTEMPTS ? Number(env.AWS_MAX_ATTEMPTS) : undefined);
  if (maxAttempts !== undefined && Number.isInteger(maxAttempts) && maxAttempts >= 1) config.maxAttempts = maxAttempts;
  if (env.AWS_RETRY_MODE === 'standard' || env.AWS_RETRY_MODE === 'adaptive') config.retryMode = env.AWS_RETRY_MODE;
  if (endpoint !== undefined) {
    config.endpoint = endpoint;
    // S3-compatible servers (MinIO, Ceph, s3rver) do not all understand the SDK's default flexible checksums.
    config.requestChecksumCalculation = 'WHEN_REQUIRED';
    config.responseChecksumValidation = 'WHEN_REQUIRED';
  }
  if (region !== undefined) config.region = region;
  if (env.AWS_PROFILE) config.profile = env.AWS_PROFILE;
  else if (env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY) {
    config.credentials = {
      accessKeyId: env.AWS_ACCESS_KEY_ID,
      secretAccessKey: env.AWS_SECRET_ACCESS_KEY,
      ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}),
    };
  }
  return config;
}

function s3Location(uri: string): { bucket: string; key: string } {
  const parsed = parseUri(uri);
  if (parsed.scheme !== 's3') {
    throw new PermanentStorageError(`S3 storage cannot handle ${uri}`, { code: 'WRONG_SCHEME', uri });
  }
  return parsed;
}

function unquote(etag: string | undefined): string | undefined {
  return etag?.replace(/^"|"$/g, '');
}

/** {@link Storage} over one S3 client (any bucket it can reach). */
export class S3Storage implements Storage {
  /** The SDK client, for what the interface does not cover. */
  readonly client: S3Client;
  private readonly multipartThreshold: number;
  private readonly partSize: number;
  private readonly listRetry: RetryOptions;

  constructor(opts: S3StorageOptions = {}) {
    this.client = new S3Client(s3ClientConfig(opts.env ?? process.env, opts));
    this.multipartThreshold = opts.multipartThresholdBytes ?? 16 * MiB;
    this.partSize = Math.max(opts.partSizeBytes ?? 8 * MiB, 5 * MiB);
    this.listRetry = opts.listRetry ?? {};
  }

  /**
   * Every object under `prefix` in key order. With `opts.parallelism` above 1 the listing fans out over the
   * prefix's `/` sub-prefixes (see {@link listFannedOut}): the same objects in the same order, up to that many
   * ListObjectsV2 requests at once (a resumed listing, `startAfter`, stays one stream).
   */
  async *list(prefix: string, opts: ListOptions = {}): AsyncIterable<ObjectInfo> {
    if ((opts.parallelism ?? 1) > 1 && opts.startAfter === undefined) {
      yield* listFannedOut(this, prefix, { ...opts, parallelism: opts.parallelism ?? 1 });
      return;
    }
    const startAfter = opts.startAfter === undefined ? undefined : s3Location(opts.startAfter).key;
    let token: string | undefined;
    do {
      const page = await this.listPage(prefix, {
        ...opts,
        token,
        startAfter: token === undefined ? startAfter : undefined,
      });
      yield* page.objects;
      token = page.next;
    } while (token !== undefined);
  }

  /**
   * One ListObjectsV2 page under `prefix` (retried by `listRetry`): its objects and, with a `delimiter`, the
   * sub-prefixes it rolled up (as `s3://` URIs ending in the delimiter); `next` continues the listing.
   */
  async listPage(
    prefix: string,
    opts: { token?: string; startAfter?: string; delimiter?: string; pageSize?: number; signal?: AbortSignal } = {},
  ): Promise<S3ListPage> {
    const { bucket, key } = s3Location(prefix);
    const page = await withRetry(
      async () => {
        try {
          return await this.client.send(
            new ListObjectsV2Command({
              Bucket: bucket,
              Prefix: key,
              Delimiter: opts.delimiter,
              MaxKeys: opts.pageSize,
              ContinuationToken: opts.token,
              StartAfter: opts.token === undefined ? opts.startAfter : undefined,
            }),
            { abortSignal: opts.signal },
          );
        } catch (err) {
          throw mapS3Error(err, 'list', prefix);
        }
      },
      { ...this.listRetry, signal: opts.signal },
    );
    const objects: ObjectInfo[] = [];
    for (const obj of page.Contents ?? []) {
      if (obj.Key === undefined) continue;
      objects.push({
        uri: `s3://${bucket}/${obj.Key}`,
        size: obj.Size ?? 0,
        ...(obj.ETag ? { etag: unquote(obj.ETag) } : {}),
        ...(obj.LastModified ? { mtime: obj.LastModified } : {}),
      });
    }
    const prefixes = (page.CommonPrefixes ?? []).flatMap((p) => (p.Prefix ? [`s3://${bucket}/${p.Prefix}`] : []));
    return { objects, prefixes, next: page.IsTruncated ? page.NextContinuationToken : undefined };
  }

  async get(uri: string, opts: GetOptions = {}): Promise<Buffer> {
    const { bucket, key } = s3Location(uri);
    try {
      const res = await this.client.send(new GetObjectCommand({ Bucket: bucket, Key: key }), {
        abortSignal: opts.signal,
      });
      const body = res.Body as Readable | undefined;
      if (body === undefined) return Buffer.alloc(0);
      return await readLimited(body, uri, res.ContentLength, opts.maxBytes);
    } catch (err) {
      throw mapS3Error(err, 'get', uri);
    }
  }

  async head(uri: string): Promise<ObjectInfo | null> {
    const { bucket, key } = s3Location(uri);
    try {
      const res = await this.client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
      return {
        uri,
        size: res.ContentLength ?? 0,
        ...(res.ETag ? { etag: unquote(res.ETag) } : {}),
        ...(res.LastModified ? { mtime: res.LastModified } : {}),
      };
    } catch (err) {
      const mapped = mapS3Error(err, 'head', uri);
      if (mapped instanceof NotFoundError) return null;
      throw mapped;
    }
  }

  /** One PUT, or a multipart upload above the threshold; S3 shows either only once complete. */
  async put(uri: string, body: Body, opts: PutOptions = {}): Promise<void> {
    const { bucket, key } = s3Location(uri);
    const bytes = typeof body === 'string' ? Buffer.from(body) : body;
    const params = { Bucket: bucket, Key: key, Body: bytes, ContentType: opts.contentType ?? contentTypeFor(key) };
    try {
      if (bytes.byteLength <= this.multipartThreshold) {
        await this.client.send(new PutObjectCommand(params), { abortSignal: opts.signal });
        return;
      }
      // Upload aborts the multipart upload on failure, so no orphaned parts are left to pay for.
      const upload = new Upload({ client: this.client, params, partSize: this.partSize, queueSize: 4 });
      const abort = () => void upload.abort();
      opts.signal?.addEventListener('abort', abort, { once: true });
      try {
        await upload.done();
      } finally {
        opts.signal?.removeEventListener('abort', abort);
      }
    } catch (err) {
      throw mapS3Error(err, 'put', uri);
    }
  }

  /** Closes the client's idle connections; the instance must not be used afterwards. */
  close(): void {
    this.client.destroy();
  }
}

/** Reads a response body, refusing (before reading, when the length is known) anything above `maxBytes`. */
async function readLimited(
  body: Readable,
  uri: string,
  length: number | undefined,
  maxBytes?: number,
): Promise<Buffer> {
  const tooLarge = (size: number) => {
    body.destroy();
    return new PermanentStorageError(`get ${uri}: ${size} bytes exceeds the limit of ${maxBytes}`, {
      code: 'TOO_LARGE',
      uri,
    });
  };
  if (maxBytes !== undefined && length !== undefined && length > maxBytes) throw tooLarge(length);
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of body) {
    total += (chunk as Buffer).length;
    if (maxBytes !== undefined && total > maxBytes) throw tooLarge(total);
    chunks.push(chunk as Buffer);
  }
  return chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, total);
}
