import { closeStorage, storageFor } from '@metaclip-batch/storage';
import { afterAll, describe, expect, it } from 'vitest';
import { awsEnv, handedOver, handoffEnv, S3_HANDOFF_VARS } from './helpers/s3-endpoint';
import { startS3Server } from './helpers/s3-server';
import { startS3rver } from './helpers/s3rver';
import { describeStack, dockerAvailable, MINIO_IMAGE, planTestStack, startTestStack } from './helpers/test-stack';

const minio = { url: 'http://localhost:32768', accessKeyId: 'user', secretAccessKey: 'secret', backend: MINIO_IMAGE };

describe('which backends a run takes', () => {
  it('takes testcontainers Redis and MinIO where Docker answers, unless REDIS_URL names a Redis', () => {
    expect(planTestStack(true, {})).toMatchObject({ redis: { from: 'container' }, s3: { from: 'container' } });
    expect(planTestStack(true, { REDIS_URL: 'redis://10.0.0.1:6379/2' })).toMatchObject({
      redis: { from: 'local', url: 'redis://10.0.0.1:6379/2', why: 'REDIS_URL is set' },
      s3: { from: 'container' },
    });
  });

  it('takes the local Redis and an s3rver per suite without Docker, and says why in one line', () => {
    const plan = planTestStack(false, {});
    expect(plan).toMatchObject({ redis: { from: 'local', url: 'redis://127.0.0.1:6379' }, s3: { from: 's3rver' } });
    expect(describeStack(plan, 'redis://127.0.0.1:6379')).toBe(
      'test stack: local Redis at redis://127.0.0.1:6379 (no Docker engine answers; a testcontainers Redis where ' +
        'one does), an s3rver per S3 suite (no Docker engine answers; MinIO from testcontainers where one does)',
    );
  });

  it('names the MinIO image and where it listens', () => {
    const plan = planTestStack(true, { REDIS_URL: 'redis://127.0.0.1:6379/4' });
    expect(describeStack(plan, 'redis://127.0.0.1:6379/4', minio)).toBe(
      'test stack: local Redis at redis://127.0.0.1:6379/4 (REDIS_URL is set), ' +
        `MinIO from testcontainers (${MINIO_IMAGE}) at http://localhost:32768 (a Docker engine answers)`,
    );
  });

  it('on this machine: REDIS_URL kept, and the container path exactly when a Docker engine answers', async () => {
    const docker = await dockerAvailable();
    const stack = await startTestStack({ REDIS_URL: 'redis://127.0.0.1:6379/6' }, docker);
    try {
      expect(stack.redisUrl).toBe('redis://127.0.0.1:6379/6');
      expect(stack.env.REDIS_URL).toBe('redis://127.0.0.1:6379/6');
      expect(handedOver(stack.env) !== undefined).toBe(docker);
      expect(stack.description).toMatch(docker ? /MinIO from testcontainers/ : /an s3rver per S3 suite/);
    } finally {
      await stack.stop();
    }
  });
});

describe('the S3 hand-over', () => {
  afterAll(() => closeStorage());

  it('round-trips an endpoint through the environment, and hands none when unset', () => {
    expect(handedOver(handoffEnv(minio))).toEqual(minio);
    expect(handedOver({ REDIS_URL: 'redis://x' })).toBeUndefined();
  });

  it('refuses a partial hand-over, naming what is missing', () => {
    const env = handoffEnv(minio);
    delete env[S3_HANDOFF_VARS.secretAccessKey];
    expect(() => handedOver(env)).toThrow(`incomplete S3 hand-over: ${S3_HANDOFF_VARS.secretAccessKey} unset`);
  });

  it('points the AWS SDK at the endpoint, path-style', () => {
    expect(awsEnv(minio)).toEqual({
      AWS_ENDPOINT_URL_S3: 'http://localhost:32768',
      AWS_ACCESS_KEY_ID: 'user',
      AWS_SECRET_ACCESS_KEY: 'secret',
      AWS_REGION: 'us-east-1',
      AWS_S3_FORCE_PATH_STYLE: '1',
    });
  });

  it('gives suites buckets on a handed-over server, empty, and removes them after (as on MinIO)', async () => {
    // The container path with an s3rver in MinIO's place: the suites' side of the hand-over, run here.
    const shared = await startS3rver();
    try {
      const env = handoffEnv(shared.endpoint);
      const first = await startS3Server({ buckets: ['handed'] }, env);
      expect(first.env).toEqual(awsEnv(shared.endpoint));
      await first.seedObjects('handed', [['left/behind.txt', 'x']]);
      // A suite that ended without stop(): the next one still starts on an empty bucket.
      const second = await startS3Server({ buckets: ['handed'] }, env);
      const bucket = storageFor('s3://handed/', { env: second.env });
      const listed = async () => {
        const uris: string[] = [];
        for await (const o of bucket.list('s3://handed/')) uris.push(o.uri);
        return uris;
      };
      expect(await listed()).toEqual([]);
      await second.seedObjects('handed', [
        ['a.txt', 'a'],
        ['b/c.txt', 'c'],
      ]);
      expect(await listed()).toEqual(['s3://handed/a.txt', 's3://handed/b/c.txt']);
      await second.stop();
      await expect(bucket.get('s3://handed/a.txt')).rejects.toThrow(/NoSuchBucket/);
      // The first suite's clean-up finds its bucket gone, and says so.
      await expect(first.stop()).rejects.toThrow(/NoSuchBucket/);
    } finally {
      await shared.stop();
    }
  });
});
