import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  buildLabelSet,
  classify,
  cosine,
  type LabelSet,
  loadModel,
  type MetaClipModel,
} from '@metaclip-batch/metaclip';
import { PreprocessThreads, VisionThreads } from '@metaclip-batch/metaclip/threads';
import { RetryableStorageError, storageFor } from '@metaclip-batch/storage';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { Semaphore } from './bounded.ts';
import type { DynamicBatcher } from './dynamic-batcher.ts';
import { createEmbedBatcher } from './embed-batch.ts';
import { arenaSlots, createPixelArena, inProcessSlotModel } from './pixel-arena.ts';
import { type ImageRow, runShard, type ShardRunnerDeps } from './shard-runner.ts';

const { images, tinyClip } = inject('sharedFixtures');
const photo = (name: string) => path.join(images, name);

// The same shards with the model and the decoding on this thread, and on worker threads (the worker's GPU set-up).
describe.each(['in process', 'on threads'])('runShard with the tiny model on real files, %s', (mode) => {
  let tmp: string;
  let model: MetaClipModel;
  let labelSet: LabelSet;
  let batcher: DynamicBatcher<Uint8Array, Float32Array>;
  let deps: ShardRunnerDeps;
  const closers: (() => Promise<void>)[] = [];
  const batchSizes: number[] = [];

  beforeAll(async () => {
    tmp = await mkdtemp(path.join(tmpdir(), 'shard-runner-'));
    model = await loadModel(tinyClip, { cacheDir: tmp, intraOpThreads: 1 });
    labelSet = await buildLabelSet(model, ['an astronaut', 'a coin', 'a clock']);
    // Fewer slots than a shard has images: the shard must recycle them.
    const demand = { maxQueue: 2, maxBatch: 2, inflight: 1, fetches: 2 };
    expect(arenaSlots(demand)).toBe(6);
    const arena = createPixelArena(demand, model.imageSize);
    let processor: ShardRunnerDeps['processor'] = model.processor;
    let slotModel = inProcessSlotModel(model, 4);
    if (mode === 'on threads') {
      const common = { arena: arena.buffer, threads: 2 };
      const pre = await PreprocessThreads.start({ ...common, modelDir: model.dir, limits: model.processor.limits });
      const vision = await VisionThreads.start({
        ...common,
        onnxDir: model.dir,
        device: 'cpu',
        dtype: 'fp32',
        intraOpThreads: 1,
        maxBatch: 4,
        embedDim: model.embedDim,
        imageSize: model.imageSize,
      });
      closers.push(
        () => pre.close(),
        () => vision.close(),
      );
      processor = pre;
      slotModel = vision;
    }
    batcher = createEmbedBatcher({
      model: slotModel,
      policy: { maxBatch: 4, maxDelayMs: 5 },
      maxQueue: 4,
      inflight: mode === 'on threads' ? 2 : 1,
      onBatch: (s) => batchSizes.push(s.size),
    });
    deps = {
      storageFor: (uri) => storageFor(uri),
      processor,
      batcher,
      pixels: arena.pool,
      fetchLimiter: new Semaphore(2),
      decodeLimiter: new Semaphore(2),
      labelSet,
      topK: 2,
    };
  }, 60_000); // starting threads that each load the model is slow on a busy machine

  afterAll(async () => {
    await batcher?.close();
    for (const close of closers) await close();
    await model?.dispose();
    await rm(tmp, { recursive: true, force: true });
  });

  it('returns one row per URI in shard order, bad images as error rows, embeddings equal to the library', async () => {
    const notAnImage = path.join(tmp, 'notes.jpg');
    await writeFile(notAnImage, 'plain text');
    const a = [photo('astronaut.jpg'), photo('coins.jpg'), path.join(tmp, 'missing.png'), photo('camera.webp')];
    const b = [photo('clock_motion.png'), notAnImage, photo('astronaut.bmp'), photo('moon.jpg'), photo('page.jpg')];
    const [ra, rb] = await Promise.all([
      runShard({ runId: 'r', shard: 0, uris: a }, deps),
      runShard({ runId: 'r', shard: 1, uris: b }, deps),
    ]);
    expect(ra.rows.map((r) => r.uri)).toEqual(a);
    expect(rb.rows.map((r) => r.uri)).toEqual(b);
    const failed = (rows: ImageRow[]) => rows.flatMap((r, i) => (r.ok ? [] : [[i, r.error.split(':')[0]]]));
    expect(failed(ra.rows)).toEqual([[2, 'NotFoundError']]);
    expect(failed(rb.rows)).toEqual([[1, 'ImageInputError']]);

    const good = [...ra.rows, ...rb.rows].filter((r): r is Extract<ImageRow, { ok: true }> => r.ok);
    const reference = await model.embedImages(good.map((r) => r.uri));
    good.forEach((row, i) => {
      expect(cosine(row.embedding, reference[i] as Float32Array)).toBeGreaterThanOrEqual(0.9999);
      expect(Math.hypot(...row.embedding)).toBeCloseTo(1, 5);
      // Scored once per shard on the unit embeddings: the same as scoring each image's raw embedding alone.
      const alone = classify(reference[i] as Float32Array, 1, labelSet, { topK: 2 })[0] ?? [];
      expect(row.labels.map((l) => l.label)).toEqual(alone.map((l) => l.label));
      row.labels.forEach((l, k) => {
        expect(l.score).toBeCloseTo(alone[k]?.score ?? -1, 4);
      });
      expect(row.width).toBeGreaterThan(0);
    });
    expect(Math.max(...batchSizes)).toBeLessThanOrEqual(4);
    expect(deps.pixels.available).toBe(deps.pixels.size);
  });

  it('reads each image its caption from its sidecar; a sidecar that gives none is a null caption, never a lost image', async () => {
    const dir = await mkdtemp(path.join(tmp, 'captions-'));
    const jpeg = await readFile(photo('astronaut.jpg'));
    const files: Record<string, string | Buffer> = {
      'a.jpg': jpeg,
      'a.txt': 'an astronaut in a suit\n',
      'b.jpg': jpeg,
      'b.json': JSON.stringify({ key: 'b', caption: 'the same astronaut', status: 'success' }),
      'c.jpg': jpeg,
      'c.json': '{"caption": "cut off',
      'd.jpg': jpeg,
      'e.jpg': jpeg,
      'f.jpg': 'not an image',
      'f.txt': 'a caption of no image',
    };
    for (const [name, bytes] of Object.entries(files)) await writeFile(path.join(dir, name), bytes);
    const uris = ['a', 'b', 'c', 'd', 'e', 'f'].map((n) => path.join(dir, `${n}.jpg`));
    const captionErrors: [string, string][] = [];
    const result = await runShard(
      // d's sidecar is named but gone (deleted since listing); e has none.
      { runId: 'r', shard: 3, uris, sidecars: ['txt', 'json', 'json', 'txt', null, 'txt'] },
      { ...deps, onCaptionError: (uri, error) => captionErrors.push([path.basename(uri), error.code]) },
    );
    expect(result.rows.map((r) => (r.ok ? r.caption : r.error.split(':')[0]))).toEqual([
      'an astronaut in a suit',
      'the same astronaut',
      null,
      null,
      null,
      'ImageInputError',
    ]);
    expect(captionErrors.sort()).toEqual([
      ['c.jpg', 'CAPTION_BAD_JSON'],
      ['d.jpg', 'CAPTION_MISSING'],
    ]);
    expect(deps.pixels.available).toBe(deps.pixels.size);
  });

  it('fails the shard retryably when storage stays unreachable, releasing every slot', async () => {
    const unreachable = {
      AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:9',
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      AWS_REGION: 'us-east-1',
    };
    const run = runShard(
      { runId: 'r', shard: 2, uris: [photo('astronaut.jpg'), 's3://bucket/a.jpg', photo('coins.jpg')] },
      {
        ...deps,
        storageFor: (uri) => storageFor(uri, { env: unreachable, maxAttempts: 1 }),
        fetchRetry: { attempts: 2, baseMs: 1, maxMs: 2 },
      },
    );
    await expect(run).rejects.toBeInstanceOf(RetryableStorageError);
    expect(deps.pixels.available).toBe(deps.pixels.size);
  });
});
