import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  closeStorage,
  joinUri,
  NotFoundError,
  type ObjectInfo,
  type Storage,
  storageFor,
} from '@metaclip-batch/storage';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type S3Server, startS3Server } from './helpers/s3-server';

// The same cases against both backends: callers must not be able to tell S3 from disk.
let server: S3Server;
let localRoot: string;
const backends: { name: string; base: () => string; storage: () => Storage }[] = [
  { name: 'local disk', base: () => `${localRoot}/`, storage: () => storageFor(localRoot) },
  { name: 's3', base: () => 's3://bucket/contract/', storage: () => storageFor('s3://bucket/', { env: server.env }) },
];

beforeAll(async () => {
  server = await startS3Server({ buckets: ['bucket'] });
  localRoot = await mkdtemp(path.join(tmpdir(), 'storage-contract-'));
});

afterAll(async () => {
  closeStorage();
  await server?.stop();
  await rm(localRoot, { recursive: true, force: true });
});

async function relativeKeys(base: string, items: AsyncIterable<ObjectInfo>): Promise<[string, number][]> {
  const out: [string, number][] = [];
  for await (const item of items) out.push([item.uri.slice(base.length), item.size]);
  return out;
}

// Written in scrambled order; listed back in bytewise key order. Includes non-ASCII and upper/lower case.
const keys = ['b/2.png', 'a/z.jpg', 'B.jpg', 'a/a/1.webp', 'ü/ö.gif', 'a0.jpg', 'b/10.png', 'b/1.png'];

describe.each(backends)('Storage contract on $name', ({ base, storage }) => {
  it('puts, gets and heads objects, nested keys included', async () => {
    for (const key of keys) await storage().put(joinUri(base(), key), `body of ${key}`);
    for (const key of keys) {
      const uri = joinUri(base(), key);
      expect((await storage().get(uri)).toString()).toBe(`body of ${key}`);
      expect(await storage().head(uri)).toMatchObject({ uri, size: Buffer.byteLength(`body of ${key}`) });
    }
  });

  it('overwrites whole objects', async () => {
    const uri = joinUri(base(), 'a0.jpg');
    await storage().put(uri, 'second version, longer than the first');
    await storage().put(uri, `body of a0.jpg`);
    expect((await storage().get(uri)).toString()).toBe('body of a0.jpg');
  });

  it('lists in bytewise key order with sizes, by directory or key prefix', async () => {
    const sorted = [...keys].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)));
    expect(await relativeKeys(base(), storage().list(base()))).toEqual(
      sorted.map((k) => [k, Buffer.byteLength(`body of ${k}`)]),
    );
    expect((await relativeKeys(base(), storage().list(joinUri(base(), 'b/')))).map(([k]) => k)).toEqual([
      'b/1.png',
      'b/10.png',
      'b/2.png',
    ]);
    expect((await relativeKeys(base(), storage().list(joinUri(base(), 'a')))).map(([k]) => k)).toEqual([
      'a/a/1.webp',
      'a/z.jpg',
      'a0.jpg',
    ]);
    expect(await relativeKeys(base(), storage().list(joinUri(base(), 'nothing/')))).toEqual([]);
  });

  it('says NotFound for a missing object, and head says null', async () => {
    const uri = joinUri(base(), 'a/missing.jpg');
    await expect(storage().get(uri)).rejects.toBeInstanceOf(NotFoundError);
    expect(await storage().head(uri)).toBeNull();
  });
});
