import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { HeadObjectCommand } from '@aws-sdk/client-s3';
import {
  closeStorage,
  isImageKey,
  NotFoundError,
  type ObjectInfo,
  PermanentStorageError,
  RetriesExhaustedError,
  RetryableStorageError,
  type S3Storage,
  type Storage,
  storageFor,
  withRetry,
} from '@metaclip-batch/storage';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type FaultProxy, type ProxiedRequest, startFaultProxy } from './helpers/fault-proxy';
import { type S3Server, startS3Server } from './helpers/s3-server';

const images = inject('sharedFixtures').images;

let server: S3Server;
// In front of the server: it sees every request (how writes are counted) and can go away and come back.
let proxy: FaultProxy;
let s3: Storage;

beforeAll(async () => {
  server = await startS3Server({ buckets: ['data', 'out'] });
  proxy = await startFaultProxy(server.endpoint);
  s3 = storageFor('s3://data/', { env: { ...server.env, AWS_ENDPOINT_URL_S3: proxy.endpoint } });
});

afterAll(async () => {
  closeStorage();
  await proxy?.close();
  await server?.stop();
});

async function collect(items: AsyncIterable<ObjectInfo>): Promise<ObjectInfo[]> {
  const out: ObjectInfo[] = [];
  for await (const item of items) out.push(item);
  return out;
}

/** A write as S3 sees it: a single PUT, or a multipart upload's create, part and complete requests. */
function writeKind(r: ProxiedRequest): string | undefined {
  if (r.method === 'PUT') return r.params.has('partNumber') ? 'part' : 'put';
  if (r.method === 'POST' && r.params.has('uploads')) return 'create';
  if (r.method === 'POST' && r.params.has('uploadId')) return 'complete';
  return undefined;
}

