/**
 * How a run ends, against real Redis, the S3 server and local disk: "completed" is recorded only once manifest.json
 * is in place (however slow the object store), a manifest that cannot be written fails the run with the reason, and
 * the temp files of interrupted writes are removed on the next write of that file and when the run completes.
 */
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { RunStore } from '@metaclip-batch/jobs';
import { finishRun, manifestUri, shardOutputUris } from '@metaclip-batch/pipeline';
import { type Storage, storageFor } from '@metaclip-batch/storage';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type S3Server, startS3Server } from './helpers/s3-server';
import { cleanup, isolation, redisUrl, runSpec } from './producer-harness';

const iso = isolation();
const redis = new Redis(redisUrl);
const store = new RunStore(redis, iso.prefix);
let server: S3Server;
let tmp: string;

/** A run with its one shard counted done: what the run store holds when the last worker is about to finish it. */
async function countedRun(runId: string, output: string) {
  await store.create(runSpec(runId, { output }));
  await store.setListed(runId, { shards: 1, images: 3 });
  return store.recordShardDone(runId, 0, { images: 3, failed: 0, ms: 5, embedDim: 4 });
}

beforeAll(async () => {
  server = await startS3Server({ buckets: ['out'] });
  tmp = await mkdtemp(path.join(tmpdir(), 'run-finish-'));
}, 120_000);

afterAll(async () => {
  await cleanup(redis, iso.prefix);
  redis.disconnect();
  await server?.stop();
  await rm(tmp, { recursive: true, force: true });
});

describe('finishing a run', () => {
  it('records completed only after manifest.json is on a slow object store', async () => {
    const s3 = storageFor('s3://out/', { env: server.env });
    let release!: () => void;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    let manifestPutStarted = false;
    // The real S3 storage, with the manifest's PUT held back: an object store taking its time.
    const slow: Storage = {
      list: (p, o) => s3.list(p, o),
      get: (u, o) => s3.get(u, o),
      head: (u) => s3.head(u),
      put: async (uri, body, opts) => {
        if (uri.endsWith('manifest.json')) {
          manifestPutStarted = true;
          await held;
        }
        return s3.put(uri, body, opts);
      },
    };
    const state = await countedRun('slow-1', 's3://out/runs/');
    expect(state.status).toBe('running');
    const finishing = finishRun(state, { store, storage: slow });
    await vi.waitFor(() => expect(manifestPutStarted).toBe(true), { timeout: 30_000 });
    expect((await store.require('slow-1')).status).toBe('running');
    release();
    const { state: ended, manifest } = await finishing;
    expect(ended.status).toBe('completed');
    expect(manifest).toBe(manifestUri('s3://out/runs/', 'slow-1'));
    const written = JSON.parse((await s3.get(manifest as string)).toString('utf8'));
    expect(written).toMatchObject({ status: 'completed', embedDim: 4, counts: { shardsDone: 1, imagesDone: 3 } });
    expect(written.timings.finishedAt).toBe(new Date(ended.finishedAt as number).toISOString());
  });

  it('fails the run with the reason when the manifest cannot be written on the last attempt', async () => {
    const out = path.join(tmp, 'blocked');
    // A file where the run's folder should be: every write under it fails.
    await mkdir(out, { recursive: true });
    await writeFile(path.join(out, 'blocked-1'), 'not a folder');
    const state = await countedRun('blocked-1', out);
    const storage = storageFor(out);
    await expect(finishRun(state, { store, storage })).rejects.toThrow();
    expect((await store.require('blocked-1')).status).toBe('running');
    const { state: ended } = await finishRun(state, { store, storage }, true);
    expect(ended.status).toBe('failed');
    expect(ended.error).toMatch(/^manifest\.json could not be written: /);
  });

  it('removes temp files of interrupted writes: on the next write of that file, and when the run completes', async () => {
    const out = path.join(tmp, 'temps');
    const shard0 = shardOutputUris(out, 'temps-1', 0);
    const shard1 = shardOutputUris(out, 'temps-1', 1);
    // What a write killed between writing its temp file and renaming it leaves behind.
    const leftover = (file: string) => path.join(path.dirname(file), `.${path.basename(file)}.0123456789abcdef.tmp`);
    for (const file of [shard0.embeddings, shard0.metadata, shard1.embeddings]) {
      await mkdir(path.dirname(file), { recursive: true });
      await writeFile(leftover(file), 'half a file');
    }
    const storage = storageFor(out);
    await storage.put(shard0.embeddings, 'npy bytes');
    expect(await readdir(path.dirname(shard0.embeddings))).toEqual(
      ['.img_emb_000001.npy.0123456789abcdef.tmp', 'img_emb_000000.npy'].sort(),
    );
    expect(await readFile(shard0.embeddings, 'utf8')).toBe('npy bytes');

    const state = await countedRun('temps-1', out);
    const { state: ended, removedTemps } = await finishRun(state, { store, storage });
    expect(ended.status).toBe('completed');
    expect(removedTemps.sort()).toEqual([leftover(shard0.metadata), leftover(shard1.embeddings)].sort());
    expect(await readdir(path.dirname(shard0.embeddings))).toEqual(['img_emb_000000.npy']);
    expect(await readdir(path.dirname(shard0.metadata))).toEqual([]);
  });
});
