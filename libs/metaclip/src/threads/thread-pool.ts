/**
 * A fixed set of worker threads running one thread module (written with {@link serveTasks}), and the main-thread side
 * of their task protocol. The worker uses it to take CPU-heavy steps off the thread that runs BullMQ and the batcher:
 * image preprocessing, and onnxruntime-node's `session.run`, which blocks its thread for the whole run.
 *
 * Tasks go to the thread with the fewest unanswered ones. A thread that dies after its set-up fails only its own
 * tasks (with the retryable {@link ThreadExitedError}) and is replaced; a set-up that fails fails the pool's start.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { type TransferListItem, Worker } from 'node:worker_threads';
import { fromWire, ProjectError, registerWireErrors, type WireError } from '@metaclip-batch/errors';

/** main -> thread: one task. */
export interface TaskMessage<T> {
  id: number;
  task: T;
}

/** thread -> main: set-up done or failed, then one message per task. */
export type ThreadMessage<R> =
  | { kind: 'ready' }
  | { kind: 'failed'; error: WireError }
  | { kind: 'done'; id: number; result: R }
  | { kind: 'error'; id: number; error: WireError };

/** A thread stopped (crashed, or ran out of memory) with tasks unanswered; running them again may succeed. */
export class ThreadExitedError extends ProjectError {
  readonly code = 'THREAD_EXITED';
  readonly retryable = true;

  constructor(pool: string, detail: string) {
    super(`a ${pool} thread stopped (${detail}) before answering; its tasks can be retried`);
  }
}

registerWireErrors(ThreadExitedError);

/**
 * The thread module `name` (no extension) beside the module at `of` (its `import.meta.url`), in the same language:
 * `.js` in the compiled packages, `.ts` when the sources run (tests, the bench).
 */
export function siblingModule(name: string, of: string): URL {
  return new URL(`${name}${of.endsWith('.ts') ? '.ts' : '.js'}`, of);
}

/**
 * The first code of a thread whose module is TypeScript, which happens only when the sources run: Node 20 gives a
 * worker thread none of its parent's loader hooks (and vitest's transforms never reach threads), so the module goes
 * through tsx's API, a dev dependency present exactly then. Compiled threads start on their module directly.
 */
const TYPESCRIPT_THREAD = `
const { workerData } = require('node:worker_threads');
import(workerData.tsx).then(({ tsImport }) => tsImport(workerData.module, workerData.module));
`;

/**
 * The URL of tsx's ES module API, read from its package.json: require.resolve would give the CommonJS build, whose
 * tsImport cannot load a module inside a thread.
 */
function tsxEsmApi(): string {
  const manifest = createRequire(import.meta.url).resolve('tsx/package.json');
  const { exports } = JSON.parse(readFileSync(manifest, 'utf8')) as {
    exports: { './esm/api': { import: { default: string } } };
  };
  return pathToFileURL(path.join(path.dirname(manifest), exports['./esm/api'].import.default)).href;
}

/** Options of {@link ThreadPool.start}. */
export interface ThreadPoolOptions<D> {
  /** The thread module (`.js`, or `.ts` from the sources: see {@link siblingModule}); it must call `serveTasks`. */
  module: URL;
  /** Threads to run (at least 1). */
  size: number;
  /** Handed to each thread's set-up (structured clone: SharedArrayBuffers are shared, not copied). */
  data: D;
  /** Names the pool in thread names and errors, e.g. `preprocess`. */
  name: string;
  /** Told when a thread dies and is replaced (for logs). */
  onReplace?: (error: Error) => void;
}

interface Pending<R> {
  resolve: (result: R) => void;
  reject: (error: Error) => void;
}

/** One thread and its unanswered tasks. */
class Slot<R> {
  readonly pending = new Map<number, Pending<R>>();
  readonly ready: Promise<void>;
  #wasReady = false;

