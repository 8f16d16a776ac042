import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { RetriesExhaustedError, S3Storage, withRetry } from '@metaclip-batch/storage';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FaultProxy, startFaultProxy } from './helpers/fault-proxy';
import { type S3Server, startS3Server } from './helpers/s3-server';
import { cleanup, enqueueArgs, isolation, redisUrl, spawnCli } from './producer-harness';

/**
 * The AWS conventions against a real S3-API server (s3rver and MinIO check the access key: a wrong one is refused
 * with InvalidAccessKeyId), through the real `metaclip-producer` process, whose SDK reads `process.env` and the shared
 * config files as the AWS CLI's users expect.
 */
const iso = isolation();
const redis = new Redis(redisUrl);
let s3: S3Server;
let proxy: FaultProxy;
let home: string;
let awsFiles: Record<string, string>;

beforeAll(async () => {
  s3 = await startS3Server({ buckets: ['photos'] });
  await s3.seedObjects('photos', [
    ['2026/a.jpg', 'a'],
    ['2026/b.png', 'b'],
  ]);
  proxy = await startFaultProxy(s3.endpoint);
  home = await mkdtemp(path.join(tmpdir(), 'aws-home-'));
  const config = path.join(home, 'config');
  const credentials = path.join(home, 'credentials');
  await writeFile(
    config,
    [
      '[profile local]',
      'region = us-east-1',
      `endpoint_url = ${s3.endpoint}`,
      '',
      '[profile via-services]',
      'region = us-east-1',
      'services = local-s3',
      // A profile-level endpoint the services section must win over: nothing listens there.
      'endpoint_url = http://127.0.0.1:9',
      '',
      '[services local-s3]',
      's3 =',
      `  endpoint_url = ${s3.endpoint}`,
      '',
    ].join('\n'),
  );
  const keys = [
    `aws_access_key_id = ${s3.env.AWS_ACCESS_KEY_ID}`,
    `aws_secret_access_key = ${s3.env.AWS_SECRET_ACCESS_KEY}`,
  ];
  await writeFile(credentials, ['[local]', ...keys, '', '[via-services]', ...keys, ''].join('\n'));
  // Only the files: no endpoint, region or keys in the environment unless a test adds them.
  awsFiles = { HOME: home, AWS_CONFIG_FILE: config, AWS_SHARED_CREDENTIALS_FILE: credentials };
});

afterAll(async () => {
  await cleanup(redis, iso.prefix);
  redis.disconnect();
  await proxy?.close();
  await s3?.stop();
  if (home) await rm(home, { recursive: true, force: true });
});

async function listWith(runId: string, aws: Record<string, string>) {
  const r = await spawnCli(enqueueArgs('s3://photos/2026/', iso.queueName('aws'), ['--run-id', runId, '--json']), {
    ...iso.env,
    ...awsFiles,
    ...aws,
  });
  return { ...r, json: r.code === 0 ? JSON.parse(r.stdout) : null };
}

describe('AWS configuration as the SDK reads it', () => {
  it("takes the endpoint from the profile's endpoint_url", async () => {
    const r = await listWith('aws-profile', { AWS_PROFILE: 'local' });
    expect(r.code, r.stderr).toBe(0);
    expect(r.json).toMatchObject({ listed: 2 });
  });

  it("takes the endpoint from the profile's services section before its own endpoint_url", async () => {
    const r = await listWith('aws-services', { AWS_PROFILE: 'via-services' });
    expect(r.code, r.stderr).toBe(0);
    expect(r.json).toMatchObject({ listed: 2 });
  });

  it('uses the credentials AWS_PROFILE names over static keys in the environment', async () => {
    const wrong = { AWS_ACCESS_KEY_ID: 'WRONGKEY', AWS_SECRET_ACCESS_KEY: 'WRONGSECRET' };
    // The control: the same wrong keys without a profile are refused, so the server does check them.
    const refused = await listWith('aws-wrong-keys', {
      ...wrong,
      AWS_ENDPOINT_URL_S3: s3.endpoint,
      AWS_REGION: 'us-east-1',
    });
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('InvalidAccessKeyId');
    const r = await listWith('aws-profile-over-keys', { ...wrong, AWS_PROFILE: 'local' });
    expect(r.code, r.stderr).toBe(0);
    expect(r.json).toMatchObject({ listed: 2 });
  });

  it('AWS_ENDPOINT_URL_S3 wins over the profile’s endpoint_url', async () => {
    // The profile says the server; the environment says the proxy in front of it, which counts what it sees.
    proxy.requests.clear();
    const r = await listWith('aws-env-endpoint', { AWS_PROFILE: 'local', AWS_ENDPOINT_URL_S3: proxy.endpoint });
    expect(r.code, r.stderr).toBe(0);
    expect(r.json).toMatchObject({ listed: 2 });
    const listings = [...proxy.requests].filter(([at]) => at.startsWith('/photos'));
    expect(listings.length, JSON.stringify([...proxy.requests])).toBeGreaterThan(0);
  });
});

describe('retry bound', () => {
  // Against the proxy, which answers 500 InternalError for one key; our backoff shortened, the SDK's left as it is.
  const fast = { baseMs: 1, maxMs: 2 };
  const cases = [
    { maxAttempts: undefined, tries: 5, requests: 15 },
    { maxAttempts: '2', tries: 5, requests: 10 },
    { maxAttempts: '6', tries: 2, requests: 12 },
  ];
  for (const c of cases) {
    it(`AWS_MAX_ATTEMPTS=${c.maxAttempts ?? 'unset (3)'}: ${c.requests} GETs in ${c.tries} tries, never more than max(15, SDK attempts)`, async () => {
      const key = `/photos/2026/fail-${c.maxAttempts ?? 'default'}.jpg`;
      proxy.failing.add(key);
      const storage = new S3Storage({
        env: {
          ...s3.env,
          AWS_ENDPOINT_URL_S3: proxy.endpoint,
          ...(c.maxAttempts ? { AWS_MAX_ATTEMPTS: c.maxAttempts } : {}),
        },
      });
      try {
        const err = await withRetry(() => storage.get(`s3:/${key}`), fast).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(RetriesExhaustedError);
        expect(err).toMatchObject({ attempts: c.tries, requests: c.requests });
        expect(proxy.requests.get(key)).toBe(c.requests);
      } finally {
        storage.close();
      }
    });
  }
});
