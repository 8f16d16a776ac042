/**
 * Fanned-out S3 listing. One paginated ListObjectsV2 stream does about 10k keys/s (one round trip per 1,000 keys), so
 * a billion-object bucket takes more than a day to list. Keys under different `/` sub-prefixes are disjoint,
 * contiguous key ranges, so they can be listed at once: first discover sub-prefixes with delimiter listings, then list
 * the partitions in parallel (bounded) and hand them on in key order. The result is the single stream's: the same
 * objects in the same order, so a shard plan built from it is the same one and a re-run enqueues nothing new.
 */
import type { S3Storage } from './s3.ts';
import type { ListOptions, ObjectInfo } from './types.ts';

/** Options of {@link listFannedOut}. */
export interface FanOutOptions extends Pick<ListOptions, 'pageSize' | 'signal'> {
  /** ListObjectsV2 requests in flight at once (discovery and listing alike). */
  parallelism: number;
  /** Discovery stops once it has this many sub-prefixes (default 8 x parallelism: skewed prefixes still balance). */
  targetPartitions?: number;
  /** How many `/` levels below the prefix discovery may descend (default 4). */
  maxDepth?: number;
  /** Pages each partition may list ahead of the consumer (default 4): bounds memory to parallelism x 4,000 keys. */
  pagesAhead?: number;
  /**
   * A level with more objects directly in it than this (default 10,000) is listed as one flat partition instead of
   * being split: its objects would otherwise be held in memory to keep them in key order between the sub-prefixes.
   */
  maxDirectObjects?: number;
}

/** One contiguous key range of the listing: a single object found by discovery, or a whole sub-prefix. */
type Partition = { object: ObjectInfo } | { prefix: string };

