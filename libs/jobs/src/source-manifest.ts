import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import { objectFingerprint, type SourceObject } from './select';

/**
 * How long a run's source manifest is kept: 35 days. Nightly runs refresh it every day; a source left alone longer
 * gets a full run next time, which is the safe direction (reprocessing, never skipping).
 */
export const SOURCE_MANIFEST_TTL_SECONDS = 35 * 24 * 3600;

/** LRANGE page size when loading a manifest: bounds one reply to ~8 MB with shard-sized chunks. */
const LOAD_PAGE = 1024;

/**
 * 64-bit digest of (URI, fingerprint): the first 8 bytes of their SHA-1. Two different versions collide with
 * probability ~n/2^64 per lookup (5e-12 against 100M objects), and a collision can only make one object look
 * unchanged.
 */
export function objectDigest(obj: SourceObject): bigint {
  return createHash('sha1').update(obj.uri).update('\n').update(objectFingerprint(obj)).digest().readBigUInt64BE(0);
}

/** Pack the digests of a batch of objects into one binary chunk (8 bytes each, native byte order). */
export function encodeDigests(objects: readonly SourceObject[]): Buffer {
  const out = new BigUint64Array(objects.length);
  objects.forEach((o, i) => {
    out[i] = objectDigest(o);
  });
  return Buffer.from(out.buffer, out.byteOffset, out.byteLength);
}

/**
 * The set of object versions a run listed, answering "is this object new or changed since that run?".
 *
 * Why this shape: the manifest must scale to hundreds of millions of objects. A Redis hash of URI -> ETag costs ~100 B
 * per object in Redis and more in a JS Map; here each object is one 8-byte digest of (URI, fingerprint), stored in
 * Redis as binary chunks (8 MB per million objects) and held in memory as one sorted `BigUint64Array` searched by
 * bisection. It needs no write access to the output and no ordering guarantee from the listing.
 */
export class SourceManifest {
  private constructor(private readonly sorted: BigUint64Array) {}

  /** Build a manifest from binary chunks written by {@link encodeDigests}. */
  static fromChunks(chunks: readonly Uint8Array[]): SourceManifest {
    const bytes = new Uint8Array(chunks.reduce((n, c) => n + c.byteLength, 0));
    let at = 0;
    for (const c of chunks) {
      if (c.byteLength % 8 !== 0) throw new RangeError(`source manifest chunk of ${c.byteLength} bytes is corrupt`);
      bytes.set(c, at);
      at += c.byteLength;
    }
    return new SourceManifest(new BigUint64Array(bytes.buffer).sort());
  }

  /** Load the manifest stored under `key`, or null when there is none (never sealed, or expired). */
  static async load(redis: Redis, key: string): Promise<SourceManifest | null> {
    const length = await redis.llen(key);
    if (length === 0) return null;
    const chunks: Buffer[] = [];
    for (let start = 0; start < length; start += LOAD_PAGE) {
      chunks.push(...(await redis.lrangeBuffer(key, start, start + LOAD_PAGE - 1)));
    }
    return SourceManifest.fromChunks(chunks);
  }

  /** Number of object versions recorded. */
  get size(): number {
    return this.sorted.length;
  }

  /** Whether the exact digest was recorded. */
  has(digest: bigint): boolean {
    let lo = 0;
    let hi = this.sorted.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const v = this.sorted[mid] as bigint;
      if (v === digest) return true;
      if (v < digest) lo = mid + 1;
      else hi = mid - 1;
    }
    return false;
  }

  /** True when the object's URI was not listed by that run, or its fingerprint differs. */
  isNewOrChanged(obj: SourceObject): boolean {
    return !this.has(objectDigest(obj));
  }
}