describe('S3 storage against the test S3 server', () => {
  it('round-trips put, get and head, with the content type from the extension', async () => {
    const uri = 's3://out/run-1/metadata/metadata_0001.parquet';
    await s3.put(uri, Buffer.from('PAR1...PAR1'));
    expect((await s3.get(uri)).toString()).toBe('PAR1...PAR1');
    const info = await s3.head(uri);
    expect(info).toMatchObject({ uri, size: 11 });
    expect(info?.etag).toMatch(/^[0-9a-f]{32}$/);
    expect(info?.mtime).toBeInstanceOf(Date);
    const raw = await (s3 as S3Storage).client.send(
      new HeadObjectCommand({ Bucket: 'out', Key: 'run-1/metadata/metadata_0001.parquet' }),
    );
    expect(raw.ContentType).toBe('application/vnd.apache.parquet');
    await s3.put('s3://out/run-1/notes/ü €.txt', 'héllo', { contentType: 'text/x-custom' });
    expect((await s3.get('s3://out/run-1/notes/ü €.txt')).toString()).toBe('héllo');
  });

  it('reports a missing key as NotFoundError (get) or null (head), and a missing bucket as permanent', async () => {
    expect(await s3.head('s3://data/missing.jpg')).toBeNull();
    const missing = await s3.get('s3://data/missing.jpg').catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(NotFoundError);
    expect(missing).toMatchObject({ code: 'NoSuchKey', uri: 's3://data/missing.jpg', retryable: false });
    const noBucket = await s3.get('s3://no-such-bucket/a.jpg').catch((e: unknown) => e);
    expect(noBucket).toBeInstanceOf(PermanentStorageError);
    expect(noBucket).not.toBeInstanceOf(NotFoundError);
    expect((noBucket as Error).message).toMatch(/NoSuchBucket.*check the bucket name/);
    expect((noBucket as Error).message).not.toContain(server.env.AWS_SECRET_ACCESS_KEY);
  });

  it('refuses objects above maxBytes', async () => {
    await s3.put('s3://data/big/blob.bin', Buffer.alloc(2048, 1));
    await expect(s3.get('s3://data/big/blob.bin', { maxBytes: 2047 })).rejects.toMatchObject({
      code: 'TOO_LARGE',
      retryable: false,
    });
    expect((await s3.get('s3://data/big/blob.bin', { maxBytes: 2048 })).length).toBe(2048);
  });

  it('lists thousands of keys across pages in key order, filtered by prefix, resumable', async () => {
    const keys = Array.from({ length: 2_000 }, (_, i) => `many/${String(i % 7)}/${String(i).padStart(5, '0')}.jpg`);
    // Decoys sharing the prefix `many` but not `many/`. (Not `many.txt`: s3rver walks its directories in name order,
    // which lists `many.txt` after `many/...` and drops it at a page boundary; real S3 sorts by key.)
    const decoys = ['many_notes.txt', 'manyx/a.jpg', 'other/many/a.jpg'];
    await server.seedObjects(
      'data',
      [...keys, ...decoys].map((key) => [key, key]),
    );
    const listed = await collect(s3.list('s3://data/many/', { pageSize: 400 }));
    expect(listed.map((o) => o.uri)).toEqual(keys.map((k) => `s3://data/${k}`).sort());
    expect(listed.every((o) => o.size === o.uri.length - 's3://data/'.length)).toBe(true);
    // A key prefix is not a directory: `many` also matches `many_notes.txt` and `manyx/`.
    const loose = await collect(s3.list('s3://data/many', { pageSize: 1000 }));
    expect(loose.map((o) => o.uri).slice(-2)).toEqual(['s3://data/many_notes.txt', 's3://data/manyx/a.jpg']);
    expect(loose).toHaveLength(2_002);
    expect(await collect(s3.list('s3://data/many/3/', { pageSize: 100 }))).toHaveLength(286);
    const resumed = await collect(s3.list('s3://data/many/', { startAfter: listed[1_499]?.uri, pageSize: 100 }));
    expect(resumed.map((o) => o.uri)).toEqual(listed.slice(1_500).map((o) => o.uri));
  });

  it('uploads large objects as multipart and small ones as a single PUT', async () => {
    const big = Buffer.alloc(17 * 1024 * 1024);
    for (let i = 0; i < big.length; i += 4096) big.writeUInt32LE(i, i);
    await s3.put('s3://out/run-1/img_emb/img_emb_0001.npy', big);
    expect((await s3.get('s3://out/run-1/img_emb/img_emb_0001.npy')).equals(big)).toBe(true);
    const writesTo = (path: string) =>
      proxy.log.filter((r) => r.path === path && writeKind(r) !== undefined).map(writeKind);
    expect(writesTo('/data/big/blob.bin')).toEqual(['put']);
    // 17 MiB in 8 MiB parts (the default): three parts, uploaded concurrently between create and complete.
    expect(writesTo('/out/run-1/img_emb/img_emb_0001.npy')).toEqual(['create', 'part', 'part', 'part', 'complete']);
  });

  it('fails retryably while S3 is away, and withRetry succeeds once it is back', async () => {
    const uri = 's3://out/run-1/metadata/metadata_0001.parquet';
    await proxy.takeDown();
    const down = await s3.get(uri).catch((e: unknown) => e);
    expect(down).toBeInstanceOf(RetryableStorageError);
    expect((down as RetryableStorageError).code).toBe('ECONNREFUSED');
    expect((down as Error).message).toContain(uri);

    const gaveUp = await withRetry(() => s3.get(uri), { attempts: 2, baseMs: 10 }).catch((e: unknown) => e);
    expect(gaveUp).toBeInstanceOf(RetriesExhaustedError);
    expect((gaveUp as RetriesExhaustedError).attempts).toBe(2);

    const retries: string[] = [];
    const body = await withRetry(() => s3.get(uri), {
      attempts: 5,
      baseMs: 50,
      onRetry: async ({ error, attempt }) => {
        retries.push(error.code);
        if (attempt === 1) await proxy.bringBack();
      },
    });
    expect(body.toString()).toBe('PAR1...PAR1');
    expect(retries).toEqual(['ECONNREFUSED']);
  });

  it('uploads a directory of images with the helper', async () => {
    const uris = await server.uploadDir(images, 's3://data/images/');
    const files = readdirSync(images).sort();
    expect(uris).toEqual(files.map((f) => `s3://data/images/${f}`));
    const listed = await collect(s3.list('s3://data/images/'));
    expect(listed.map((o) => o.uri)).toEqual(uris);
    expect(listed.every((o) => isImageKey(o.uri))).toBe(true);
    expect(
      (await s3.get('s3://data/images/astronaut.jpg')).equals(readFileSync(path.join(images, 'astronaut.jpg'))),
    ).toBe(true);
  });
});
