import {
  adaptBatchDelay,
  type BatchPolicy,
  type DelayBounds,
  decideBatch,
  validateBatchPolicy,
} from './batch-policy.ts';
import { BatcherClosedError, BatchResultError } from './errors.ts';

/** What one dispatched batch did; handed to `onBatch` for metrics. */
export interface BatchStats {
  /** Items in the batch. */
  size: number;
  /** How long the batch's oldest item waited in the queue, in ms. */
  queueMs: number;
  /** How long `run` took, in ms. */
  runMs: number;
  /** The error `run` failed with, if it did. */
  error?: unknown;
}

/** Options of a {@link DynamicBatcher}. */
export interface DynamicBatcherOptions<T, R> {
  policy: BatchPolicy;
  /** Items the queue holds before `submit` waits for space (>= policy.maxBatch, or no batch could fill). */
  maxQueue: number;
  /** Batches run at once (default 1); while they run the next batch assembles in the queue. */
  inflight?: number;
  /** Runs one batch; returns one result per item, in order. A rejection fails exactly this batch's items. */
  run: (items: T[]) => Promise<R[]>;
  /** Called after every batch, success or failure (for metrics); must not throw. */
  onBatch?: (stats: BatchStats) => void;
  /**
   * Let `policy.maxDelayMs` follow the model: after every batch it moves towards that batch's run time, within these
   * bounds ({@link adaptBatchDelay}). Absent: the delay stays as configured.
   */
  adaptiveDelay?: DelayBounds;
}

interface Entry<T, R> {
  item: T;
  /** When the item entered the queue (not when it was submitted: a blocked item has not been queued yet). */
  queuedAt: number;
  resolve: (result: R) => void;
  reject: (error: unknown) => void;
}

/**
 * Groups items submitted one at a time, from any number of callers, into batches for one `run` function (a model
 * session), and hands each caller its own result. Batches form by size and by delay as {@link decideBatch} says;
 * the queue is bounded (a `submit` beyond `maxQueue` waits for space, in arrival order); at most `inflight` batches
 * run at once; a failed batch rejects its own items and no others. Modelled on Triton's dynamic batcher.
 */
export class DynamicBatcher<T, R> {
  #policy: BatchPolicy;
  readonly #adaptiveDelay: DelayBounds | undefined;
  readonly #maxQueue: number;
  readonly #inflight: number;
  readonly #run: (items: T[]) => Promise<R[]>;
  readonly #onBatch: ((stats: BatchStats) => void) | undefined;
  readonly #queue: Entry<T, R>[] = [];
  /** Submitted while the queue was full; admitted in order as batches leave. */
  readonly #blocked: Entry<T, R>[] = [];
  #running = 0;
  #timer: NodeJS.Timeout | undefined;
  #pumpQueued = false;
  #closing = false;
  #drained: { promise: Promise<void>; resolve: () => void } | undefined;

  constructor(options: DynamicBatcherOptions<T, R>) {
    validateBatchPolicy(options.policy);
    const inflight = options.inflight ?? 1;
    if (!Number.isInteger(inflight) || inflight < 1) throw new RangeError(`inflight must be >= 1, got ${inflight}`);
    if (!Number.isInteger(options.maxQueue) || options.maxQueue < options.policy.maxBatch) {
      throw new RangeError(
        `maxQueue (${options.maxQueue}) must be an integer >= maxBatch (${options.policy.maxBatch})`,
      );
    }
    this.#policy = options.policy;
    this.#adaptiveDelay = options.adaptiveDelay;
    this.#maxQueue = options.maxQueue;
    this.#inflight = inflight;
    this.#run = options.run;
    this.#onBatch = options.onBatch;
  }

  /** The delay a partial batch waits now (moves with the model when `adaptiveDelay` is set). */
  get delayMs(): number {
    return this.#policy.maxDelayMs;
  }

