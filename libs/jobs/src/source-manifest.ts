import { endianness } from 'node:os';
import type { RedisClient } from './redis.ts';
import { objectFingerprint, type SourceObject } from './select.ts';

/**
 * How long a run's source manifest is kept: 35 days. Nightly runs refresh it every day; a source left alone longer
 * gets a full run next time, which is the safe direction (reprocessing, never skipping).
 */
export const SOURCE_MANIFEST_TTL_SECONDS = 35 * 24 * 3600;

// Digests are stored and searched as little-endian u64 lanes; every platform Node ships on for servers is one.
if (endianness() !== 'LE') throw new Error('source manifests need a little-endian platform');

/** LRANGE page size when loading a manifest: bounds one reply to ~8 MB with shard-sized chunks. */
const LOAD_PAGE = 1024;

/**
 * 64-bit digest of (URI, fingerprint) as two 32-bit lanes (cyrb53's mixing, all 64 bits kept), written at `out[2i]`
 * (low) and `out[2i + 1]` (high): the little-endian layout of a `BigUint64Array`. A non-cryptographic hash on
 * purpose: SHA-1 per object made recording the manifest the slowest step of enqueuing. Two different versions collide
 * with probability ~n/2^64 per lookup (5e-12 against 100M objects), and a collision can only make one object look
 * unchanged; nobody adversarial names the objects of one's own bucket.
 */
function digestInto(obj: SourceObject, out: Uint32Array, i: number): void {
  h1 = 0xdeadbeef;
  h2 = 0x41c6ce57;
  mix(obj.uri);
  mix('\n');
  mix(objectFingerprint(obj));
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507);
  h1 ^= Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507);
  h2 ^= Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  out[2 * i] = h1 >>> 0;
  out[2 * i + 1] = h2 >>> 0;
}

// Hash state of digestInto, module-level so the hot loop allocates nothing (JS runs it on one thread).
let h1 = 0;
let h2 = 0;
function mix(text: string): void {
  for (let k = 0; k < text.length; k++) {
    const ch = text.charCodeAt(k);
    h1 = Math.imul(h1 ^ ch, 2654435761);
    h2 = Math.imul(h2 ^ ch, 1597334677);
  }
}

/** Pack the digests of a batch of objects into one binary chunk (8 bytes each, little-endian u64). */
export function encodeDigests(objects: readonly SourceObject[]): Buffer {
  const out = new Uint32Array(objects.length * 2);
  for (let i = 0; i < objects.length; i++) digestInto(objects[i] as SourceObject, out, i);
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
  /** The sorted digests as 32-bit lanes (low, high per digest), so lookups need no BigInt. */
  private readonly lanes: Uint32Array;
  private readonly probe = new Uint32Array(2);

  private constructor(sorted: BigUint64Array) {
    this.lanes = new Uint32Array(sorted.buffer, sorted.byteOffset, sorted.length * 2);
  }

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
  static async load(redis: RedisClient, key: string): Promise<SourceManifest | null> {
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
    return this.lanes.length / 2;
  }

  /** True when the object's URI was not listed by that run, or its fingerprint differs. */
  isNewOrChanged(obj: SourceObject): boolean {
    digestInto(obj, this.probe, 0);
    const lo = this.probe[0] as number;
    const hi = this.probe[1] as number;
    let a = 0;
    let b = this.size - 1;
    while (a <= b) {
      const mid = (a + b) >>> 1;
      const midHi = this.lanes[2 * mid + 1] as number;
      const midLo = this.lanes[2 * mid] as number;
      if (midHi === hi && midLo === lo) return false;
      if (midHi < hi || (midHi === hi && midLo < lo)) a = mid + 1;
      else b = mid - 1;
    }
    return true;
  }
}
