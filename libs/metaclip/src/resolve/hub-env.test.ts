import { homedir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultCacheDir } from '../convert/convert.ts';
import { ModelLoadError } from '../errors.ts';
import { hubCacheDir, hubEndpoint, hubTimeouts, hubTokenSource, isOfflineEnv } from './hub-env.ts';

describe('hubCacheDir', () => {
  it('follows huggingface_hub precedence: HF_HUB_CACHE, HF_HOME/hub, XDG, ~/.cache', () => {
    expect(hubCacheDir({ HF_HUB_CACHE: '/c', HF_HOME: '/h' })).toBe('/c');
    expect(hubCacheDir({ HF_HOME: '/h', XDG_CACHE_HOME: '/x' })).toBe('/h/hub');
    expect(hubCacheDir({ XDG_CACHE_HOME: '/x' })).toBe('/x/huggingface/hub');
    expect(hubCacheDir({})).toBe(path.join(homedir(), '.cache/huggingface/hub'));
    expect(hubCacheDir({ HF_HOME: '~/hf' })).toBe(path.join(homedir(), 'hf/hub'));
  });
});

describe('hubTokenSource', () => {
  it('takes HF_TOKEN first, then HF_TOKEN_PATH, then HF_HOME/token, then the XDG default', () => {
    const all = { HF_TOKEN: ' hf_env\n', HF_TOKEN_PATH: '/t/token', HF_HOME: '/h', XDG_CACHE_HOME: '/x' };
    expect(hubTokenSource(all)).toEqual({ kind: 'env', token: 'hf_env' });
    expect(hubTokenSource({ ...all, HF_TOKEN: '' })).toEqual({ kind: 'file', path: '/t/token' });
    expect(hubTokenSource({ HF_HOME: '/h', XDG_CACHE_HOME: '/x' })).toEqual({ kind: 'file', path: '/h/token' });
    expect(hubTokenSource({ XDG_CACHE_HOME: '/x' })).toEqual({ kind: 'file', path: '/x/huggingface/token' });
    expect(hubTokenSource({ HUGGING_FACE_HUB_TOKEN: 'hf_legacy' })).toEqual({ kind: 'env', token: 'hf_legacy' });
  });
});

describe('hubTimeouts', () => {
  it('defaults both to 10 s and reads seconds as huggingface_hub does (0 or empty: the default)', () => {
    expect(hubTimeouts({})).toEqual({ etagMs: 10_000, downloadMs: 10_000 });
    expect(hubTimeouts({ HF_HUB_ETAG_TIMEOUT: '30', HF_HUB_DOWNLOAD_TIMEOUT: '0.5' })).toEqual({
      etagMs: 30_000,
      downloadMs: 500,
    });
    expect(hubTimeouts({ HF_HUB_ETAG_TIMEOUT: '0', HF_HUB_DOWNLOAD_TIMEOUT: '' })).toEqual({
      etagMs: 10_000,
      downloadMs: 10_000,
    });
  });

  it('refuses a value that is not a number of seconds, naming the variable', () => {
    expect(() => hubTimeouts({ HF_HUB_DOWNLOAD_TIMEOUT: '10s' })).toThrow(ModelLoadError);
    expect(() => hubTimeouts({ HF_HUB_DOWNLOAD_TIMEOUT: '10s' })).toThrow(/HF_HUB_DOWNLOAD_TIMEOUT=10s/);
  });
});

describe('switches', () => {
  it('normalises endpoints and HF_HUB_OFFLINE spellings', () => {
    expect(hubEndpoint({ HF_ENDPOINT: 'http://mirror:8080/' })).toBe('http://mirror:8080');
    expect(hubEndpoint({})).toBe('https://huggingface.co');
    expect(['1', 'true', 'YES', 'on'].every((v) => isOfflineEnv({ HF_HUB_OFFLINE: v }))).toBe(true);
    expect(['0', '', 'no'].some((v) => isOfflineEnv({ HF_HUB_OFFLINE: v }))).toBe(false);
  });
});

describe('our own cache beside huggingface_hub', () => {
  it('is $METACLIP_CACHE, else metaclip-batch under $XDG_CACHE_HOME, else under ~/.cache', () => {
    expect(defaultCacheDir({ METACLIP_CACHE: '/m', XDG_CACHE_HOME: '/x' })).toBe('/m');
    expect(defaultCacheDir({ XDG_CACHE_HOME: '/x' })).toBe('/x/metaclip-batch');
    expect(defaultCacheDir({})).toBe(path.join(homedir(), '.cache/metaclip-batch'));
  });
});