  /** Items waiting in the queue for a batch. */
  get queued(): number {
    return this.#queue.length;
  }

  /** Submissions waiting for queue space (backpressure). */
  get blocked(): number {
    return this.#blocked.length;
  }

  /** Batches running now. */
  get running(): number {
    return this.#running;
  }

  /**
   * Queues one item and resolves with its result once its batch has run. When the queue is full the item waits for
   * space first. Rejects with the batch's error if its batch fails, or `BatcherClosedError` after `close()`.
   */
  submit(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      if (this.#closing) {
        reject(new BatcherClosedError());
        return;
      }
      const entry: Entry<T, R> = { item, queuedAt: 0, resolve, reject };
      if (this.#blocked.length > 0 || this.#queue.length >= this.#maxQueue) {
        this.#blocked.push(entry);
        return;
      }
      this.#enqueue(entry);
      this.#pumpSoon();
    });
  }

  /**
   * Stops taking new items and resolves once everything already submitted (blocked submissions included) has run,
   * dispatching partial batches without waiting for the delay.
   */
  close(): Promise<void> {
    this.#closing = true;
    this.#drained ??= withResolvers();
    this.#pump();
    return this.#drained.promise;
  }

  #enqueue(entry: Entry<T, R>): void {
    entry.queuedAt = Date.now();
    this.#queue.push(entry);
  }

  /**
   * Decides once the current synchronous run of submissions is over, so items submitted in the same tick share a
   * batch even with a zero delay.
   */
  #pumpSoon(): void {
    if (this.#pumpQueued) return;
    this.#pumpQueued = true;
    queueMicrotask(() => {
      this.#pumpQueued = false;
      this.#pump();
    });
  }

  /** Dispatches every batch the policy allows now, then sleeps until the policy's next deadline. */
  #pump(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    while (this.#running < this.#inflight) {
      const oldest = this.#queue[0];
      const decision = decideBatch({
        queued: this.#queue.length,
        oldestAgeMs: oldest ? Date.now() - oldest.queuedAt : 0,
        policy: this.#policy,
        draining: this.#closing,
      });
      if ('waitMs' in decision) {
        if (Number.isFinite(decision.waitMs)) this.#timer = setTimeout(() => this.#pump(), decision.waitMs);
        break;
      }
      const batch = this.#queue.splice(0, decision.take);
      while (this.#blocked.length > 0 && this.#queue.length < this.#maxQueue) {
        this.#enqueue(this.#blocked.shift() as Entry<T, R>);
      }
      void this.#dispatch(batch);
    }
    if (this.#closing && this.#running === 0 && this.#queue.length === 0) this.#drained?.resolve();
  }

  async #dispatch(batch: Entry<T, R>[]): Promise<void> {
    this.#running++;
    const started = Date.now();
    const queueMs = started - (batch[0]?.queuedAt ?? started);
    let outcome: { results: R[] } | { error: unknown };
    try {
      const results = await this.#run(batch.map((entry) => entry.item));
      if (results.length !== batch.length) throw new BatchResultError(batch.length, results.length);
      outcome = { results };
    } catch (error) {
      outcome = { error };
    }
    this.#running--;
    if (this.#adaptiveDelay) {
      const maxDelayMs = adaptBatchDelay(this.#policy.maxDelayMs, Date.now() - started, this.#adaptiveDelay);
      this.#policy = { ...this.#policy, maxDelayMs };
    }
    const stats: BatchStats = { size: batch.length, queueMs, runMs: Date.now() - started };
    if ('error' in outcome) stats.error = outcome.error;
    this.#onBatch?.(stats);
    batch.forEach((entry, i) => {
      if ('results' in outcome) entry.resolve(outcome.results[i] as R);
      else entry.reject(outcome.error);
    });
    this.#pump();
  }
}

function withResolvers(): { promise: Promise<void>; resolve: () => void } {
  let resolve: () => void = () => {};
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}
