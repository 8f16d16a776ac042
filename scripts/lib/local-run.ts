/**
 * Local runs for the integration suites and the end-to-end bench: spawn real `metaclip-worker` processes, enqueue
 * runs with the jobs library, wait for the run store to say a run finished, and read its output back.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  createQueue,
  DEFAULT_TEMPLATES,
  enqueueRun,
  isTerminal,
  modelKey,
  pairSidecars,
  type RunSpec,
  type RunState,
  RunStore,
  runKey,
  shortHash,
} from '@metaclip-batch/jobs';
import {
  decodeNpy,
  isImageKey,
  npyFloat32,
  readParquet,
  type StorageOptions,
  storageFor,
} from '@metaclip-batch/storage';
import type { Redis } from 'ioredis';

const here = path.dirname(fileURLToPath(import.meta.url));
export const repoRoot = path.resolve(here, '../..');
export const sharedDir = path.resolve(repoRoot, '../shared');
export const tinyModelDir = path.join(sharedDir, 'fixtures', 'tiny-clip');
export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const WORKER_BIN = path.join(repoRoot, 'apps/worker/bin/metaclip-worker.cjs');

/** A spawned worker process. */
export interface WorkerProcess {
  name: string;
  proc: ChildProcess;
  /** Its log lines (JSON from pino), as they came. */
  logs: string[];
  /** Resolves when it logged `worker ready`; rejects if it exits first. */
  ready: Promise<void>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * Starts `metaclip-worker` with `args` (add `--model`, `--queue`, ...; `--threads 1`, `--metrics-port 0` and a name
 * are added) and `env` on top of this process's environment.
 */
export function spawnWorker(name: string, args: string[], env: Record<string, string> = {}): WorkerProcess {
  const proc = spawn(process.execPath, [WORKER_BIN, '--threads', '1', '--metrics-port', '0', '--name', name, ...args], {
    cwd: repoRoot,
    env: { ...process.env, LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: string[] = [];
  const exited = once(proc, 'exit').then(([code, signal]) => ({
    code: code as number | null,
    signal: signal as NodeJS.Signals | null,
  }));
  const ready = new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      for (const line of chunk.toString().split('\n')) {
        if (line.trim() === '') continue;
        logs.push(line);
        if (line.includes('"msg":"worker ready"')) resolve();
      }
    };
    proc.stdout?.on('data', onData);
    proc.stderr?.on('data', onData);
    void exited.then(({ code, signal }) =>
      reject(new Error(`worker ${name} exited (code ${code}, signal ${signal}) before ready:\n${logs.join('\n')}`)),
    );
  });
  ready.catch(() => {});
  return { name, proc, logs, ready, exited };
}

/** SIGKILLs every worker still running and waits for it: call in `afterAll`. */
export async function killAll(workers: readonly WorkerProcess[]): Promise<void> {
  await Promise.all(
    workers.map(async (w) => {
      if (w.proc.exitCode === null && w.proc.signalCode === null) w.proc.kill('SIGKILL');
      await w.exited;
    }),
  );
}

/** Options of {@link enqueueSource}. */
export interface EnqueueOptions {
  redis: Redis;
  runId: string;
  queue: string;
  source: string;
  output: string;
  labels: string[];
  shardSize: number;
  storage?: StorageOptions;
  embedDtype?: RunSpec['embedDtype'];
  /** Default: the tiny fixture model. */
  model?: string;
}

/** Lists `source` (images, with their caption sidecars) and enqueues it as a run, as the producer does. */
export async function enqueueSource(opts: EnqueueOptions): Promise<RunState> {
  const store = new RunStore(opts.redis);
  const queue = createQueue(opts.queue, opts.redis);
  try {
    const objects = pairSidecars(storageFor(opts.source, opts.storage).list(opts.source), {
      isImage: isImageKey,
      ordered: true,
    });
    const spec: RunSpec = {
      runId: opts.runId,
      queue: opts.queue,
      source: opts.source,
      output: opts.output,
      model: modelKey(opts.model ?? tinyModelDir),
      labels: opts.labels,
      templates: [...DEFAULT_TEMPLATES],
      topK: Math.min(3, opts.labels.length),
      embedDtype: opts.embedDtype ?? 'float32',
      shardSize: opts.shardSize,
      createdAt: Date.now(),
    };
    const result = await enqueueRun({ queue, store, spec, objects, highWater: 10_000 });
    return result.state;
  } finally {
    await queue.close();
  }
}

/** Polls the run store until the run is completed, failed or cancelled (or `timeoutMs` passes: a hung test). */
export async function waitForRun(redis: Redis, runId: string, timeoutMs = 240_000): Promise<RunState> {
  const store = new RunStore(redis);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const state = await store.require(runId);
    if (isTerminal(state.status)) return state;
    if (Date.now() > deadline) throw new Error(`run ${runId} still ${state.status} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** Resolves once `predicate` holds (polled), or rejects after `timeoutMs`. */
export async function until(predicate: () => Promise<boolean> | boolean, what: string, timeoutMs = 120_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** One embedded image as the output files hold it. */
export interface OutputRow {
  image_path: string;
  caption: string | null;
  label: string;
  labels: string[];
  scores: number[];
  width: number;
  height: number;
  embedding: Float32Array;
  shardFile: string;
}

/** Reads every shard's metadata, embeddings and errors of a run, and its manifest. */
export async function readRunOutput(output: string, runId: string, storageOpts?: StorageOptions) {
  const storage = storageFor(output, storageOpts);
  const root = `${output.replace(/\/+$/, '')}/${runId}/`;
  const rows: OutputRow[] = [];
  const errors: { image_path: string; error: string }[] = [];
  const files: string[] = [];
  const embedDtypes = new Set<string>();
  for await (const obj of storage.list(root)) files.push(obj.uri);
  for (const uri of files.filter((f) => f.includes('/metadata/metadata_'))) {
    const meta = await readParquet(await storage.get(uri));
    const npy = decodeNpy(
      await storage.get(uri.replace('/metadata/metadata_', '/img_emb/img_emb_').replace(/\.parquet$/, '.npy')),
    );
    embedDtypes.add(npy.dtype);
    const dim = npy.shape[1] ?? 0;
    const embeddings = npyFloat32(npy); // float16 or float32, as the run was asked to write
    if (npy.shape[0] !== meta.length)
      throw new Error(`${uri}: ${meta.length} metadata rows but ${npy.shape[0]} embeddings`);
    meta.forEach((row, i) => {
      rows.push({
        ...(row as Omit<OutputRow, 'embedding' | 'shardFile'>),
        embedding: embeddings.slice(i * dim, (i + 1) * dim),
        shardFile: uri,
      });
    });
  }
  for (const uri of files.filter((f) => f.includes('/errors/errors_'))) {
    errors.push(...((await readParquet(await storage.get(uri))) as { image_path: string; error: string }[]));
  }
  const manifestUri = files.find((f) => f.endsWith('/manifest.json'));
  const manifest = manifestUri ? JSON.parse((await storage.get(manifestUri)).toString('utf8')) : null;
  return { rows, errors, files, manifest, embedDtypes };
}

/** Removes a test's queue and run from Redis (BullMQ keys, run store keys and index entries). */
export async function cleanupRedis(redis: Redis, queue: string, runId: string, source: string): Promise<void> {
  const q = createQueue(queue, redis);
  try {
    await q.obliterate({ force: true });
  } finally {
    await q.close();
  }
  const keys: string[] = [];
  for (const pattern of [runKey('metaclip', runId), runKey('metaclip', runId, '*')]) {
    let cursor = '0';
    do {
      const [next, batch] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      keys.push(...batch);
      cursor = next;
    } while (cursor !== '0');
  }
  if (keys.length > 0) await redis.del(...keys);
  await redis.zrem('metaclip:runs', runId);
  await redis.zrem(`metaclip:source:${shortHash(source)}:runs`, runId);
}

/**
 * The sorted source URIs of the images a run wrote (one entry per metadata row, so a duplicate shows) and of its
 * error rows: compare them to the expected lists with `toEqual` to prove every image was written exactly once.
 */
export function writtenUris(out: Awaited<ReturnType<typeof readRunOutput>>) {
  return {
    images: out.rows.map((r) => r.image_path).sort(),
    errors: out.errors.map((e) => e.image_path).sort(),
  };
}
