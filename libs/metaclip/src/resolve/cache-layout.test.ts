import { homedir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { blobLinkTarget, hubCacheDir, hubEndpoint, isOfflineEnv, normalizeEtag, repoCache } from './cache-layout';

describe('hubCacheDir', () => {
  it('follows huggingface_hub precedence: HF_HUB_CACHE, HF_HOME/hub, XDG, ~/.cache', () => {
    expect(hubCacheDir({ HF_HUB_CACHE: '/c', HF_HOME: '/h' })).toBe('/c');
    expect(hubCacheDir({ HF_HOME: '/h', XDG_CACHE_HOME: '/x' })).toBe('/h/hub');
    expect(hubCacheDir({ XDG_CACHE_HOME: '/x' })).toBe('/x/huggingface/hub');
    expect(hubCacheDir({})).toBe(path.join(homedir(), '.cache/huggingface/hub'));
    expect(hubCacheDir({ HF_HOME: '~/hf' })).toBe(path.join(homedir(), 'hf/hub'));
  });
});

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

describe('environment switches', () => {
  it('normalises etags, endpoints and HF_HUB_OFFLINE spellings', () => {
    expect(normalizeEtag('W/"abc"')).toBe('abc');
    expect(normalizeEtag('"abc"')).toBe('abc');
    expect(hubEndpoint({ HF_ENDPOINT: 'http://mirror:8080/' })).toBe('http://mirror:8080');
    expect(hubEndpoint({})).toBe('https://huggingface.co');
    expect(['1', 'true', 'YES', 'on'].every((v) => isOfflineEnv({ HF_HUB_OFFLINE: v }))).toBe(true);
    expect(['0', '', 'no'].some((v) => isOfflineEnv({ HF_HUB_OFFLINE: v }))).toBe(false);
  });
});
