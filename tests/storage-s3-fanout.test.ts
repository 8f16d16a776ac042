/**
 * Fanned-out S3 listing against the test S3 server: the same objects in the same order as one ListObjectsV2 stream
 * (so the same shards), over nested prefixes, objects between sub-prefixes, a level too full to split, and a resumed
 * listing (startAfter, one stream). Why it is faster against AWS S3 (a latency-bound server) is shown by what it
 * keeps under way: through a proxy that adds a round trip to every request, one stream has one request in flight at
 * a time and the fan-out many. The speed itself is measured, not asserted: scripts/measure-s3-listing.ts.
 */
import { planShards } from '@metaclip-batch/jobs';
import { discoverPartitions, type ObjectInfo, S3Storage } from '@metaclip-batch/storage';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFaultProxy } from './helpers/fault-proxy';
import { type S3Server, startS3Server } from './helpers/s3-server';

let s3: S3Server;
let storage: S3Storage;
const keys: string[] = [];

async function all<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

const uris = (objs: ObjectInfo[]) => objs.map((o) => o.uri);

beforeAll(async () => {
  s3 = await startS3Server({ buckets: ['big'] });
  // set/<year>/<month>/<day>/<n>.jpg with objects directly in levels, between and around the sub-prefixes, and a
  // flat folder of 300 objects. s3rver quirks the layout works around (AWS S3 and MinIO have neither): its listing
  // follows a file walk, so no name may sort differently from bytewise order ('2026-x' vs '2026/'); and a delimiter
  // listing only reports a sub-prefix that has an object directly in it, so every level has an index.json.
  for (const year of ['2025', '2026']) {
    keys.push(`set/${year}/index.json`);
    for (let m = 1; m <= 6; m++) {
      for (let d = 1; d <= 4; d++) {
        for (let n = 0; n < 30; n++) keys.push(`set/${year}/${String(m).padStart(2, '0')}/${d}/${n}.jpg`);
      }
      keys.push(`set/${year}/${String(m).padStart(2, '0')}/index.json`);
    }
  }
  for (let n = 0; n < 300; n++) keys.push(`set/flat/${String(n).padStart(4, '0')}.png`);
  keys.push('set/a.jpg', 'set/m.jpg', 'set/zz.jpg', 'other/no.jpg');
  await s3.seedObjects(
    'big',
    keys.map((k) => [k, `body of ${k}`]),
  );
  storage = new S3Storage({ env: s3.env });
});

afterAll(async () => {
  storage?.close();
  await s3?.stop();
});

describe('fanned-out S3 listing', () => {
  it('lists the same objects in the same order as one stream, so the shards are the same', async () => {
    const single = await all(storage.list('s3://big/set/', { pageSize: 50 }));
    expect(single).toHaveLength(keys.length - 1);
    for (const parallelism of [2, 8]) {
      const fanned = await all(storage.list('s3://big/set/', { pageSize: 50, parallelism }));
      expect(uris(fanned)).toEqual(uris(single));
      expect(fanned.map((o) => o.etag)).toEqual(single.map((o) => o.etag));
      const shardsOf = async (objs: ObjectInfo[]) =>
        all(
          planShards(
            (async function* () {
              yield* objs.map((o) => o.uri);
            })(),
            100,
          ),
        );
      expect(await shardsOf(fanned)).toEqual(await shardsOf(single));
    }
  });

  it('splits into sub-prefixes level by level, keeping objects between them in key order', async () => {
    const parts = await discoverPartitions(storage, 's3://big/set/', {
      parallelism: 4,
      pageSize: 50,
      targetPartitions: 8,
    });
    const names = parts.map((p) => ('prefix' in p ? p.prefix : p.object.uri));
    expect(names).toEqual([...names].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b))));
    expect(names).toContain('s3://big/set/2026/01/');
    expect(names).toContain('s3://big/set/m.jpg');
    expect(names).not.toContain('s3://big/set/2026/');
    // A level with more direct objects than allowed stays one flat partition.
    const capped = await discoverPartitions(storage, 's3://big/set/flat/', {
      parallelism: 4,
      pageSize: 50,
      maxDirectObjects: 100,
    });
    expect(capped).toEqual([{ prefix: 's3://big/set/flat/' }]);
    const flat = await all(storage.list('s3://big/set/flat/', { pageSize: 50, parallelism: 4 }));
    expect(flat).toHaveLength(300);
  });

  it('stops early without leaking listings, and a resumed listing stays one stream', async () => {
    const first: string[] = [];
    for await (const o of storage.list('s3://big/set/', { pageSize: 20, parallelism: 8 })) {
      first.push(o.uri);
      if (first.length === 100) break;
    }
    const single = uris(await all(storage.list('s3://big/set/', { pageSize: 50 })));
    expect(first).toEqual(single.slice(0, 100));
    const rest = uris(await all(storage.list('s3://big/set/', { parallelism: 8, startAfter: first[99] })));
    expect(rest).toEqual(single.slice(100));
  });

  it('keeps many listing requests under way where one stream keeps one', async () => {
    const proxy = await startFaultProxy(s3.endpoint, { delayMs: 25 });
    const far = new S3Storage({
      env: { ...s3.env, AWS_ENDPOINT_URL_S3: proxy.endpoint, AWS_ENDPOINT_URL: proxy.endpoint },
    });
    try {
      const single = await all(far.list('s3://big/set/', { pageSize: 50 }));
      expect(proxy.peakInFlight).toBe(1);
      proxy.resetPeak();
      const fanned = await all(far.list('s3://big/set/', { pageSize: 50, parallelism: 8 }));
      expect(uris(fanned)).toEqual(uris(single));
      // 12 month folders per year list at once (each a few 50-key pages), besides the discovery's delimiter listings.
      expect(proxy.peakInFlight).toBeGreaterThanOrEqual(4);
      expect(proxy.peakInFlight).toBeLessThanOrEqual(8);
    } finally {
      far.close();
      await proxy.close();
    }
  });
});
