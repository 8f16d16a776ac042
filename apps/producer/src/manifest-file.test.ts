import { describe, expect, it } from 'vitest';
import { isManifestName, ManifestFormatError, parseManifestLine } from './manifest-file.ts';

describe('manifest lines', () => {
  it('reads URIs, resolves relative paths against the manifest folder, skips blanks and comments', () => {
    expect(parseManifestLine('  s3://b/k.jpg ', 1, 'm.txt', '/data')).toEqual({ uri: 's3://b/k.jpg' });
    expect(parseManifestLine('sub/a.png', 1, 'm.txt', '/data')).toEqual({ uri: '/data/sub/a.png' });
    expect(parseManifestLine('/abs/a.png', 1, 'm.txt', '/data')).toEqual({ uri: '/abs/a.png' });
    expect(parseManifestLine('sub/a.png', 1, 's3://b/m.txt', null)).toEqual({ uri: 'sub/a.png' });
    expect(parseManifestLine('', 1, 'm.txt', '/data')).toBeNull();
    expect(parseManifestLine('# note', 1, 'm.txt', '/data')).toBeNull();
  });

  it('reads JSON lines with etag, size and mtime, and names the line of a bad one', () => {
    expect(
      parseManifestLine('{"uri":"s3://b/a.jpg","etag":"e","size":3,"mtime":"1970-01-01T00:00:01Z"}', 1, 'm', null),
    ).toEqual({
      uri: 's3://b/a.jpg',
      etag: 'e',
      size: 3,
      mtime: 1000,
    });
    expect(() => parseManifestLine('{"uri": 1}', 7, 'm.jsonl', null)).toThrow(ManifestFormatError);
    expect(() => parseManifestLine('{oops', 8, 'm.jsonl', null)).toThrow(/m.jsonl line 8: invalid JSON/);
    expect(() => parseManifestLine('{"uri":"a","mtime":"soon"}', 9, 'm.jsonl', null)).toThrow(/not a date/);
  });

  it('tells manifests from folders and prefixes by extension', () => {
    expect(isManifestName('s3://b/lists/today.JSONL')).toBe(true);
    expect(isManifestName('/data/uris.txt')).toBe(true);
    expect(isManifestName('s3://b/photos/')).toBe(false);
  });
});