  constructor(
    readonly worker: Worker,
    pool: string,
    onDeath: (slot: Slot<R>, error: Error, wasReady: boolean) => void,
  ) {
    this.ready = new Promise<void>((resolve, reject) => {
      const die = (error: Error) => {
        reject(error);
        for (const task of this.pending.values()) task.reject(error);
        this.pending.clear();
        onDeath(this, error, this.#wasReady);
      };
      worker.on('message', (message: ThreadMessage<R>) => {
        if (message.kind === 'ready') {
          this.#wasReady = true;
          resolve();
        } else if (message.kind === 'failed') {
          reject(fromWire(message.error));
        } else {
          const task = this.pending.get(message.id);
          this.pending.delete(message.id);
          if (message.kind === 'done') task?.resolve(message.result);
          else task?.reject(fromWire(message.error));
        }
      });
      worker.on('error', (error) => die(new ThreadExitedError(pool, error.message)));
      worker.on('exit', (code) => {
        if (this.pending.size > 0 || !this.#wasReady) die(new ThreadExitedError(pool, `exit code ${code}`));
      });
    });
    // A set-up failure is reported by start(); a task never waits on a slot that failed before it was ready.
    this.ready.catch(() => {});
  }
}

/** Worker threads answering tasks of type `T` with results of type `R`. */
export class ThreadPool<T, R> {
  readonly #options: ThreadPoolOptions<unknown>;
  #slots: Slot<R>[] = [];
  #nextId = 0;
  #closing = false;

  private constructor(options: ThreadPoolOptions<unknown>) {
    this.#options = options;
  }

  /**
   * Starts `size` threads and waits for every set-up.
   * @throws whatever a thread's set-up threw (rebuilt as its class, e.g. `ProviderUnavailableError`); the other
   *   threads are stopped.
   */
  static async start<T, R, D>(options: ThreadPoolOptions<D>): Promise<ThreadPool<T, R>> {
    if (!Number.isInteger(options.size) || options.size < 1) {
      throw new RangeError(`a thread pool needs at least 1 thread, got ${options.size}`);
    }
    const pool = new ThreadPool<T, R>(options as ThreadPoolOptions<unknown>);
    pool.#slots = Array.from({ length: options.size }, (_, i) => pool.#spawn(i));
    try {
      await Promise.all(pool.#slots.map((slot) => slot.ready));
    } catch (error) {
      await pool.close();
      throw error;
    }
    return pool;
  }

  /** Threads in the pool. */
  get size(): number {
    return this.#slots.length;
  }

  /** Tasks sent and not yet answered. */
  get pending(): number {
    return this.#slots.reduce((n, slot) => n + slot.pending.size, 0);
  }

  /**
   * Runs `task` on the least busy thread. `transfer` lists buffers to move instead of copy (the caller must not use
   * them afterwards).
   * @throws what the thread's handler threw, rebuilt as its class; {@link ThreadExitedError} if the thread died.
   */
  async run(task: T, transfer: TransferListItem[] = []): Promise<R> {
    if (this.#closing) throw new Error(`the ${this.#options.name} thread pool is closed`);
    let slot = this.#slots[0] as Slot<R>;
    for (const s of this.#slots) if (s.pending.size < slot.pending.size) slot = s;
    // Counted as pending at once, so tasks sent together spread over the threads.
    const id = this.#nextId++;
    const result = new Promise<R>((resolve, reject) => slot.pending.set(id, { resolve, reject }));
    // A thread that never comes up rejects its pending tasks when it exits.
    await slot.ready.catch(() => {});
    if (slot.pending.has(id)) slot.worker.postMessage({ id, task } satisfies TaskMessage<T>, transfer);
    return result;
  }

  /** Stops every thread; tasks still unanswered fail with {@link ThreadExitedError}. */
  async close(): Promise<void> {
    this.#closing = true;
    await Promise.all(this.#slots.map((slot) => slot.worker.terminate()));
  }

  #spawn(index: number): Slot<R> {
    const { module, name, data } = this.#options;
    const typescript = module.pathname.endsWith('.ts');
    const worker = new Worker(typescript ? TYPESCRIPT_THREAD : module, {
      eval: typescript,
      name: `${name}-${index}`,
      workerData: { module: module.href, tsx: typescript ? tsxEsmApi() : undefined, data },
      // Not the parent's loader flags (tsx's would make Node 20 try, and fail, to load a .ts module itself); the
      // sources' threads import the other workspaces' sources too.
      execArgv: typescript ? ['--conditions=source'] : [],
    });
    return new Slot<R>(worker, name, (dead, error, wasReady) => {
      // Replace a thread that died while working; one that never came up would only die again.
      if (this.#closing || !wasReady) return;
      const at = this.#slots.indexOf(dead);
      if (at < 0) return;
      this.#options.onReplace?.(error);
      this.#slots[at] = this.#spawn(index);
    });
  }
}
