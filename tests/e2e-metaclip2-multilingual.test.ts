/**
 * A labeling run end to end with MetaCLIP 2 and Chinese labels and template: `metaclip-producer enqueue
 * --labels-file` (UTF-8) --template "这是一张{}的照片。" --wait` with a `metaclip-worker` on `tiny-metaclip2`; the
 * parquet keeps the labels as written and scores images as Hugging Face's pipeline does (golden/tiny_metaclip2.json).
 */
import { readFileSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  cleanupRedis,
  killAll,
  REDIS_URL,
  readRunOutput,
  spawnWorker,
  type WorkerProcess,
} from '../scripts/lib/local-run';
import { PRODUCER_BIN, runBin } from './helpers/cli-process';

const { fixtures, images, golden: goldenDir } = inject('sharedFixtures');

const id = `e2e-mc2-zh-${process.pid}-${Date.now()}`;
const MODEL = path.join(fixtures, 'tiny-metaclip2');
const IMAGES = ['astronaut.jpg', 'coins.jpg', 'brick.png', 'camera.webp', 'moon.jpg', 'retina.webp'];
const LABELS = ['猫', '狗', '汽车', '宇航员', '硬币'];
const TEMPLATE = '这是一张{}的照片。';
type Scored = { label: string; score: number }[];
const golden = JSON.parse(readFileSync(path.join(goldenDir, 'tiny_metaclip2.json'), 'utf8')) as {
  pipeline: { zh_template: Record<string, Scored> };
};

describe('MetaCLIP 2 labeling run with Chinese labels', () => {
  let tmp: string;
  let source: string;
  let redis: Redis;
  const workers: WorkerProcess[] = [];
  beforeAll(async () => {
    tmp = await mkdtemp(path.join(tmpdir(), `${id}-`));
    source = path.join(tmp, 'images');
    await mkdir(source);
    for (const name of IMAGES) await copyFile(path.join(images, name), path.join(source, name));
    redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  });
  afterAll(async () => {
    await killAll(workers);
    await cleanupRedis(redis, id, id, source);
    redis.disconnect();
    await rm(tmp, { recursive: true, force: true });
  });

  it('writes parquet rows with the Chinese labels, scored as the pipeline scores them', async () => {
    const env = { METACLIP_CACHE: path.join(tmp, 'model-cache') };
    workers.push(spawnWorker(`${id}-w0`, ['--model', MODEL, '--queue', id], env));
    await workers[0]?.ready;
    const labelsFile = path.join(tmp, 'labels.txt');
    await writeFile(labelsFile, `${LABELS.join('\n')}\n`, 'utf8');
    const output = path.join(tmp, 'out');
    const producer = await runBin(
      PRODUCER_BIN,
      [
        ...['enqueue', '--source', source, '--output', output, '--model', MODEL, '--labels-file', labelsFile],
        ...['--template', TEMPLATE, '--top-k', '5', '--queue', id, '--run-id', id, '--shard-size', '4', '--wait'],
      ],
      env,
    );
    expect(producer.code, producer.stdout + producer.stderr).toBe(0);

    const out = await readRunOutput(output, id);
    expect(out.manifest).toMatchObject({ status: 'completed', labels: LABELS, templates: [TEMPLATE] });
    expect(out.rows.map((r) => path.basename(r.image_path)).sort()).toEqual([...IMAGES].sort());
    for (const row of out.rows) {
      const expected = golden.pipeline.zh_template[path.basename(row.image_path)] as Scored;
      expect(row.label).toBe(expected[0]?.label);
      expect([...row.labels].sort()).toEqual([...LABELS].sort());
      row.labels.forEach((label, i) => {
        const want = expected.find((s) => s.label === label)?.score ?? Number.NaN;
        expect(Math.abs((row.scores[i] as number) - want), `${row.image_path} ${label}`).toBeLessThanOrEqual(0.01);
      });
    }
  });
});
