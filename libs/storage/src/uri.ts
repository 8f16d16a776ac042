import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PermanentStorageError } from './errors.ts';

/** A parsed storage location: an S3 object (or key prefix) or an absolute local path. */
export type ParsedUri = { scheme: 's3'; bucket: string; key: string } | { scheme: 'file'; path: string };

/**
 * Parses `s3://bucket/key`, `file:///abs/path` or a plain path (relative paths resolve against `cwd`).
 * S3 keys are taken verbatim (no percent-decoding, as the AWS CLI does); `file:` URLs are percent-decoded.
 * A trailing `/` is kept, because it matters for prefixes (`dir/` is not `dir`).
 *
 * @throws PermanentStorageError for an unsupported scheme or an S3 URI without a bucket.
 */
export function parseUri(uri: string, cwd: string = process.cwd()): ParsedUri {
  if (uri === '') {
    throw new PermanentStorageError('empty URI: use s3://bucket/key, file:///path or a path', { code: 'INVALID_URI' });
  }
  if (uri.startsWith('s3://')) {
    const rest = uri.slice('s3://'.length);
    const slash = rest.indexOf('/');
    const bucket = slash === -1 ? rest : rest.slice(0, slash);
    if (bucket === '') {
      throw new PermanentStorageError(`invalid S3 URI "${uri}": expected s3://bucket/key`, {
        code: 'INVALID_URI',
        uri,
      });
    }
    return { scheme: 's3', bucket, key: slash === -1 ? '' : rest.slice(slash + 1) };
  }
  if (uri.startsWith('file:')) {
    let abs: string;
    try {
      abs = fileURLToPath(uri);
    } catch (err) {
      throw new PermanentStorageError(`invalid file URI "${uri}": expected file:///absolute/path`, {
        code: 'INVALID_URI',
        uri,
        cause: err,
      });
    }
    return { scheme: 'file', path: keepTrailingSlash(uri, abs) };
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(uri)) {
    throw new PermanentStorageError(`unsupported URI scheme in "${uri}": use s3://bucket/key, file:///path or a path`, {
      code: 'INVALID_URI',
      uri,
    });
  }
  return { scheme: 'file', path: keepTrailingSlash(uri, path.resolve(cwd, uri)) };
}

/** Formats a parsed location: `s3://bucket/key`, or the absolute path for local files. */
export function formatUri(parsed: ParsedUri): string {
  return parsed.scheme === 's3' ? `s3://${parsed.bucket}/${parsed.key}` : parsed.path;
}

/**
 * Joins path segments onto a base URI: `joinUri('s3://b/out', 'img_emb', '0001.npy')` is `s3://b/out/img_emb/0001.npy`.
 * S3 keys are joined literally with single slashes (no `..` resolution: keys are not paths); local paths with
 * `path.join`. The result is normalised as {@link formatUri} does.
 */
export function joinUri(base: string, ...segments: string[]): string {
  const parsed = parseUri(base);
  if (parsed.scheme === 'file') return path.join(parsed.path, ...segments);
  const parts = [parsed.key, ...segments].map((s) => s.replace(/^\/+|\/+$/g, '')).filter((s) => s !== '');
  const trailing = segments.length > 0 && segments[segments.length - 1]?.endsWith('/') ? '/' : '';
  return formatUri({ scheme: 's3', bucket: parsed.bucket, key: parts.join('/') + trailing });
}

const IMAGE_EXTENSIONS = new Set(['jpg', 'jpeg', 'png', 'webp', 'gif', 'bmp', 'tif', 'tiff', 'avif', 'heic']);

const CONTENT_TYPES: Record<string, string> = {
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  png: 'image/png',
  webp: 'image/webp',
  gif: 'image/gif',
  bmp: 'image/bmp',
  tif: 'image/tiff',
  tiff: 'image/tiff',
  avif: 'image/avif',
  heic: 'image/heic',
  json: 'application/json',
  jsonl: 'application/x-ndjson',
  parquet: 'application/vnd.apache.parquet',
  npy: 'application/x-npy',
  txt: 'text/plain; charset=utf-8',
};

function extensionOf(key: string): string {
  const base = key.slice(key.lastIndexOf('/') + 1);
  const dot = base.lastIndexOf('.');
  return dot <= 0 ? '' : base.slice(dot + 1).toLowerCase();
}

/** Whether a key or path names an image, judged by its extension (case-insensitive). */
export function isImageKey(key: string): boolean {
  return IMAGE_EXTENSIONS.has(extensionOf(key));
}

/** The Content-Type to store an object under, from its extension; `application/octet-stream` when unknown. */
export function contentTypeFor(key: string): string {
  return CONTENT_TYPES[extensionOf(key)] ?? 'application/octet-stream';
}

function keepTrailingSlash(original: string, resolved: string): string {
  return original.endsWith('/') && !resolved.endsWith('/') ? `${resolved}/` : resolved;
}
