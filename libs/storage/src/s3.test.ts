import { describe, expect, it } from 'vitest';
import { s3ClientConfig } from './s3.ts';

describe('s3ClientConfig', () => {
  it('leaves region and credentials to the standard AWS chain when the env names none', () => {
    const config = s3ClientConfig({ AWS_PROFILE: 'prod' });
    expect(config.region).toBeUndefined();
    expect(config.credentials).toBeUndefined();
    expect(config.endpoint).toBeUndefined();
    expect(config.forcePathStyle).toBe(false);
    expect(config.requestChecksumCalculation).toBeUndefined();
    // No hard-coded attempts: the SDK's default chain (AWS_MAX_ATTEMPTS, the profile, 3) decides.
    expect(config.maxAttempts).toBeUndefined();
    expect(config.retryMode).toBeUndefined();
  });

  it('honours AWS_MAX_ATTEMPTS and AWS_RETRY_MODE, with requestTimeout rather than the deprecated socketTimeout', () => {
    const config = s3ClientConfig({ AWS_MAX_ATTEMPTS: '10', AWS_RETRY_MODE: 'adaptive' });
    expect(config).toMatchObject({ maxAttempts: 10, retryMode: 'adaptive' });
    expect(config.requestHandler).toMatchObject({ requestTimeout: 30_000 });
    expect(config.requestHandler).not.toHaveProperty('socketTimeout');
  });

  it('points at a custom endpoint path-style, with checksums only where required', () => {
    const config = s3ClientConfig({
      AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:9000',
      AWS_ENDPOINT_URL: 'http://ignored:1',
      AWS_REGION: 'eu-west-1',
      AWS_ACCESS_KEY_ID: 'AKID',
      AWS_SECRET_ACCESS_KEY: 'SECRET',
      AWS_SESSION_TOKEN: 'TOKEN',
    });
    expect(config).toMatchObject({
      endpoint: 'http://127.0.0.1:9000',
      region: 'eu-west-1',
      forcePathStyle: true,
      requestChecksumCalculation: 'WHEN_REQUIRED',
      credentials: { accessKeyId: 'AKID', secretAccessKey: 'SECRET', sessionToken: 'TOKEN' },
    });
    expect(s3ClientConfig({ AWS_ENDPOINT_URL: 'http://minio:9000' }).endpoint).toBe('http://minio:9000');
  });

  it('honours AWS_S3_FORCE_PATH_STYLE, AWS_DEFAULT_REGION and the tuning options', () => {
    const config = s3ClientConfig(
      { AWS_S3_FORCE_PATH_STYLE: '1', AWS_DEFAULT_REGION: 'us-west-2' },
      { maxAttempts: 7 },
    );
    expect(config).toMatchObject({ forcePathStyle: true, region: 'us-west-2', maxAttempts: 7 });
    expect(s3ClientConfig({ AWS_S3_FORCE_PATH_STYLE: '0' }).forcePathStyle).toBe(false);
    // A key id without its secret is not a credential: fall back to the chain rather than half-configure.
    expect(s3ClientConfig({ AWS_ACCESS_KEY_ID: 'AKID' }).credentials).toBeUndefined();
  });

  it('lets AWS_PROFILE name the credentials over static keys in the env, as the SDK chain does', () => {
    const env = { AWS_PROFILE: 'prod', AWS_ACCESS_KEY_ID: 'AKID', AWS_SECRET_ACCESS_KEY: 'SECRET' };
    const config = s3ClientConfig(env);
    expect(config.profile).toBe('prod');
    expect(config.credentials).toBeUndefined();
    const { AWS_PROFILE: _, ...keysOnly } = env;
    expect(s3ClientConfig(keysOnly)).toMatchObject({ credentials: { accessKeyId: 'AKID' } });
    expect(s3ClientConfig(keysOnly).profile).toBeUndefined();
  });

  it('ignores every configured endpoint with AWS_IGNORE_CONFIGURED_ENDPOINT_URLS', () => {
    const config = s3ClientConfig({
      AWS_ENDPOINT_URL_S3: 'http://minio:9000',
      AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: 'true',
    });
    expect(config.endpoint).toBeUndefined();
    expect(config.forcePathStyle).toBe(false);
  });
});
