import { type Compression, compressionOf, decompress } from './compression.ts';
import { Cursor, messages, orcError, parseMessage, uint, uints } from './protobuf.ts';

// The file tail and stripe footers (ORCv1 spec, "File Tail" and "Stripes"), by their protobuf field numbers.

/** One type of the file's schema; column ids are the types' indexes (0 the root struct). */
export interface OrcType {
  /** The `Type.Kind` enum: 0 BOOLEAN, 4 LONG, 7 STRING, 9 TIMESTAMP, 12 STRUCT, 18 TIMESTAMP_INSTANT, ... */
  kind: number;
  subtypes: number[];
  fieldNames: string[];
}

/** Where one stripe lies in the file. */
export interface StripeInfo {
  offset: number;
  indexLength: number;
  dataLength: number;
  footerLength: number;
  rows: number;
}

/** What a reader needs of a file's tail. */
export interface OrcTail {
  compression: Compression;
  types: OrcType[];
  stripes: StripeInfo[];
  rows: number;
}

/** One stream of a stripe, its bytes still compressed. */
export interface OrcStream {
  /** The `Stream.Kind` enum: 0 PRESENT, 1 DATA, 2 LENGTH, 3 DICTIONARY_DATA, 5 SECONDARY, ... */
  kind: number;
  column: number;
  bytes: Uint8Array;
}

/** A stripe's footer: its streams (positioned) and each column's encoding. */
export interface StripeFooter {
  streams: OrcStream[];
  /** Per column: the `ColumnEncoding.Kind` (0 DIRECT, 1 DICTIONARY, 2 DIRECT_V2, 3 DICTIONARY_V2), dictionary size. */
  encodings: { kind: number; dictionarySize: number }[];
  writerTimezone: string;
}

const text = new TextDecoder();

/**
 * Pure: the tail of a whole ORC file: the last byte is the PostScript's length, the PostScript (never compressed)
 * gives the footer's length and the codec, and the footer the schema and the stripes.
 */
export function readTail(file: Uint8Array): OrcTail {
  if (file.length < 4 || text.decode(file.subarray(0, 3)) !== 'ORC') throw orcError('no ORC magic at the start');
  const psLength = file[file.length - 1] as number;
  const psStart = file.length - 1 - psLength;
  if (psStart < 3) throw orcError('PostScript longer than the file');
  const ps = parseMessage(file.subarray(psStart, file.length - 1));
  const magic = messages(ps, 8000)[0];
  if (magic !== undefined && text.decode(magic) !== 'ORC') throw orcError('PostScript magic is not ORC');
  const compression = compressionOf(uint(ps, 2), uint(ps, 3, 256 * 1024));
  const footerLength = uint(ps, 1);
  const footerStart = psStart - footerLength;
  if (footerStart < 3) throw orcError('footer longer than the file');
  const footer = parseMessage(decompress(file.subarray(footerStart, psStart), compression));
  const types = messages(footer, 4).map((bytes) => {
    const t = parseMessage(bytes);
    return { kind: uint(t, 1), subtypes: uints(t, 2), fieldNames: messages(t, 3).map((n) => text.decode(n)) };
  });
  const stripes = messages(footer, 3).map((bytes) => {
    const s = parseMessage(bytes);
    const stripe = {
      offset: uint(s, 1),
      indexLength: uint(s, 2),
      dataLength: uint(s, 3),
      footerLength: uint(s, 4),
      rows: uint(s, 5),
    };
    if (stripe.offset + stripe.indexLength + stripe.dataLength + stripe.footerLength > footerStart) {
      throw orcError('a stripe reaches past the footer');
    }
    return stripe;
  });
  return { compression, types, stripes, rows: uint(footer, 6) };
}

/** Pure: a stripe's footer, with each stream's bytes: streams lie back to back from the stripe's start, in order. */
export function readStripeFooter(file: Uint8Array, stripe: StripeInfo, compression: Compression): StripeFooter {
  const footerStart = stripe.offset + stripe.indexLength + stripe.dataLength;
  const footer = parseMessage(decompress(file.subarray(footerStart, footerStart + stripe.footerLength), compression));
  const body = new Cursor(file.subarray(stripe.offset, footerStart));
  const streams = messages(footer, 1).map((bytes) => {
    const s = parseMessage(bytes);
    return { kind: uint(s, 1), column: uint(s, 2), bytes: body.take(uint(s, 3)) };
  });
  const encodings = messages(footer, 2).map((bytes) => {
    const e = parseMessage(bytes);
    return { kind: uint(e, 1), dictionarySize: uint(e, 2) };
  });
  const zone = messages(footer, 3)[0];
  return { streams, encodings, writerTimezone: zone === undefined ? '' : text.decode(zone) };
}
