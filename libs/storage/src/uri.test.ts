import { describe, expect, it } from 'vitest';
import { PermanentStorageError } from './errors.ts';
import { contentTypeFor, formatUri, isImageKey, joinUri, parseUri } from './uri.ts';

describe('parseUri', () => {
  it('splits s3 URIs into bucket and verbatim key', () => {
    expect(parseUri('s3://bucket/a/b c%20.jpg')).toEqual({ scheme: 's3', bucket: 'bucket', key: 'a/b c%20.jpg' });
    expect(parseUri('s3://bucket')).toEqual({ scheme: 's3', bucket: 'bucket', key: '' });
    expect(parseUri('s3://bucket/')).toEqual({ scheme: 's3', bucket: 'bucket', key: '' });
    expect(parseUri('s3://bucket/dir/')).toEqual({ scheme: 's3', bucket: 'bucket', key: 'dir/' });
  });

  it('decodes file URLs and resolves plain paths against cwd, keeping a trailing slash', () => {
    expect(parseUri('file:///data/my%20images/')).toEqual({ scheme: 'file', path: '/data/my images/' });
    expect(parseUri('file:///data/x.jpg')).toEqual({ scheme: 'file', path: '/data/x.jpg' });
    expect(parseUri('imgs/../out/a.npy', '/work')).toEqual({ scheme: 'file', path: '/work/out/a.npy' });
    expect(parseUri('imgs/', '/work')).toEqual({ scheme: 'file', path: '/work/imgs/' });
    expect(parseUri('/abs/path', '/work')).toEqual({ scheme: 'file', path: '/abs/path' });
  });

  it('rejects what it cannot address, as a permanent error', () => {
    for (const bad of ['s3://', 's3:///key', 'gs://bucket/key', 'https://example.com/a.jpg', 'file://host/x', '']) {
      expect(() => parseUri(bad), bad).toThrow(PermanentStorageError);
    }
  });
});

describe('formatUri and joinUri', () => {
  it('formats both schemes, local paths as absolute paths', () => {
    expect(formatUri({ scheme: 's3', bucket: 'b', key: 'k/x.jpg' })).toBe('s3://b/k/x.jpg');
    expect(formatUri(parseUri('file:///tmp/a'))).toBe('/tmp/a');
  });

  it('joins S3 keys with single slashes, never resolving ..', () => {
    expect(joinUri('s3://b/out/', '/img_emb/', '0001.npy')).toBe('s3://b/out/img_emb/0001.npy');
    expect(joinUri('s3://b', 'x')).toBe('s3://b/x');
    expect(joinUri('s3://b/run', '../x')).toBe('s3://b/run/../x');
    expect(joinUri('s3://b/run', 'dir/')).toBe('s3://b/run/dir/');
  });

  it('joins local paths with path semantics', () => {
    expect(joinUri('/out/run', 'metadata', 'a.parquet')).toBe('/out/run/metadata/a.parquet');
    expect(joinUri('file:///out/run/', '../x')).toBe('/out/x');
  });
});

describe('isImageKey and contentTypeFor', () => {
  it('recognises image extensions case-insensitively, and nothing else', () => {
    for (const key of [
      'a.jpg',
      'b/C.JPEG',
      'x.png',
      'x.webp',
      'x.gif',
      'x.bmp',
      'x.tif',
      'x.TIFF',
      'x.avif',
      'x.heic',
    ]) {
      expect(isImageKey(key), key).toBe(true);
    }
    for (const key of ['a.txt', 'jpg', '.jpg', 'dir.jpg/readme', 'x.jpg.json', 'x.npy', '']) {
      expect(isImageKey(key), key).toBe(false);
    }
  });

  it('maps extensions to content types, defaulting to octet-stream', () => {
    expect(contentTypeFor('a/b.JPG')).toBe('image/jpeg');
    expect(contentTypeFor('x.tif')).toBe('image/tiff');
    expect(contentTypeFor('metadata_0001.parquet')).toBe('application/vnd.apache.parquet');
    expect(contentTypeFor('manifest.json')).toBe('application/json');
    expect(contentTypeFor('img_emb_0001.npy')).toBe('application/x-npy');
    expect(contentTypeFor('noext')).toBe('application/octet-stream');
  });
});
