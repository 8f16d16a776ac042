import { describe, expect, it } from 'vitest';
import { isCommitHash, looksLikePath, parseHubRef } from './hub-ref.ts';

describe('parseHubRef', () => {
  it('parses org/name with and without a revision', () => {
    expect(parseHubRef('facebook/metaclip-b16-fullcc2.5b')).toEqual({
      repoId: 'facebook/metaclip-b16-fullcc2.5b',
      revision: undefined,
    });
    expect(parseHubRef('facebook/metaclip-b16-fullcc2.5b@refs/pr/1')).toEqual({
      repoId: 'facebook/metaclip-b16-fullcc2.5b',
      revision: 'refs/pr/1',
    });
  });

  it('lets an explicit revision override the one in the ref', () => {
    expect(parseHubRef('org/name@v1', 'main')?.revision).toBe('main');
  });

  it('rejects paths and names the hub would reject', () => {
    for (const bad of [
      './org/name',
      '/abs/model',
      '~/model',
      'a/b/c',
      'org/-name',
      'org/na--me',
      'org/name@',
      'a..b/c',
    ]) {
      expect(parseHubRef(bad), bad).toBeNull();
    }
  });
});

describe('isCommitHash / looksLikePath', () => {
  it('accepts only full lowercase 40-hex hashes as commits', () => {
    expect(isCommitHash('0123456789abcdef0123456789abcdef01234567')).toBe(true);
    expect(isCommitHash('main')).toBe(false);
    expect(isCommitHash('0123456')).toBe(false);
  });

  it('treats relative, absolute and home paths as paths', () => {
    expect(['.', '..', './x', '../x', '/x', '~', '~/x', 'a\\b'].every(looksLikePath)).toBe(true);
    expect(looksLikePath('org/name')).toBe(false);
  });
});
