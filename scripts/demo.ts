/**
 * `npm run demo`: the main job on an embedded default. Labels the sample images in ../shared/fixtures/images with the
 * tiny MetaCLIP-architecture model in ../shared/fixtures/tiny-clip, through the real system: Redis, the producer,
 * two worker processes, output in clip-retrieval layout under ./out/demo.
 *
 * Every default can be overridden: `npm run demo -- --source DIR --model M --labels a,b,c --output OUT --workers N`.
 * Redis: the one at REDIS_URL (default redis://127.0.0.1:6379); when nothing answers there and `redis-server` is on
 * PATH, a private one on a free port, stopped when the demo ends.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { readParquet } from '@metaclip-batch/storage';
import { repoRoot as root, sharedDir, tinyModelDir } from './lib/local-run';
import { demoRedis } from './local-redis';

const { values } = parseArgs({
  options: {
    source: { type: 'string', default: path.join(sharedDir, 'fixtures/images') },
    model: { type: 'string', default: tinyModelDir },
    labels: { type: 'string', default: 'an astronaut,a brick wall,a camera,a cat,a coin,the moon,a motorcycle,text' },
    output: { type: 'string', default: path.join(root, 'out/demo') },
    workers: { type: 'string', default: '2' },
    help: { type: 'boolean', default: false },
  },
});

if (values.help) {
  console.error(
    'Usage: npm run demo -- [--source DIR] [--model M] [--labels a,b,c] [--output DIR] [--workers N]\n' +
      'Labels and embeds every image under --source with the producer and N workers on the local Redis (REDIS_URL;\n' +
      'with nothing there and redis-server on PATH, a private one on a free port).',
  );
  process.exit(0);
}
for (const [flag, p] of [
  ['--source', values.source],
  ['--model', values.model],
] as const) {
  if (!existsSync(p)) {
    console.error(`demo: ${flag} ${p} does not exist; pass ${flag} to point at your own.`);
    process.exit(2);
  }
}

let redis: Awaited<ReturnType<typeof demoRedis>>;
try {
  redis = await demoRedis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
} catch (err) {
  console.error(`demo: ${(err as Error).message}`);
  process.exit(2);
}
if (redis.started) console.error(`demo: no Redis at REDIS_URL; started a private redis-server at ${redis.url}`);
const env = { ...process.env, REDIS_URL: redis.url };

const runId = `demo-${new Date().toISOString().replace(/[:.]/g, '-')}`;
const queue = 'metaclip-demo';
const bin = (name: string) => path.join(root, name);
const workers: ChildProcess[] = [];
for (let i = 0; i < Number(values.workers); i++) {
  workers.push(
    spawn(
      process.execPath,
      // Each worker needs its own metrics port (default 9464); 0 lets each pick a free one.
      [
        bin('apps/worker/bin/metaclip-worker.cjs'),
        '--model',
        values.model,
        '--queue',
        queue,
        '--threads',
        '1',
        '--metrics-port',
        '0',
      ],
      // Workers log JSON for machines; the demo's reader wants the progress bar and the result, so only warnings.
      { stdio: ['ignore', 'ignore', 'inherit'], env: { ...env, LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn' } },
    ),
  );
}
const stopWorkers = () => {
  for (const w of workers) w.kill('SIGTERM');
};
process.on('SIGINT', () => {
  stopWorkers();
  redis.stop().finally(() => process.exit(130));
});

const producer = spawn(
  process.execPath,
  [
    bin('apps/producer/bin/metaclip-producer.js'),
    'enqueue',
    '--source',
    values.source,
    '--output',
    values.output,
    '--model',
    values.model,
    '--labels',
    values.labels,
    '--queue',
    queue,
    '--run-id',
    runId,
    '--shard-size',
    '8',
    '--wait',
  ],
  { stdio: 'inherit', env },
);
const code: number = await new Promise((resolve) => producer.on('exit', (c) => resolve(c ?? 1)));
stopWorkers();
await Promise.all(workers.map((w) => new Promise((r) => (w.exitCode !== null ? r(null) : w.on('exit', r)))));
await redis.stop();
if (code === 0) {
  const runDir = path.join(values.output, runId);
  // A taste of the output: each image's best label, read back from the run's metadata shards.
  const metaDir = path.join(runDir, 'metadata');
  for (const file of (await readdir(metaDir)).sort()) {
    for (const row of await readParquet(await readFile(path.join(metaDir, file)), ['image_path', 'label', 'score'])) {
      console.log(
        `${path.basename(String(row.image_path)).padEnd(28)} ${String(row.label).padEnd(16)} ${Number(row.score).toFixed(3)}`,
      );
    }
  }
  console.error(
    `demo: done. Labels and embeddings are in ${runDir} (img_emb/*.npy, metadata/*.parquet, manifest.json)`,
  );
}
process.exit(code);
