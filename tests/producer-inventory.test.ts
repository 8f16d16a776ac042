import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createQueue, parseShardJob, RunStore, type ShardQueue } from '@metaclip-batch/jobs';
import { storageFor } from '@metaclip-batch/storage';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type InventoryEntry, writeInventory, writeReport } from './helpers/s3-inventory';
import { type S3Server, startS3Server } from './helpers/s3-server';
import { cleanup, cli, enqueueArgs, isolation, redisUrl } from './producer-harness';

const iso = isolation();
const redis = new Redis(redisUrl);
const store = new RunStore(redis, iso.prefix);
let s3: S3Server;
let q: ShardQueue;
let env: Record<string, string>;
let localDest: string;

const mtime = new Date('2026-11-30T12:00:00.000Z');
const entry = (key: string, etag: string, more: Partial<InventoryEntry> = {}): InventoryEntry => ({
  key,
  etag,
  size: 100,
  mtime,
  ...more,
});
/** Rows as S3 writes them: keys that need encoding, a non-image, a delete marker and an older version. */
const ENTRIES: InventoryEntry[] = [
  entry('2026/a cat.jpg', 'e1'),
  entry('2026/b+c.png', 'e2'),
  entry('2026/deleted.jpg', 'e3', { isDeleteMarker: true }),
  entry('2026/d.jpg', 'old', { isLatest: false }),
  entry('2026/d.jpg', 'e4'),
  entry('2026/notes.md', 'e5'),
  entry('2026/ü/e.webp', 'e6'),
  entry('2026/f.jpeg', 'e7'),
];
const EXPECTED = ['a cat.jpg', 'b+c.png', 'd.jpg', 'ü/e.webp', 'f.jpeg'].map((k) => `s3://photos/2026/${k}`);

async function urisOf(runId: string): Promise<string[]> {
  const jobs = (await q.getJobs(['waiting'], 0, -1)).map((j) => parseShardJob(j.data)).filter((j) => j.runId === runId);
  return jobs.sort((a, b) => a.shard - b.shard).flatMap((j) => j.uris);
}

async function enqueue(source: string, runId: string, more: string[] = []) {
  const r = await cli(enqueueArgs(source, q.name, ['--run-id', runId, '--shard-size', '2', '--json', ...more]), env);
  return { ...r, json: r.code === 0 ? JSON.parse(r.stdout) : null };
}

beforeAll(async () => {
  s3 = await startS3Server({ buckets: ['photos', 'inventory-dest'] });
  env = { ...iso.env, ...s3.env };
  q = createQueue(iso.queueName('inv'), redis);
  localDest = await mkdtemp(path.join(tmpdir(), 'inventory-'));
});

afterAll(async () => {
  await q?.close();
  await cleanup(redis, iso.prefix);
  redis.disconnect();
  await s3?.stop();
  if (localDest) await rm(localDest, { recursive: true, force: true });
});

