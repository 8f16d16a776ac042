/**
 * A small least-recently-used cache of promises: concurrent callers of the same key share one computation, a failed
 * computation is forgotten (the next caller tries again), and at most `capacity` results are kept.
 */
export class AsyncLru<V> {
  readonly #entries = new Map<string, Promise<V>>();
  readonly #capacity: number;

  constructor(capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`capacity must be >= 1, got ${capacity}`);
    this.#capacity = capacity;
  }

  /** Entries held now. */
  get size(): number {
    return this.#entries.size;
  }

  /** The cached value of `key`, or the value `compute` makes for it (cached once it resolves without error). */
  get(key: string, compute: () => Promise<V>): Promise<V> {
    const cached = this.#entries.get(key);
    if (cached) {
      // Re-insert: a Map iterates in insertion order, so the first key is always the least recently used.
      this.#entries.delete(key);
      this.#entries.set(key, cached);
      return cached;
    }
    const entry = compute();
    this.#entries.set(key, entry);
    entry.catch(() => {
      if (this.#entries.get(key) === entry) this.#entries.delete(key);
    });
    for (const oldest of this.#entries.keys()) {
      if (this.#entries.size <= this.#capacity) break;
      this.#entries.delete(oldest);
    }
    return entry;
  }
}