/** Bytewise (UTF-8) order, as S3 sorts keys. */
function compareKeys(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

/** Bounded number of requests in flight. */
class Permits {
  private free: number;
  private readonly waiting: (() => void)[] = [];

  constructor(count: number) {
    this.free = count;
  }

  async use<T>(fn: () => Promise<T>): Promise<T> {
    if (this.free > 0) this.free--;
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
    try {
      return await fn();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.free++;
    }
  }
}

/**
 * One level of a prefix: its direct objects and sub-prefixes in key order, or null when it has too many direct
 * objects to split (then it stays one flat partition).
 */
async function discoverLevel(s3: S3Storage, prefix: string, permits: Permits, opts: FanOutOptions) {
  const objects: ObjectInfo[] = [];
  const prefixes = new Set<string>();
  let token: string | undefined;
  do {
    const page = await permits.use(() =>
      s3.listPage(prefix, { token, delimiter: '/', pageSize: opts.pageSize, signal: opts.signal }),
    );
    objects.push(...page.objects);
    if (objects.length > (opts.maxDirectObjects ?? 10_000)) return null;
    for (const p of page.prefixes) prefixes.add(p);
    token = page.next;
  } while (token !== undefined);
  // Sorted as a whole (and sub-prefixes de-duplicated), not page by page: S3 servers other than AWS's do not all
  // keep a delimiter listing's pages in one order.
  const entries: Partition[] = [...objects.map((object) => ({ object })), ...[...prefixes].map((p) => ({ prefix: p }))];
  return entries.sort((a, b) => compareKeys(startOf(a), startOf(b)));
}

function startOf(p: Partition): string {
  return 'object' in p ? p.object.uri : p.prefix;
}

/** Pure-ish: split `prefix` into partitions in key order, level by level, until there are enough of them. */
export async function discoverPartitions(s3: S3Storage, prefix: string, opts: FanOutOptions): Promise<Partition[]> {
  const permits = new Permits(opts.parallelism);
  const target = opts.targetPartitions ?? 8 * opts.parallelism;
  let partitions: Partition[] = [{ prefix }];
  // A sub-prefix found at the previous level can be split further; one already flat (too many objects) cannot.
  let splittable = new Set([prefix]);
  for (let depth = 0; depth < (opts.maxDepth ?? 4); depth++) {
    const open = partitions.filter((p) => 'prefix' in p && splittable.has(p.prefix)).length;
    if (open === 0 || partitions.filter((p) => 'prefix' in p).length >= target) break;
    const next = new Set<string>();
    const expanded = await Promise.all(
      partitions.map(async (p) => {
        if (!('prefix' in p) || !splittable.has(p.prefix)) return [p];
        const level = await discoverLevel(s3, p.prefix, permits, opts);
        if (level === null) return [p];
        for (const e of level) if ('prefix' in e) next.add(e.prefix);
        return level;
      }),
    );
    partitions = expanded.flat();
    splittable = next;
  }
  return partitions;
}

/** A partition listing itself ahead of its consumer into a bounded buffer of pages. */
class Prefetch {
  private readonly pages: ObjectInfo[][] = [];
  private finished = false;
  private stopped = false;
  private failure: unknown = null;
  private wake: (() => void) | null = null;
  private room: (() => void) | null = null;

  constructor(s3: S3Storage, prefix: string, permits: Permits, opts: FanOutOptions) {
    void this.run(s3, prefix, permits, opts);
  }

  private async run(s3: S3Storage, prefix: string, permits: Permits, opts: FanOutOptions): Promise<void> {
    try {
      let token: string | undefined;
      do {
        while (this.pages.length >= (opts.pagesAhead ?? 4) && !this.stopped) {
          await new Promise<void>((resolve) => {
            this.room = resolve;
          });
        }
        if (this.stopped) return;
        const page = await permits.use(() =>
          s3.listPage(prefix, { token, pageSize: opts.pageSize, signal: opts.signal }),
        );
        this.pages.push(page.objects);
        this.signal();
        token = page.next;
      } while (token !== undefined);
    } catch (err) {
      this.failure = err;
    } finally {
      this.finished = true;
      this.signal();
    }
  }

  private signal(): void {
    this.wake?.();
    this.wake = null;
  }

  stop(): void {
    this.stopped = true;
    this.room?.();
  }

  async *drain(): AsyncGenerator<ObjectInfo> {
    for (;;) {
      const page = this.pages.shift();
      if (page) {
        this.room?.();
        this.room = null;
        yield* page;
        continue;
      }
      if (this.failure) throw this.failure;
      if (this.finished) return;
      await new Promise<void>((resolve) => {
        this.wake = resolve;
      });
    }
  }
}

/**
 * Every object under `prefix`, in key order, listed over sub-prefixes with up to `opts.parallelism` requests at once.
 * Partitions start listing as soon as they are within `parallelism` of the one being handed on, so a fast consumer
 * sees up to `parallelism` times one stream's rate and memory stays bounded.
 */
export async function* listFannedOut(s3: S3Storage, prefix: string, opts: FanOutOptions): AsyncGenerator<ObjectInfo> {
  const partitions = await discoverPartitions(s3, prefix, opts);
  const permits = new Permits(opts.parallelism);
  const started: (Prefetch | undefined)[] = [];
  let next = 0;
  let active = 0;
  // Keep `parallelism` sub-prefix partitions listing ahead (single objects cost nothing).
  const fill = () => {
    for (; next < partitions.length && active < opts.parallelism; next++) {
      const p = partitions[next] as Partition;
      if ('prefix' in p) {
        started[next] = new Prefetch(s3, p.prefix, permits, opts);
        active++;
      }
    }
  };
  try {
    for (let i = 0; i < partitions.length; i++) {
      fill();
      const p = partitions[i] as Partition;
      if ('object' in p) {
        yield p.object;
        continue;
      }
      yield* (started[i] as Prefetch).drain();
      started[i] = undefined;
      active--;
    }
  } finally {
    for (const p of started) p?.stop();
  }
}
