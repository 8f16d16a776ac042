import { describe, expect, it } from 'vitest';
import { modifiedSince, objectFingerprint } from './select';

describe('select', () => {
  it('applies --since to objects with a modification time only', () => {
    expect(modifiedSince({ uri: 'a', mtime: new Date(2000) }, 1000)).toBe(true);
    expect(modifiedSince({ uri: 'a', mtime: 500 }, 1000)).toBe(false);
    expect(modifiedSince({ uri: 'a' }, 1000)).toBe(true);
    expect(modifiedSince({ uri: 'a', mtime: 5 }, undefined)).toBe(true);
  });

  it('fingerprints by ETag, else mtime and size', () => {
    expect(objectFingerprint({ uri: 'a', etag: '"abc"', mtime: 1 })).toBe('e:abc');
    expect(objectFingerprint({ uri: 'a', mtime: new Date(1500.7), size: 3 })).toBe('m:1500:3');
    expect(objectFingerprint({ uri: 'a' })).toBe('');
  });
});
