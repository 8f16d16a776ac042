import { describe, expect, it } from 'vitest';
import { isAdmin, isAuthorized } from './auth.ts';

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

describe('isAdmin', () => {
  const auth = { token: 'plain-token-0123456789', admin: { token: 'admin-token-0123456789' } };

  it('is true only for the admin credentials; the plain ones still authorize', () => {
    expect(isAdmin('Bearer admin-token-0123456789', auth)).toBe(true);
    expect(isAdmin('Bearer plain-token-0123456789', auth)).toBe(false);
    expect(isAuthorized('Bearer plain-token-0123456789', auth)).toBe(true);
    expect(isAuthorized('Bearer admin-token-0123456789', auth)).toBe(true);
  });

  it('is false when no admin credentials are configured, even on an open dashboard', () => {
    expect(isAdmin(undefined, {})).toBe(false);
    expect(isAdmin('Bearer plain-token-0123456789', { token: 'plain-token-0123456789' })).toBe(false);
  });
});
