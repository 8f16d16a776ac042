import { describe, expect, it } from 'vitest';
import { modifiedSince, objectFingerprint, sourceSeries } from './select.ts';

describe('select', () => {
  it('applies --since to objects with a modification time only', () => {
    expect(modifiedSince({ uri: 'a', mtime: new Date(2000) }, 1000)).toBe(true);
    expect(modifiedSince({ uri: 'a', mtime: 500 }, 1000)).toBe(false);
    expect(modifiedSince({ uri: 'a' }, 1000)).toBe(true);
    expect(modifiedSince({ uri: 'a', mtime: 5 }, undefined)).toBe(true);
    // A caption edited since passes with its image, which did not change.
    expect(modifiedSince({ uri: 'a', mtime: 500, sidecar: { ext: 'txt', mtime: 2000 } }, 1000)).toBe(true);
    expect(modifiedSince({ uri: 'a', mtime: 500, sidecar: { ext: 'txt', mtime: 600 } }, 1000)).toBe(false);
  });

  it('fingerprints by ETag, else mtime and size', () => {
    expect(objectFingerprint({ uri: 'a', etag: '"abc"', mtime: 1 })).toBe('e:abc');
    expect(objectFingerprint({ uri: 'a', mtime: new Date(1500.7), size: 3 })).toBe('m:1500:3');
    expect(objectFingerprint({ uri: 'a' })).toBe('');
  });

  it("makes an image's caption sidecar part of its version: added, changed or removed, the image is changed", () => {
    const image = { uri: 'a.jpg', etag: 'abc' };
    const versions = [
      objectFingerprint(image),
      objectFingerprint({ ...image, sidecar: { ext: 'txt', etag: 'one' } }),
      objectFingerprint({ ...image, sidecar: { ext: 'txt', etag: 'two' } }),
      objectFingerprint({ ...image, sidecar: { ext: 'json', etag: 'two' } }),
    ];
    expect(new Set(versions).size).toBe(4);
    expect(versions[0]).toBe('e:abc'); // what it was before sidecars were read: old manifests stay valid
  });

  it('puts the daily reports of one S3 Inventory configuration in one series, and leaves other sources alone', () => {
    const day = (d: string) => `s3://dest/inv/photos/all/${d}T01-00Z/manifest.json`;
    expect(sourceSeries(day('2026-12-01'))).toBe('s3://dest/inv/photos/all/*/manifest.json');
    expect(sourceSeries(day('2026-12-02'))).toBe(sourceSeries(day('2026-12-01')));
    expect(sourceSeries('/copy/photos/all/2026-12-01T01-00Z/manifest.json')).toBe('/copy/photos/all/*/manifest.json');
    for (const other of ['s3://photos/2026-12-01T01-00Z/', '/data/manifest.json', 'uris.jsonl']) {
      expect(sourceSeries(other)).toBe(other);
    }
  });
});
