import { describe, expect, it } from 'vitest';
import { blobLinkTarget, normalizeEtag, repoCache } from './cache-layout.ts';

describe('repo paths', () => {
  it('lays a repo out as models--org--name/{blobs,snapshots,refs}', () => {
    const c = repoCache('/cache', 'facebook/metaclip-b16-fullcc2.5b');
    expect(c.repoDir).toBe('/cache/models--facebook--metaclip-b16-fullcc2.5b');
    expect(c.blob('abc')).toBe(`${c.repoDir}/blobs/abc`);
    expect(c.incompleteBlob('abc')).toBe(`${c.repoDir}/blobs/abc.incomplete`);
    expect(c.snapshot('f00')).toBe(`${c.repoDir}/snapshots/f00`);
    expect(c.ref('refs/pr/1')).toBe(`${c.repoDir}/refs/refs/pr/1`);
    expect(c.blobLock('abc')).toBe('/cache/.locks/models--facebook--metaclip-b16-fullcc2.5b/abc.lock');
  });

  it('links snapshot files to blobs relatively, also from sub-folders', () => {
    const c = repoCache('/cache', 'o/n');
    expect(blobLinkTarget(`${c.snapshot('s')}/config.json`, c.blob('e'))).toBe('../../blobs/e');
    expect(blobLinkTarget(`${c.snapshot('s')}/onnx/model.onnx`, c.blob('e'))).toBe('../../../blobs/e');
  });
});

describe('etags', () => {
  it('strips the weak marker and the quotes', () => {
    expect(normalizeEtag('W/"abc"')).toBe('abc');
    expect(normalizeEtag('"abc"')).toBe('abc');
  });
});
