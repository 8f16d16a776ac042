import { afterEach, describe, expect, it } from 'vitest';
import { LocalStorage } from './local.ts';
import { S3Storage } from './s3.ts';
import { closeStorage, storageFor } from './storage.ts';

afterEach(() => closeStorage());

describe('storageFor', () => {
  const env = { AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:1', AWS_ACCESS_KEY_ID: 'a', AWS_SECRET_ACCESS_KEY: 'b' };

  it('serves plain paths and file URLs from local disk', () => {
    expect(storageFor('/tmp/x')).toBeInstanceOf(LocalStorage);
    expect(storageFor('file:///tmp/x')).toBe(storageFor('relative/dir'));
  });

  it('shares one S3 client per resolved configuration, whatever the bucket', () => {
    const a = storageFor('s3://one/key', { env });
    expect(a).toBeInstanceOf(S3Storage);
    expect(storageFor('s3://two/', { env: { ...env } })).toBe(a);
    expect(storageFor('s3://one/key', { env: { ...env, AWS_SECRET_ACCESS_KEY: 'other' } })).not.toBe(a);
    expect(storageFor('s3://one/key', { env, multipartThresholdBytes: 1 << 30 })).not.toBe(a);
  });

  it('creates fresh clients after closeStorage', () => {
    const a = storageFor('s3://one/key', { env });
    closeStorage();
    expect(storageFor('s3://one/key', { env })).not.toBe(a);
  });

  it('rejects unsupported URIs', () => {
    expect(() => storageFor('gs://bucket/key')).toThrow(/unsupported URI scheme/);
  });
});
