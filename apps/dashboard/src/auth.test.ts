import { describe, expect, it } from 'vitest';
import { isAuthorized } from './auth';

const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

describe('isAuthorized', () => {
  const auth = { token: 'a-token-of-24-characters', basic: { user: 'ops', password: 'pass:with:colons' } };

  it('accepts the bearer token or the basic credentials', () => {
    expect(isAuthorized('Bearer a-token-of-24-characters', auth)).toBe(true);
    expect(isAuthorized('bearer a-token-of-24-characters', auth)).toBe(true);
    expect(isAuthorized(basic('ops', 'pass:with:colons'), auth)).toBe(true);
  });

  it('rejects anything else', () => {
    for (const header of [
      undefined,
      '',
      'Bearer',
      'Bearer a-token-of-24-characterz',
      basic('ops', 'pass:with:colon'),
      basic('opz', 'pass:with:colons'),
      `Basic ${Buffer.from('no-colon').toString('base64')}`,
      'Digest a-token-of-24-characters',
    ]) {
      expect(isAuthorized(header, auth), String(header)).toBe(false);
    }
  });

  it('does not accept a scheme that is not configured', () => {
    expect(isAuthorized(basic('ops', 'pass:with:colons'), { token: auth.token })).toBe(false);
    expect(isAuthorized('Bearer a-token-of-24-characters', { basic: auth.basic })).toBe(false);
  });

  it('lets everything through when no credentials are configured (loopback only)', () => {
    expect(isAuthorized(undefined, {})).toBe(true);
  });
});
