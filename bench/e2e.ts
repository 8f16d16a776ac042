/**
 * End-to-end throughput and worker memory: a folder of images is enqueued as a run (the producer's `enqueueRun`) into
 * BullMQ on Redis, one real `metaclip-worker` process pulls the shards, reads, decodes and preprocesses the files,
 * batches them across shards, runs the model, scores the labels and writes npy + parquet to local disk. Timed from
 * the enqueue to the moment the worker recorded the run complete (the run store's `finishedAt`, so the clock does not
 * depend on how often this script polls); the worker's start-up, model load and label embedding are
 * outside the clock (an untimed warm-up run pays them, as a long run pays them once).
 *
 * Prints one JSON object as its last stdout line:
 * `{ samples: number[] /* img/s per repeat *\/, images, shardSize, maxBatch, concurrency, threads, device,
 *    mainThreadBusy /* 0..1 *\/, processCores, cpuMsPerImage /* the worker's CPU, every thread *\/, meanBatch, stageMs /* mean ms per call by stage *\/, peakRssMiB /* the worker's VmHWM *\/, rss: { tMs, mib }[] /* VmRSS samples over the timed runs *\/ }`.
 *
 * Usage: tsx bench/e2e.ts --model <dir> [--images-dir <dir>] [--images 256] [--repeats 3] [--threads N]
 *          [--device cpu] [--dtype fp32] [--max-batch 32] [--concurrency 4] [--shard-size 64] [--labels short|imagenet]
 *          [--decode exact|fast (the worker's default when left out)]
 * `--images-dir` (default: the fixture photographs) is cycled to `--images` files.
 * Needs Redis at REDIS_URL (default redis://127.0.0.1:6379).
 */
import { copyFile, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import os, { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import {
  cleanupRedis,
  enqueueSource,
  REDIS_URL,
  spawnWorker,
  type WorkerProcess,
  waitForRun,
} from '../scripts/lib/local-run';
import { rate } from './lib/stats';
import { benchLabels, cycle, FIXTURE_IMAGES, fixtureImages } from './lib/workload';

const { values } = parseArgs({
  options: {
    model: { type: 'string' },
    'images-dir': { type: 'string', default: FIXTURE_IMAGES },
    images: { type: 'string', default: '256' },
    repeats: { type: 'string', default: '3' },
    threads: { type: 'string', default: String(os.availableParallelism()) },
    device: { type: 'string', default: 'cpu' },
    dtype: { type: 'string', default: 'fp32' },
    'max-batch': { type: 'string', default: '32' },
    // Shards in flight; a GPU worker wants more (the environment's setting, as the worker itself reads it).
    concurrency: { type: 'string', default: process.env.METACLIP_CONCURRENCY ?? '4' },
    'shard-size': { type: 'string', default: '64' },
    decode: { type: 'string' },
    // `short`: the bench's ten labels; `imagenet`: 1,000 class names (embedded once per run, outside the clock).
    labels: { type: 'string', default: 'short' },
  },
});
if (!values.model) throw new Error('usage: tsx bench/e2e.ts --model <dir> [--images 256] [--repeats 3] ...');
const images = Number(values.images);
const repeats = Number(values.repeats);
const shardSize = Number(values['shard-size']);
const progress = (msg: string) => process.stderr.write(`e2e: ${msg}\n`);
const labels = await benchLabels(values.labels);

/** CPU seconds (user + system) of the worker's main thread and of the whole process, from /proc. */
async function cpuSeconds(pid: number): Promise<{ main: number; total: number }> {
  const ticks = async (file: string) => {
    // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th.
    const fields = (await readFile(file, 'utf8')).split(') ')[1]?.split(' ') ?? [];
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  };
  const [main, total] = await Promise.all([ticks(`/proc/${pid}/task/${pid}/stat`), ticks(`/proc/${pid}/stat`)]);
  return { main, total };
}
/** USER_HZ: 100 on every Linux this runs on. */
const CLOCK_TICKS = 100;

/**
 * Mean batch size and mean seconds per call of each pipeline stage, from the worker's Prometheus text: where the
 * time goes when the pipeline is slower than the model.
 */
function stageMeans(text: string): { meanBatch: number; stageMs: Record<string, number> } {
  const value = (re: RegExp) => Number(re.exec(text)?.[1] ?? Number.NaN);
  const meanBatch = value(/^metaclip_batch_images_sum\S* (\S+)/m) / value(/^metaclip_batch_images_count\S* (\S+)/m);
  const stageMs: Record<string, number> = {};
  for (const [, stage, sum] of text.matchAll(/^metaclip_stage_seconds_sum\{[^}]*stage="(\w+)"[^}]*\} (\S+)/gm)) {
    const count = value(new RegExp(`^metaclip_stage_seconds_count\\{[^}]*stage="${stage}"[^}]*\\} (\\S+)`, 'm'));
    stageMs[stage as string] = Math.round((Number(sum) / count) * 1e4) / 10;
  }
  return { meanBatch: Math.round(meanBatch * 10) / 10, stageMs };
}

/** `count` copies of the images of `--images-dir` (cycling), under unique names, in `dir`. */
async function writeImages(dir: string, count: number): Promise<void> {
  await mkdir(dir, { recursive: true });
  const files = cycle(fixtureImages(values['images-dir']), count);
  await Promise.all(files.map((file, i) => copyFile(file, path.join(dir, `${i}-${path.basename(file)}`))));
}

