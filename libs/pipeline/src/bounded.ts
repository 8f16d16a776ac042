/**
 * Bounded stages: a counting semaphore, a pool of reusable buffers built on it, and an order-keeping map with a
 * concurrency limit. Every stage of the worker holds a bounded amount of work; these are the bounds.
 */

/** A counting semaphore; permits go to waiters in arrival order (no barging), so no caller starves. */
export class Semaphore {
  #available: number;
  readonly #waiters: (() => void)[] = [];

  constructor(permits: number) {
    if (!Number.isInteger(permits) || permits < 1)
      throw new RangeError(`permits must be an integer >= 1, got ${permits}`);
    this.#available = permits;
  }

  /** Permits free now. */
  get available(): number {
    return this.#available;
  }

  /** Callers waiting for a permit. */
  get waiting(): number {
    return this.#waiters.length;
  }

  /** Resolves once the caller holds a permit; pair with exactly one `release()`. */
  acquire(): Promise<void> {
    if (this.#available > 0) {
      this.#available--;
      return Promise.resolve();
    }
    return new Promise<void>((resolve) => this.#waiters.push(resolve));
  }

  /** Returns a permit, handing it straight to the oldest waiter if there is one. */
  release(): void {
    const next = this.#waiters.shift();
    if (next) next();
    else this.#available++;
  }

  /** Runs `fn` holding a permit, releasing it however `fn` ends. */
  async use<R>(fn: () => Promise<R>): Promise<R> {
    await this.acquire();
    try {
      return await fn();
    } finally {
      this.release();
    }
  }
}

/**
 * A fixed set of reusable resources (e.g. preprocessed-pixel slots): `acquire` waits while all are taken, which is
 * how memory stays bounded however many images are in flight.
 */
export class Pool<T> {
  readonly #free: T[];
  readonly #permits: Semaphore;
  readonly size: number;

  constructor(items: readonly T[]) {
    this.#free = [...items];
    this.size = items.length;
    this.#permits = new Semaphore(items.length);
  }

  /** Resources free now. */
  get available(): number {
    return this.#permits.available;
  }

  /** Resolves with a resource once one is free; give it back with `release`. */
  async acquire(): Promise<T> {
    await this.#permits.acquire();
    return this.#free.pop() as T;
  }

  /** Gives a resource back to the pool. */
  release(item: T): void {
    this.#free.push(item);
    this.#permits.release();
  }
}

/**
 * Maps `fn` over `items` with at most `concurrency` calls running, pulling items lazily, and returns the results in
 * input order. On the first failure no new item starts; the calls already running settle, the iterator is closed,
 * and the first error is thrown (so no work is left running behind the caller's back).
 */
export async function mapBounded<T, R>(
  items: Iterable<T> | AsyncIterable<T>,
  concurrency: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new RangeError(`concurrency must be an integer >= 1, got ${concurrency}`);
  }
  const iterator: Iterator<T> | AsyncIterator<T> =
    Symbol.asyncIterator in items ? items[Symbol.asyncIterator]() : items[Symbol.iterator]();
  const results: R[] = [];
  let nextIndex = 0;
  let done = false;
  let failure: { error: unknown } | undefined;

  const lane = async (): Promise<void> => {
    while (!done && !failure) {
      // Taken before the await so indices follow the iterator's order whichever lane resumes first.
      const index = nextIndex++;
      const step = await iterator.next();
      if (step.done) {
        done = true;
        return;
      }
      try {
        results[index] = await fn(step.value, index);
      } catch (error) {
        failure ??= { error };
      }
    }
  };

  await Promise.all(Array.from({ length: concurrency }, lane));
  if (failure) {
    await iterator.return?.();
    throw failure.error;
  }
  return results;
}
