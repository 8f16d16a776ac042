/**
 * Images per shard when none is asked for: 1,000.
 *
 * Why shards at all: one BullMQ job per image cannot hold 100M images in Redis (each job is a hash of ~1 KB plus
 * list entries), and it makes every image pay a queue round trip. Why 1,000: a shard is the unit of output files and
 * of redelivery. At 1,000 images a shard is a few seconds of GPU time (so a crashed worker loses little and the
 * batcher still sees several shards in flight), its job payload is ~75 KB of URIs, and its outputs are reasonably
 * sized objects: `img_emb_<shard>.npy` of 1,000 x 512 x 4 B = 2 MB (1 MB as float16) plus a small parquet. 100M
 * images become 100k jobs, which Redis holds comfortably.
 */
export const DEFAULT_SHARD_SIZE = 1000;

/** One planned shard: its number (0-based, in listing order) and its items. */
export interface PlannedShard<T> {
  shard: number;
  items: T[];
}

/**
 * Group a stream of items into consecutive shards of `shardSize` (the last one may be shorter). Streaming: only one
 * shard is held in memory. Deterministic: the same items in the same order always give the same shards, which is what
 * makes job ids (and thus re-enqueues) idempotent.
 *
 * @param firstShard - number of the first shard (default 0).
 */
export async function* planShards<T>(
  items: AsyncIterable<T> | Iterable<T>,
  shardSize: number,
  firstShard = 0,
): AsyncGenerator<PlannedShard<T>> {
  if (!Number.isSafeInteger(shardSize) || shardSize < 1) {
    throw new RangeError(`shard size must be a positive integer: ${shardSize}`);
  }
  let shard = firstShard;
  for await (const group of chunk(items, shardSize)) yield { shard: shard++, items: group };
}

/** Group any stream into arrays of at most `size` (used to chunk `addBulk` calls). */
export async function* chunk<T>(items: AsyncIterable<T> | Iterable<T>, size: number): AsyncGenerator<T[]> {
  let current: T[] = [];
  for await (const item of items) {
    current.push(item);
    if (current.length >= size) {
      yield current;
      current = [];
    }
  }
  if (current.length > 0) yield current;
}
