import { inflateRawSync } from 'node:zlib';
import { Cursor, orcError } from './protobuf.ts';

/** The codecs of ORC's PostScript, by enum value; only NONE and ZLIB are read. */
const CODECS = ['NONE', 'ZLIB', 'SNAPPY', 'LZO', 'LZ4', 'ZSTD'] as const;

/** How a file's streams and footer are compressed. */
export interface Compression {
  codec: 'NONE' | 'ZLIB';
  /** The largest chunk a stream is cut into, uncompressed. */
  blockSize: number;
}

/**
 * Pure: the PostScript's codec, or a FormatError naming one this reader does not decode (S3 Inventory's ORC is
 * ZLIB; node has no SNAPPY, LZO, LZ4 or ZSTD raw decoder built in).
 */
export function compressionOf(kind: number, blockSize: number): Compression {
  const codec = CODECS[kind];
  if (codec === 'NONE' || codec === 'ZLIB') return { codec, blockSize };
  throw orcError(`${codec ?? `codec ${kind}`} compression is not supported (ZLIB and NONE are)`);
}

/**
 * Pure: one stream's (or the footer's) bytes uncompressed. With a codec the stream is a run of chunks, each with a
 * 3-byte little-endian header `length * 2 + original`: an original chunk is stored as is, the others are raw deflate.
 */
export function decompress(bytes: Uint8Array, compression: Compression): Uint8Array {
  if (compression.codec === 'NONE') return bytes;
  const parts: Uint8Array[] = [];
  const c = new Cursor(bytes);
  while (!c.done) {
    const header = c.byte() | (c.byte() << 8) | (c.byte() << 16);
    const chunk = c.take(header >>> 1);
    if (header & 1) parts.push(chunk);
    else {
      try {
        parts.push(inflateRawSync(chunk, { maxOutputLength: compression.blockSize }));
      } catch (err) {
        throw orcError(`bad ZLIB chunk (${(err as Error).message})`);
      }
    }
  }
  return parts.length === 1 ? (parts[0] as Uint8Array) : Buffer.concat(parts);
}
