import { ConfigError } from '@metaclip-batch/settings';
import { describe, expect, it } from 'vitest';
import { checkBindSafety, describeConfig, isLoopback, resolveConfig } from './config.ts';

const TOKEN = 'a-token-of-24-characters';

describe('resolveConfig', () => {
  it('defaults to loopback on port 3000 and the local Redis', () => {
    const c = resolveConfig({}, {});
    expect(c).toMatchObject({
      host: '127.0.0.1',
      port: 3000,
      redisUrl: 'redis://127.0.0.1:6379',
      keyPrefix: 'metaclip',
    });
    expect(c.auth).toEqual({});
    expect(c.discoverIntervalMs).toBe(10_000);
  });

  it('lets flags win over the environment and treats empty variables as unset', () => {
    const c = resolveConfig(
      { redisUrl: 'redis://flag:6379', queue: ['a', 'b', 'a'], port: '0' },
      {
        REDIS_URL: 'redis://env:6379',
        METACLIP_DASHBOARD_TOKEN: '',
        METACLIP_DASHBOARD_USER: '  ',
        METACLIP_DASHBOARD_PASSWORD: '',
      },
    );
    expect(c.redisUrl).toBe('redis://flag:6379');
    expect(resolveConfig({}, { METACLIP_PREFIX: 'staging' }).keyPrefix).toBe('staging');
    expect(resolveConfig({ keyPrefix: 'flag' }, { METACLIP_PREFIX: 'staging' }).keyPrefix).toBe('flag');
    expect(c.queues).toEqual(['a', 'b']);
    expect(c.port).toBe(0);
    expect(c.auth).toEqual({});
  });

  it('rejects invalid values with a readable message', () => {
    expect(() => resolveConfig({ port: '70000' }, {})).toThrow(ConfigError);
    expect(() => resolveConfig({ queue: ['bad:name'] }, {})).toThrow(/cannot contain ":"/);
    expect(() => resolveConfig({}, { REDIS_URL: 'http://x' })).toThrow(/redis:\/\//);
    expect(() => resolveConfig({}, { METACLIP_DASHBOARD_TOKEN: 'short' })).toThrow(/at least 16/);
    expect(() => resolveConfig({}, { METACLIP_DASHBOARD_USER: 'ops' })).toThrow(
      /both METACLIP_DASHBOARD_USER and METACLIP_DASHBOARD_PASSWORD/,
    );
  });

  it('refuses a public host without credentials and accepts it with a token or basic auth', () => {
    expect(() => resolveConfig({ host: '0.0.0.0' }, {})).toThrow(
      /refusing to listen on 0\.0\.0\.0 without credentials/,
    );
    expect(resolveConfig({ host: '0.0.0.0' }, { METACLIP_DASHBOARD_TOKEN: TOKEN }).auth.token).toBe(TOKEN);
    const basic = resolveConfig(
      { host: '::' },
      { METACLIP_DASHBOARD_USER: 'ops', METACLIP_DASHBOARD_PASSWORD: 'twelve-chars' },
    );
    expect(basic.auth.basic).toEqual({ user: 'ops', password: 'twelve-chars' });
  });
});

describe('settings renamed to METACLIP_*', () => {
  it('still reads the old DASHBOARD_* names for one release, with a warning', () => {
    const c = resolveConfig({ host: '0.0.0.0' }, { DASHBOARD_TOKEN: TOKEN, DASHBOARD_PUBLISHED_HOST: '127.0.0.1' });
    expect(c.auth.token).toBe(TOKEN);
    expect(c.publishedHost).toBe('127.0.0.1');
    expect(resolveConfig({}, { METACLIP_DASHBOARD_HOST: '::1', METACLIP_DASHBOARD_PORT: '8080' })).toMatchObject({
      host: '::1',
      port: 8080,
    });
  });
});

describe('checkBindSafety', () => {
  it('allows 0.0.0.0 without credentials only behind a loopback publish', () => {
    expect(() => checkBindSafety({ host: '0.0.0.0', auth: {}, publishedHost: '127.0.0.1' })).not.toThrow();
    expect(() => checkBindSafety({ host: '0.0.0.0', auth: {}, publishedHost: '0.0.0.0' })).toThrow(/published on/);
    expect(() => checkBindSafety({ host: '10.1.2.3', auth: {} })).toThrow(ConfigError);
  });

  it('knows loopback addresses', () => {
    for (const h of ['127.0.0.1', '127.10.0.1', 'localhost', '::1', '[::1]']) expect(isLoopback(h), h).toBe(true);
    for (const h of ['0.0.0.0', '::', '10.0.0.1', '127.0.0.1.nip.io']) expect(isLoopback(h), h).toBe(false);
  });
});

describe('describeConfig', () => {
  it('keeps secrets out of what gets logged', () => {
    const c = resolveConfig(
      { host: '0.0.0.0' },
      {
        REDIS_URL: 'redis://default:hunter2-redis@redis:6379',
        METACLIP_DASHBOARD_TOKEN: TOKEN,
        METACLIP_DASHBOARD_USER: 'ops',
        METACLIP_DASHBOARD_PASSWORD: 'hunter2-password',
      },
    );
    const logged = JSON.stringify(describeConfig(c));
    for (const secret of [TOKEN, 'hunter2-redis', 'hunter2-password']) expect(logged).not.toContain(secret);
    expect(logged).toContain('"auth":["basic","bearer"]');
  });
});
