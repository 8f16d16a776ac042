import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { copyFile, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import {
  createQueue,
  DEFAULT_TEMPLATES,
  parseShardJob,
  type RunSpec,
  type ShardJob,
  type ShardQueue,
} from '@metaclip-batch/jobs';
import { type CliIo, runCli } from '@metaclip-batch/producer';
import type { Redis } from 'ioredis';
import { inject } from 'vitest';

/** Shared by the producer suites: isolated Redis names, the CLI in-process or as a process, image folders. */

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const imagesDir = inject('sharedFixtures').images;
export const tinyModel = inject('sharedFixtures').tinyClip;
export const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const bin = path.join(repoRoot, 'apps/producer/bin/metaclip-producer.js');

/** A unique key prefix, control queue and shard queue name for one suite, so suites never see each other's data. */
export function isolation(): { prefix: string; env: Record<string, string>; queueName: (n?: string) => string } {
  const prefix = `t-producer-${randomUUID().slice(0, 8)}`;
  return {
    prefix,
    env: {
      REDIS_URL: redisUrl,
      METACLIP_PREFIX: prefix,
      METACLIP_CONTROL_QUEUE: `${prefix}-control`,
      METACLIP_POLL_MS: '20',
      LOG_LEVEL: 'warn',
    },
    queueName: (n = 'q') => `${prefix}-${n}`,
  };
}

/** Delete every key a suite made: its run store and its BullMQ queues (all named after the prefix). */
export async function cleanup(redis: Redis, prefix: string): Promise<void> {
  for (const pattern of [`${prefix}:*`, `bull:${prefix}-*`]) {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await redis.del(...keys);
    } while (cursor !== '0');
  }
}

/** Opens a suite's BullMQ queues and closes them all at the end (`afterAll`). */
export function queueFactory(redis: Redis): { open: (name: string) => ShardQueue; closeAll: () => Promise<void> } {
  const queues: ShardQueue[] = [];
  return {
    open(name) {
      const q = createQueue(name, redis);
      queues.push(q);
      return q;
    },
    async closeAll() {
      await Promise.all(queues.map((q) => q.close()));
    },
  };
}

/** A run as the producer stores it (two labels, shards of 10), with what a test cares about overridden. */
export function runSpec(runId: string, over: Partial<RunSpec> = {}): RunSpec {
  return {
    runId,
    queue: 'q',
    source: '/data/photos',
    output: '/data/out',
    model: 'facebook/metaclip-b16-fullcc2.5b',
    labels: ['cat', 'dog'],
    templates: [...DEFAULT_TEMPLATES],
    topK: 2,
    embedDtype: 'float32',
    shardSize: 10,
    createdAt: Date.now(),
    ...over,
  };
}

/** Output of one CLI invocation. */
export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

function sink(): { stream: Writable; text: () => string } {
  const chunks: string[] = [];
  return {
    stream: new Writable({
      write(chunk, _enc, cb) {
        chunks.push(String(chunk));
        cb();
      },
    }),
    text: () => chunks.join(''),
  };
}

/** Run the CLI in this process (the same code the bin runs, minus `process.exit`). */
export async function cli(args: string[], env: Record<string, string>, extra: Partial<CliIo> = {}): Promise<CliResult> {
  const out = sink();
  const err = sink();
  const code = await runCli(args, { stdout: out.stream, stderr: err.stream, env, tty: false, ...extra });
  return { code, stdout: out.text(), stderr: err.text() };
}

/** Run the real `metaclip-producer` bin as a process. */
export function spawnCli(args: string[], env: Record<string, string>): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], {
      cwd: repoRoot,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.once('error', reject);
    child.once('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

/**
 * A temp folder of real images: the fixture images (27), two more in a nested folder, and a text file that listing
 * must skip.
 */
export async function makeImageFolder(): Promise<{ dir: string; images: string[]; remove: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'producer-images-'));
  const images: string[] = [];
  for (const name of await readdir(imagesDir)) {
    await copyFile(path.join(imagesDir, name), path.join(dir, name));
    images.push(path.join(dir, name));
  }
  await mkdir(path.join(dir, 'nested'));
  for (const name of ['a.jpg', 'b.PNG']) {
    await copyFile(path.join(imagesDir, name === 'a.jpg' ? 'coins.jpg' : 'logo.png'), path.join(dir, 'nested', name));
    images.push(path.join(dir, 'nested', name));
  }
  await writeFile(path.join(dir, 'notes.txt'), 'not an image');
  images.sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  return { dir, images, remove: () => rm(dir, { recursive: true, force: true }) };
}

/** The common enqueue flags, pointing at a folder and a queue. */
export function enqueueArgs(source: string, queue: string, more: string[] = []): string[] {
  return [
    'enqueue',
    '--source',
    source,
    '--output',
    path.join(tmpdir(), 'producer-out'),
    '--model',
    tinyModel,
    '--labels',
    'cat,dog,car',
    '--queue',
    queue,
    ...more,
  ];
}

/** The shard jobs of a run waiting in a queue, in shard order, validated as a worker would. */
export async function waitingShards(q: ShardQueue, runId: string): Promise<ShardJob[]> {
  const jobs = await q.getJobs(['waiting'], 0, -1);
  return jobs
    .map((j) => parseShardJob(j.data))
    .filter((j) => j.runId === runId)
    .sort((a, b) => a.shard - b.shard);
}
