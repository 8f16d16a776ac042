import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import {
  createQueue,
  enqueueRun,
  parseShardJob,
  type RunSpec,
  RunStore,
  runKey,
  type ShardQueue,
  type SourceObject,
  shortHash,
} from '@metaclip-batch/jobs';
import { Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { inject } from 'vitest';

/** Shared by the dashboard suites: a spawned `metaclip-dashboard`, and runs driven through the real queue and store. */

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const fixtures = inject('sharedFixtures');
export const imagesDir = fixtures.images;
const bin = path.join(repoRoot, 'apps/dashboard/bin/metaclip-dashboard.js');
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A dashboard process listening on a free port. */
export interface SpawnedDashboard {
  url: string;
  child: ChildProcess;
  /** Everything it wrote so far (stdout and stderr). */
  output(): string;
  stop(): Promise<void>;
}

/** Environment without anything the dashboard reads, so the caller's shell cannot change a test. */
function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const k of Object.keys(env)) if (k.startsWith('DASHBOARD_')) delete env[k];
  return { ...env, REDIS_URL: redisUrl, LOG_LEVEL: 'info', ...extra };
}

/** Start the real bin with `--port 0` and learn its URL from the "dashboard listening" log line. */
export function spawnDashboard(args: string[], env: Record<string, string> = {}): Promise<SpawnedDashboard> {
  const child = spawn(process.execPath, [bin, '--port', '0', ...args], { env: cleanEnv(env), cwd: repoRoot });
  let out = '';
  let ready = false;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      if (ready) return;
      const line = out.split('\n').find((l) => l.includes('"msg":"dashboard listening"'));
      if (!line) return;
      ready = true;
      resolve({
        url: (JSON.parse(line) as { url: string }).url,
        child,
        output: () => out,
        stop: async () => {
          if (child.exitCode === null) child.kill('SIGTERM');
          await exited;
        },
      });
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => {
      if (!ready) reject(new Error(`dashboard exited (${code}) before listening:\n${out}`));
    });
  });
}

/** Run the bin to completion (for settings it must refuse). */
export function runDashboardToExit(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, [bin, '--port', '0', ...args], { env: cleanEnv(env), cwd: repoRoot });
  let output = '';
  child.stdout.on('data', (c: Buffer) => {
    output += c.toString();
  });
  child.stderr.on('data', (c: Buffer) => {
    output += c.toString();
  });
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, output })));
}

/** The fixture photographs as file URIs, in a stable order, plus one that does not exist (a bad image). */
export async function fixtureObjects(missing = 1): Promise<SourceObject[]> {
  const files = readdirSync(imagesDir).sort();
  const real = await Promise.all(
    files.map(async (f) => {
      const s = await stat(path.join(imagesDir, f));
      return { uri: pathToFileURL(path.join(imagesDir, f)).href, size: s.size, mtime: s.mtimeMs };
    }),
  );
  const gone = Array.from({ length: missing }, (_, i) => ({
    uri: pathToFileURL(path.join(imagesDir, `missing-${i}.jpg`)).href,
    size: 1,
    mtime: 0,
  }));
  return [...real, ...gone];
}

/**
 * Runs of this test in the shared Redis: a queue no other test uses and run ids of its own, under a private run-store
 * prefix by default (or a shared one, such as the workers' `metaclip`); {@link cleanup} removes exactly those.
 */
export class DashboardFixture {
  /** Unique per fixture: names the queue and, by default, the run-store prefix. */
  readonly tag = `dash-test-${randomUUID().slice(0, 8)}`;
  readonly prefix: string;
  readonly queueName = `${this.tag}-queue`;
  readonly redis = new Redis(redisUrl, { maxRetriesPerRequest: null });
  readonly store: RunStore;
  readonly queue: ShardQueue = createQueue(this.queueName, this.redis);
  private readonly workerConnection = new Redis(redisUrl, { maxRetriesPerRequest: null });
  /** Takes jobs only when asked, as a worker process does per shard. */
  private readonly taker = new Worker(this.queueName, null, { connection: this.workerConnection });
  private readonly runs: { runId: string; source: string }[] = [];

  constructor(opts: { prefix?: string } = {}) {
    this.prefix = opts.prefix ?? this.tag;
    this.store = new RunStore(this.redis, this.prefix);
  }

  /** Enqueue a run of the fixture images through the real producer path (`enqueueRun`). */
  async enqueue(runId: string, opts: { shardSize: number; labels?: string[] }): Promise<void> {
    const spec: RunSpec = {
      runId,
      queue: this.queueName,
      source: `file://${imagesDir}/`,
      output: `file:///tmp/${this.tag}/${runId}/`,
      model: fixtures.tinyClip,
      labels: opts.labels ?? ['astronaut', 'coins', 'camera', 'moon', 'chessboard', 'cell'],
      templates: ['a photo of a {}.'],
      topK: 3,
      embedDtype: 'float16',
      shardSize: opts.shardSize,
      createdAt: Date.now(),
    };
    const objects = await fixtureObjects();
    async function* list() {
      yield* objects;
    }
    this.runs.push({ runId, source: spec.source });
    await enqueueRun({ queue: this.queue, store: this.store, spec, objects: list(), highWater: 1000 });
  }

  /**
   * Process the next shard the way a worker records it: every image that exists counts as written, every missing one
   * becomes an error row with a sample; the job completes. Returns false when the queue is empty.
   */
  async processNextShard(): Promise<boolean> {
    const token = randomUUID();
    const job = await this.taker.getNextJob(token, { block: false });
    if (!job) return false;
    const shard = parseShardJob(job.data);
    const started = Date.now();
    const checks = await Promise.all(
      shard.uris.map(async (uri) => ({
        uri,
        ok: await stat(fileURLToPath(uri)).then(
          () => true,
          () => false,
        ),
      })),
    );
    const bad = checks.filter((c) => !c.ok);
    await this.store.addErrorSamples(
      shard.runId,
      bad.map((c) => ({ image_path: c.uri, error: `NotFoundError: no such object: ${c.uri}` })),
    );
    await this.store.recordShardDone(shard.runId, shard.shard, {
      images: checks.length - bad.length,
      failed: bad.length,
      ms: Date.now() - started,
    });
    // The real worker writes the manifest first; this stand-in writes no files.
    await this.store.finish(shard.runId);
    await job.moveToCompleted({ images: checks.length }, token, false);
    return true;
  }

  /** Remove this fixture's queue and runs (keys and index entries) and close its connections. */
  async cleanup(): Promise<void> {
    await this.taker.close();
    await this.queue.obliterate({ force: true });
    await this.queue.close();
    for (const { runId, source } of this.runs) {
      const run = runKey(this.prefix, runId);
      const keys = [run];
      let cursor = '0';
      do {
        const [next, found] = await this.redis.scan(cursor, 'MATCH', `${run}:*`, 'COUNT', 500);
        keys.push(...found);
        cursor = next;
      } while (cursor !== '0');
      await this.redis.del(...keys);
      await this.redis.zrem(`${this.prefix}:runs`, runId);
      await this.redis.zrem(`${this.prefix}:source:${shortHash(source)}:runs`, runId);
    }
    this.workerConnection.disconnect();
    this.redis.disconnect();
  }
}
