import { describe, expect, it } from 'vitest';
import { encodeDigests, SourceManifest } from './source-manifest.ts';

describe('SourceManifest', () => {
  const objs = Array.from({ length: 5000 }, (_, i) => ({ uri: `s3://b/img-${i}.jpg`, etag: `e${i}` }));

  it('finds every recorded object version across chunks and nothing else', () => {
    const m = SourceManifest.fromChunks([encodeDigests(objs.slice(0, 1234)), encodeDigests(objs.slice(1234))]);
    expect(m.size).toBe(5000);
    expect(objs.every((o) => !m.isNewOrChanged(o))).toBe(true);
    expect(m.isNewOrChanged({ uri: 's3://b/img-1.jpg', etag: 'e2' })).toBe(true);
    expect(m.isNewOrChanged({ uri: 's3://b/img-5000.jpg', etag: 'e5000' })).toBe(true);
  });

  it('digests URI and fingerprint together and rejects corrupt chunks', () => {
    const m = SourceManifest.fromChunks([encodeDigests(objs)]);
    expect(objs.every((o) => m.isNewOrChanged({ ...o, etag: `${o.etag}x` }))).toBe(true);
    expect(objs.every((o) => m.isNewOrChanged({ ...o, uri: `${o.uri}x` }))).toBe(true);
    expect(SourceManifest.fromChunks([]).size).toBe(0);
    expect(() => SourceManifest.fromChunks([new Uint8Array(7)])).toThrow(RangeError);
  });
});
