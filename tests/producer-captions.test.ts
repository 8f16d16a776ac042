/**
 * The producer pairs caption sidecars with their images while listing, on a local folder and on an S3 prefix (the
 * S3 listing fans out over sub-prefixes): jobs name each image's sidecar, sources without sidecars get the jobs they
 * always had, and a caption edited since the last run re-enqueues its image in an incremental run.
 */
import { copyFile, mkdir, mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { RunStore, type ShardQueue } from '@metaclip-batch/jobs';
import { storageFor } from '@metaclip-batch/storage';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type S3Server, startS3Server } from './helpers/s3-server';
import {
  cleanup,
  cli,
  enqueueArgs,
  imagesDir,
  isolation,
  queueFactory,
  redisUrl,
  waitingShards,
} from './producer-harness';

const iso = isolation();
const redis = new Redis(redisUrl);
const store = new RunStore(redis, iso.prefix);
const queues = queueFactory(redis);
let dir: string;
let s3: S3Server;

/** img2dataset's layout, plus a stray caption and a file that is neither. */
const LAYOUT: Record<string, string> = {
  '00000/000000000.jpg': 'coins.jpg',
  '00000/000000000.txt': 'coins on a table',
  '00000/000000000.json': JSON.stringify({ caption: 'coins on a table', key: '000000000', status: 'success' }),
  '00000/000000001.png': 'logo.png',
  '00000/000000001.json': JSON.stringify({ caption: 'a logo', key: '000000001', status: 'success' }),
  '00000/000000002.webp': 'grass.webp',
  '00000/000000003.jpg': 'moon.jpg',
  '00000/000000003.txt': 'the moon',
  '00000/stray.txt': 'caption of no image',
  '00000_stats.json': '{"count": 4}',
};
const IMAGES = ['00000/000000000.jpg', '00000/000000001.png', '00000/000000002.webp', '00000/000000003.jpg'];

async function writeLayout(root: string): Promise<void> {
  await mkdir(path.join(root, '00000'), { recursive: true });
  for (const [name, content] of Object.entries(LAYOUT)) {
    const file = path.join(root, name);
    if (/\.(jpg|png|webp)$/.test(name)) await copyFile(path.join(imagesDir, content), file);
    else await writeFile(file, content);
  }
}

/** Each waiting image of a run with the sidecar its job names. */
async function pairs(q: ShardQueue, runId: string): Promise<[string, string | null][]> {
  return (await waitingShards(q, runId)).flatMap((s) =>
    s.uris.map((u, i): [string, string | null] => [u, s.sidecars?.[i] ?? null]),
  );
}

/** Play the workers: mark every shard of a run done, so it completes (an incremental base must be completed). */
async function completeRun(runId: string): Promise<void> {
  const state = await store.require(runId);
  for (let shard = 0; shard < state.shardsTotal; shard++) {
    await store.recordShardDone(runId, shard, { images: 1, failed: 0, ms: 1 });
  }
  expect((await store.finish(runId)).status).toBe('completed');
}

async function enqueue(source: string, q: ShardQueue, runId: string, more: string[] = [], env = iso.env) {
  const r = await cli(enqueueArgs(source, q.name, ['--run-id', runId, '--shard-size', '3', '--json', ...more]), env);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as { listed: number; selected: number };
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'producer-captions-'));
  await writeLayout(path.join(dir, 'captioned'));
  await mkdir(path.join(dir, 'plain'));
  for (const name of ['coins.jpg', 'logo.png'])
    await copyFile(path.join(imagesDir, name), path.join(dir, 'plain', name));
  s3 = await startS3Server({ buckets: ['data'] });
  await s3.uploadDir(path.join(dir, 'captioned'), 's3://data/laion/');
});

afterAll(async () => {
  await queues.closeAll();
  await cleanup(redis, iso.prefix);
  redis.disconnect();
  await s3?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('caption sidecars from a local folder', () => {
  it('pairs each image with its .txt (preferred) or .json; sidecars are not images', async () => {
    const q = queues.open(iso.queueName('local'));
    const source = path.join(dir, 'captioned');
    expect(await enqueue(source, q, 'cap-local')).toMatchObject({ listed: 4, selected: 4 });
    expect(await pairs(q, 'cap-local')).toEqual(
      IMAGES.map((image, i) => [path.join(source, image), ['txt', 'json', null, 'txt'][i]]),
    );
  });

  it('leaves the jobs of a source without sidecars as they were: no sidecars field', async () => {
    const q = queues.open(iso.queueName('plain'));
    await enqueue(path.join(dir, 'plain'), q, 'cap-plain');
    const [shard] = await waitingShards(q, 'cap-plain');
    expect(Object.keys(shard ?? {}).sort()).toEqual(['model', 'runId', 'shard', 'uris']);
  });

  it('re-enqueues, in an incremental run, the images whose caption was edited, added or removed', async () => {
    const q = queues.open(iso.queueName('local-incr'));
    const source = path.join(dir, 'captioned');
    await enqueue(source, q, 'cap-incr-base');
    await completeRun('cap-incr-base');
    const later = new Date(Date.now() + 60_000);
    const at = (name: string) => path.join(source, name);
    await writeFile(at('00000/000000003.txt'), 'the full moon');
    await utimes(at('00000/000000003.txt'), later, later);
    await writeFile(at('00000/000000002.txt'), 'grass, close up');
    await rm(at('00000/000000000.txt'));
    expect(await enqueue(source, q, 'cap-incr-1', ['--incremental'])).toMatchObject({ listed: 4, selected: 3 });
    // 000000000 falls back on its .json once its .txt is gone.
    expect(await pairs(q, 'cap-incr-1')).toEqual([
      [at('00000/000000000.jpg'), 'json'],
      [at('00000/000000002.webp'), 'txt'],
      [at('00000/000000003.jpg'), 'txt'],
    ]);
  });
});

describe('caption sidecars from an S3 prefix', () => {
  it('pairs them as on disk, and a sidecar with a new ETag makes its image changed', async () => {
    const q = queues.open(iso.queueName('s3'));
    const env = { ...iso.env, ...s3.env };
    expect(await enqueue('s3://data/laion/', q, 'cap-s3', [], env)).toMatchObject({ listed: 4 });
    expect(await pairs(q, 'cap-s3')).toEqual(
      IMAGES.map((image, i) => [`s3://data/laion/${image}`, ['txt', 'json', null, 'txt'][i]]),
    );
    await completeRun('cap-s3');
    const json = 's3://data/laion/00000/000000001.json';
    await storageFor(json, { env: s3.env }).put(json, JSON.stringify({ caption: 'a company logo' }));
    expect(await enqueue('s3://data/laion/', q, 'cap-s3-incr', ['--incremental'], env)).toMatchObject({ selected: 1 });
    expect(await pairs(q, 'cap-s3-incr')).toEqual([['s3://data/laion/00000/000000001.png', 'json']]);
  });
});