/** A `/proc/<pid>/status` field in MiB (VmRSS: now, VmHWM: peak). */
async function procMiB(pid: number, field: 'VmRSS' | 'VmHWM'): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1]);
  return Math.round((kb / 1024) * 10) / 10;
}

const tmp = await mkdtemp(path.join(tmpdir(), 'bench-e2e-'));
const queue = `bench-e2e-${process.pid}`;
const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
const runIds: string[] = [];
let worker: WorkerProcess | undefined;
try {
  const source = path.join(tmp, 'images');
  const warmup = path.join(tmp, 'warmup');
  await Promise.all([writeImages(source, images), writeImages(warmup, Math.min(images, 2 * shardSize))]);

  worker = spawnWorker(
    `${queue}-worker`,
    [
      ...['--model', values.model, '--queue', queue, '--threads', values.threads, '--device', values.device],
      ...['--dtype', values.dtype, '--max-batch', values['max-batch'], '--concurrency', values.concurrency],
      ...['--metrics-port', '0'],
      ...(values.decode ? ['--decode', values.decode] : []),
    ],
    { METACLIP_CACHE: process.env.METACLIP_CACHE ?? path.join(tmp, 'model-cache') },
  );
  await worker.ready;
  const pid = worker.proc.pid as number;
  progress(`worker ${pid} ready`);

  const run = async (name: string, dir: string) => {
    const runId = `${queue}-${name}`;
    runIds.push(runId);
    // Wall-clock epoch, as the worker stamps `finishedAt` (same machine, same clock).
    const t0 = Date.now();
    const output = path.join(tmp, 'out');
    await enqueueSource({ redis, runId, queue, source: dir, output, labels, shardSize, model: values.model });
    const state = await waitForRun(redis, runId, 3_600_000);
    if (state.status !== 'completed') throw new Error(`run ${runId} ended ${state.status}`);
    const ms = (state.finishedAt ?? Date.now()) - t0;
    return { ms, images: state.imagesDone };
  };
  await run('warmup', warmup);

  const rss: { tMs: number; mib: number }[] = [];
  const start = performance.now();
  const sampler = setInterval(() => {
    procMiB(pid, 'VmRSS').then(
      (mib) => rss.push({ tMs: Math.round(performance.now() - start), mib }),
      () => {},
    );
  }, 250);
  const samples: number[] = [];
  let imagesTimed = 0;
  const cpu0 = await cpuSeconds(pid);
  try {
    for (let r = 0; r < repeats; r++) {
      const { ms, images: done } = await run(`r${r}`, source);
      samples.push(rate(done, ms));
      imagesTimed += done;
      progress(`repeat ${r + 1}/${repeats}: ${done} images in ${(ms / 1000).toFixed(1)} s = ${samples.at(-1)} img/s`);
    }
  } finally {
    clearInterval(sampler);
  }
  const cpu1 = await cpuSeconds(pid);
  const wallS = (performance.now() - start) / 1000;
  // Busy fraction of the worker's main thread (1 = saturated: the pipeline's limit) and cores used by the process.
  const mainThreadBusy = Math.round(((cpu1.main - cpu0.main) / wallS) * 100) / 100;
  const processCores = Math.round(((cpu1.total - cpu0.total) / wallS) * 100) / 100;
  // CPU per image does not drop when other work takes cores, as img/s does: the system's cost, next to the floor's.
  const cpuMsPerImage = Math.round(((cpu1.total - cpu0.total) * 1e5) / imagesTimed) / 100;
  progress(
    `worker main thread busy ${mainThreadBusy}, process used ${processCores} cores, ${cpuMsPerImage} ms CPU per image`,
  );
  const peakRssMiB = await procMiB(pid, 'VmHWM');
  // The port the worker picked (`--metrics-port 0`), from its start-up log line.
  const port = worker.logs.map((line) => /"port":(\d+).*metrics on/.exec(line)?.[1]).find(Boolean);
  const stages = port ? stageMeans(await (await fetch(`http://127.0.0.1:${port}/metrics`)).text()) : undefined;
  if (stages) progress(`mean batch ${stages.meanBatch}, mean ms per call ${JSON.stringify(stages.stageMs)}`);
  process.stdout.write(
    `${JSON.stringify({
      samples,
      images,
      shardSize,
      maxBatch: Number(values['max-batch']),
      concurrency: Number(values.concurrency),
      labels: labels.length,
      threads: Number(values.threads),
      device: values.device,
      decode: values.decode ?? 'default',
      mainThreadBusy,
      processCores,
      cpuMsPerImage,
      ...stages,
      peakRssMiB,
      rss,
    })}\n`,
  );
} finally {
  try {
    if (worker && worker.proc.exitCode === null) {
      worker.proc.kill('SIGTERM');
      await worker.exited;
    }
    for (const runId of runIds) {
      await cleanupRedis(redis, queue, runId, path.join(tmp, runId.endsWith('warmup') ? 'warmup' : 'images'));
    }
  } finally {
    redis.disconnect();
    await rm(tmp, { recursive: true, force: true });
  }
}
