/**
 * Listing and enqueue rates on the test S3 server (s3rver), for docs/deploy.md: one ListObjectsV2 stream vs the
 * fanned-out listing, enqueuing (plan shards + BullMQ addBulk + source manifest) from the fanned-out listing, and
 * reading an S3 Inventory report of `inventoryRows` objects (CSV.gz and Parquet, 8 data files) from the server.
 * The objects go in through PutObject, as on any S3 server.
 *
 *   REDIS_URL=redis://127.0.0.1:6379/5 npx tsx scripts/measure-s3-listing.ts [objects=20000] [parallelism=16] \
 *     [rttMs=30] [inventoryRows=200000]
 *
 * s3rver answers from one Node process re-walking a directory tree per page, so it is CPU-bound where AWS S3 is
 * latency-bound (~30 ms per 1,000-key page): each measurement runs twice, straight to s3rver and through a proxy
 * that adds `rttMs` to every request, the case fan-out is for.
 */
import { createQueue, enqueueRun, RunStore } from '@metaclip-batch/jobs';
import { openInventory, S3Storage } from '@metaclip-batch/storage';
import { Redis } from 'ioredis';
import { startFaultProxy } from '../tests/helpers/fault-proxy';
import { writeInventory } from '../tests/helpers/s3-inventory';
import { startS3Server } from '../tests/helpers/s3-server';

const objects = Number(process.argv[2] ?? 20_000);
const parallelism = Number(process.argv[3] ?? 16);
const rttMs = Number(process.argv[4] ?? 30);
const inventoryRows = Number(process.argv[5] ?? 200_000);

const PER_PREFIX = 500;

async function timed(what: string, list: AsyncIterable<unknown>): Promise<number> {
  const t0 = performance.now();
  let n = 0;
  for await (const _ of list) n++;
  const s = (performance.now() - t0) / 1000;
  console.log(`${what}: ${n} objects in ${s.toFixed(2)} s = ${Math.round(n / s)} objects/s`);
  return n / s;
}

const s3 = await startS3Server({ buckets: ['bench', 'inventory'] });
const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
const id = `measure-listing-${process.pid}`;
const prefix = `${id}-store`;
const queue = createQueue(id, redis);
try {
  const seed: [string, string][] = [];
  for (let i = 0; i < objects; i++) {
    const dir = String(Math.floor(i / PER_PREFIX)).padStart(4, '0');
    seed.push([`photos/${dir}/${String(i).padStart(8, '0')}.jpg`, `image ${i}`]);
  }
  await s3.seedObjects('bench', seed);
  const proxy = await startFaultProxy(s3.endpoint, { delayMs: rttMs });
  const direct = new S3Storage({ env: s3.env });
  const far = new S3Storage({
    env: { ...s3.env, AWS_ENDPOINT_URL_S3: proxy.endpoint, AWS_ENDPOINT_URL: proxy.endpoint },
  });
  // Warm the server's caches (s3rver's: the file system's) so the first measurement is not penalised.
  await timed('warm-up', direct.list('s3://bench/photos/'));
  for (const [name, storage] of [
    [s3.backend, direct],
    [`${s3.backend} + ${rttMs} ms per request`, far],
  ] as const) {
    const single = await timed(`${name}, single stream`, storage.list('s3://bench/photos/'));
    const fanned = await timed(
      `${name}, fanned out (${parallelism})`,
      storage.list('s3://bench/photos/', { parallelism }),
    );
    console.log(`${name}: fan-out speed-up ${(fanned / single).toFixed(2)}x`);
  }
  const entries = Array.from({ length: inventoryRows }, (_, i) => ({
    key: `photos/${String(Math.floor(i / PER_PREFIX)).padStart(4, '0')}/${String(i).padStart(8, '0')}.jpg`,
    size: 1000 + i,
    etag: `${i.toString(16).padStart(32, '0')}`,
    mtime: new Date(1_764_547_200_000 + i),
  }));
  for (const format of ['CSV', 'Parquet'] as const) {
    const manifest = await writeInventory(`s3://inventory/${format}/`, {
      sourceBucket: 'bench',
      format,
      entries,
      files: 8,
      storage: { env: s3.env },
    });
    const inventory = await openInventory(manifest, { env: s3.env });
    await timed(`S3 Inventory report (${format}, 8 files) read from ${s3.backend}`, inventory.objects);
  }
  const storage = far;

  const store = new RunStore(redis, prefix);
  const t0 = performance.now();
  const result = await enqueueRun({
    queue,
    store,
    spec: {
      runId: id,
      queue: id,
      source: 's3://bench/photos/',
      output: '/tmp/unused',
      model: 'm',
      labels: ['a'],
      templates: ['{}'],
      topK: 1,
      embedDtype: 'float32',
      shardSize: 1000,
      createdAt: Date.now(),
    },
    objects: storage.list('s3://bench/photos/', { parallelism }),
    highWater: 1_000_000,
  });
  const s = (performance.now() - t0) / 1000;
  console.log(
    `enqueue from the fanned-out listing (${rttMs} ms per request): ${result.selected} objects, ${result.added} shard jobs in ${s.toFixed(2)} s = ` +
      `${Math.round(result.selected / s)} objects/s`,
  );
  direct.close();
  far.close();
  await proxy.close();
} finally {
  await queue.obliterate({ force: true }).catch(() => {});
  await queue.close();
  const keys = await redis.keys(`${prefix}:*`);
  if (keys.length > 0) await redis.del(...keys);
  redis.disconnect();
  await s3.stop();
}
