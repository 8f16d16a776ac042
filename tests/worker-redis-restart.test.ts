/**
 * Redis goes away mid-run and comes back: the suite runs its own redis-server (append-only file, so jobs survive),
 * kills it while two workers are busy, restarts it on the same port, and the run still completes with every image
 * written exactly once.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { RunStore } from '@metaclip-batch/jobs';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  enqueueSource,
  killAll,
  readRunOutput,
  spawnWorker,
  until,
  type WorkerProcess,
  waitForRun,
  writtenUris,
} from '../scripts/lib/local-run';
import { type ImageCorpus, makeImageCorpus } from './helpers/image-corpus';

const tinyModelDir = inject('sharedFixtures').tinyClip;

const id = `worker-redis-restart-${process.pid}-${Date.now()}`;

async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return port;
}

/** A redis-server of our own whose data (AOF, fsynced on every write) outlives a SIGKILL. */
async function startRedis(port: number, dir: string): Promise<ChildProcess> {
  const proc = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'yes', '--appendfsync', 'always'],
    { cwd: dir, stdio: 'ignore' },
  );
  let failed: Error | undefined;
  proc.once('error', (err) => {
    failed = err;
  });
  const probe = new Redis(port, '127.0.0.1', { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  probe.on('error', () => {}); // refused until the server listens: expected while polling
  try {
    await until(
      () => {
        if (failed) throw new Error(`cannot start redis-server (is it installed?): ${failed.message}`);
        return probe.connect().then(
          () => probe.ping().then(() => true),
          () => false,
        );
      },
      `redis-server on port ${port}`,
      30_000,
    );
  } finally {
    probe.disconnect();
  }
  return proc;
}

async function stopRedis(proc: ChildProcess | undefined): Promise<void> {
  if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
  const exited = once(proc, 'exit');
  proc.kill('SIGKILL');
  await exited;
}

describe('workers through a Redis restart', () => {
  let tmp: string;
  let corpus: ImageCorpus;
  let port: number;
  let server: ChildProcess | undefined;
  let redis: Redis;
  const workers: WorkerProcess[] = [];

  beforeAll(async () => {
    tmp = await mkdtemp(path.join(tmpdir(), 'worker-redis-restart-'));
    corpus = await makeImageCorpus(tmp, { limit: 120 });
    port = await freePort();
    server = await startRedis(port, tmp);
    redis = new Redis(port, '127.0.0.1', { maxRetriesPerRequest: null });
    redis.on('error', () => {}); // the outage below is on purpose; commands wait for the reconnect
  });

  afterAll(async () => {
    await killAll(workers);
    redis?.disconnect();
    await stopRedis(server);
    await rm(tmp, { recursive: true, force: true });
  });

  it('completes the run after Redis is killed and restarted on the same port', async () => {
    const source = path.join(tmp, 'images');
    const output = path.join(tmp, 'out');
    const listed = await enqueueSource({
      redis,
      runId: id,
      queue: id,
      source,
      output,
      labels: ['a', 'b'],
      shardSize: 8,
    });
    const redisUrl = `redis://127.0.0.1:${port}`;
    const args = ['--model', tinyModelDir, '--queue', id, '--redis-url', redisUrl, '--concurrency', '2'];
    for (const n of [0, 1]) {
      workers.push(spawnWorker(`${id}-w${n}`, args, { METACLIP_CACHE: path.join(tmp, 'model-cache') }));
    }
    await Promise.all(workers.map((w) => w.ready));

    const store = new RunStore(redis);
    let doneBefore = 0;
    await until(async () => {
      doneBefore = (await store.require(id)).shardsDone;
      return doneBefore >= 2;
    }, 'two shards done');
    await stopRedis(server);
    expect(doneBefore).toBeLessThan(listed.shardsTotal);
    // Down long enough for every worker to notice (its blocking fetch of the next job fails) before it returns.
    await until(
      () => workers.every((w) => w.logs.some((l) => l.includes('redis connection error'))),
      'the workers to lose Redis',
      30_000,
    );
    server = await startRedis(port, tmp);

    const state = await waitForRun(redis, id);
    expect(state.status).toBe('completed');
    expect(state.shardsDone).toBe(listed.shardsTotal);
    const out = writtenUris(await readRunOutput(output, id));
    expect(out.images).toEqual(corpus.valid);
    expect(out.errors).toEqual(corpus.bad);
    for (const w of workers) expect(w.proc.exitCode).toBeNull();
  });
});