describe('enqueue from an S3 Inventory report', () => {
  for (const format of ['CSV', 'Parquet'] as const) {
    it(`reads a ${format} inventory on S3: current images only, in report order, keys decoded`, async () => {
      const manifest = await writeInventory(`s3://inventory-dest/${format}/`, {
        sourceBucket: 'photos',
        format,
        entries: ENTRIES,
        files: 3,
        storage: { env: s3.env },
      });
      const r = await enqueue(manifest, `inv-s3-${format}`);
      expect(r.code, r.stderr).toBe(0);
      expect(r.json).toMatchObject({ listed: 5, selected: 5, shards: 3, added: 3 });
      expect(await urisOf(`inv-s3-${format}`)).toEqual(EXPECTED);
    });

    it(`reads a ${format} inventory copied to local disk`, async () => {
      const dest = path.join(localDest, format);
      const manifest = await writeInventory(dest, { sourceBucket: 'photos', format, entries: ENTRIES, files: 2 });
      const r = await enqueue(manifest, `inv-local-${format}`);
      expect(r.code, r.stderr).toBe(0);
      expect(await urisOf(`inv-local-${format}`)).toEqual(EXPECTED);
    });
  }

  it('reads an ORC inventory on S3 (ZLIB and uncompressed data files, as pyarrow writes them)', async () => {
    // The fixtures and their rows are described in libs/storage/src/orc/orc.test.ts.
    const fixtures = new URL('./fixtures/orc/', import.meta.url);
    const read = (name: string) => readFileSync(new URL(name, fixtures));
    const manifest = await writeReport('s3://inventory-dest/ORC/', {
      sourceBucket: 'src',
      format: 'ORC',
      bodies: [read('inventory-zlib-dictionary.orc'), read('inventory-none-direct.orc')],
      storage: { env: s3.env },
    });
    const rows: { key: string | null; is_latest: boolean | null; is_delete_marker: boolean }[] = JSON.parse(
      read('inventory.json').toString('utf8'),
    );
    const current = rows
      .filter((r) => r.key !== null && !r.is_delete_marker && r.is_latest !== false)
      .map((r) => `s3://src/${r.key}`);
    const r = await enqueue(manifest, 'inv-s3-ORC');
    expect(r.code, r.stderr).toBe(0);
    expect(r.json).toMatchObject({ listed: 2 * current.length, selected: 2 * current.length });
    expect(await urisOf('inv-s3-ORC')).toEqual([...current, ...current]);
  });

  it('an incremental run over the next day’s inventory enqueues only new and changed objects', async () => {
    const dest = 's3://inventory-dest/nightly/';
    const day1 = await writeInventory(dest, {
      sourceBucket: 'photos',
      format: 'CSV',
      entries: ENTRIES,
      date: '2026-12-01T00-00Z',
      storage: { env: s3.env },
    });
    const first = await enqueue(day1, 'inv-day1');
    expect(first.json).toMatchObject({ selected: 5 });
    const state = await store.require('inv-day1');
    for (let shard = 0; shard < state.shardsTotal; shard++) {
      await store.recordShardDone('inv-day1', shard, { images: 2, failed: 0, ms: 1 });
    }
    await store.finish('inv-day1');
    const day2Entries = [
      ...ENTRIES.filter((e) => e.key !== '2026/f.jpeg').map((e) =>
        e.key === '2026/b+c.png' ? { ...e, etag: 'e2b' } : e,
      ),
      entry('2026/g.jpg', 'e8'),
    ];
    const day2 = await writeInventory(dest, {
      sourceBucket: 'photos',
      format: 'CSV',
      entries: day2Entries,
      date: '2026-12-02T00-00Z',
      storage: { env: s3.env },
    });
    // Each day's report is a new manifest URI; the base is found through the inventory configuration they share.
    expect(day2).not.toBe(day1);
    const second = await enqueue(day2, 'inv-day2', ['--incremental']);
    expect(second.code, second.stderr).toBe(0);
    expect(second.json).toMatchObject({ listed: 5, selected: 2 });
    expect(await urisOf('inv-day2')).toEqual(['s3://photos/2026/b+c.png', 's3://photos/2026/g.jpg']);
  });

  it('`.../<config>/*/manifest.json` reads the newest report, on S3 and on local disk', async () => {
    const newest = [entry('2026/newest.jpg', 'n1')];
    for (const [dest, storage] of [
      ['s3://inventory-dest/series/', { env: s3.env }],
      [path.join(localDest, 'series'), {}],
    ] as const) {
      let last = '';
      for (const [date, entries] of [
        ['2026-11-30T00-00Z', ENTRIES],
        ['2026-12-02T00-00Z', newest],
        ['2026-12-01T00-00Z', ENTRIES],
      ] as const) {
        last = await writeInventory(dest, { sourceBucket: 'photos', format: 'CSV', entries, date, storage });
      }
      const series = last.replace('2026-12-01T00-00Z', '*');
      const runId = `inv-newest-${dest.startsWith('s3') ? 's3' : 'local'}`;
      const r = await enqueue(series, runId);
      expect(r.code, r.stderr).toBe(0);
      expect(await urisOf(runId)).toEqual(['s3://photos/2026/newest.jpg']);
    }
    const none = await enqueue('s3://inventory-dest/nothing/photos/all/*/manifest.json', 'inv-none');
    expect(none.code).not.toBe(0);
    expect(none.stderr).toContain('no S3 Inventory report (<date>/manifest.json) under s3://inventory-dest/nothing/');
  });

  it('a malformed manifest fails before any run is created, naming what is wrong', async () => {
    const bucket = storageFor('s3://inventory-dest/', { env: s3.env });
    await bucket.put(
      's3://inventory-dest/bad/manifest.json',
      JSON.stringify({ sourceBucket: 'photos', fileSchema: 'Bucket, Key', files: [{ key: 'x.csv.gz' }] }),
    );
    const bad = await enqueue('s3://inventory-dest/bad/manifest.json', 'inv-bad');
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('is not a usable S3 Inventory manifest');
    expect(bad.stderr).toContain('"fileFormat" must be CSV, ORC or Parquet');
    expect(bad.stderr).toContain('files[0].size must be a byte count');
    expect(await store.get('inv-bad')).toBeNull();
  });
});
