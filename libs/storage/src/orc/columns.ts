import { type Compression, decompress } from './compression.ts';
import type { OrcType, StripeFooter } from './metadata.ts';
import { orcError } from './protobuf.ts';
import { booleanRle, intRleV1, intRleV2 } from './rle.ts';

/** The `Type.Kind` values this reader decodes (S3 Inventory's column types). */
const KIND = { BOOLEAN: 0, SHORT: 2, INT: 3, LONG: 4, STRING: 7, TIMESTAMP: 9, VARCHAR: 16, CHAR: 17, INSTANT: 18 };
const STREAM = { PRESENT: 0, DATA: 1, LENGTH: 2, DICTIONARY_DATA: 3, SECONDARY: 5 };
/** ORC timestamps count seconds from 2015-01-01T00:00:00 (UTC for S3, whose writer zone is UTC). */
const EPOCH_2015 = Date.UTC(2015, 0, 1) / 1000;
const UTC_ZONES = new Set(['', 'UTC', 'GMT', 'Etc/UTC', 'Etc/GMT', 'Z']);

const utf8 = new TextDecoder();

/** One stripe's view of a column: its streams uncompressed on demand, and its encoding. */
class ColumnStreams {
  constructor(
    private readonly footer: StripeFooter,
    private readonly compression: Compression,
    readonly column: number,
  ) {}

  stream(kind: number): Uint8Array | undefined {
    const s = this.footer.streams.find((x) => x.column === this.column && x.kind === kind);
    return s === undefined ? undefined : decompress(s.bytes, this.compression);
  }

  required(kind: number): Uint8Array {
    const s = this.stream(kind);
    if (s === undefined) throw orcError(`column ${this.column} has no stream of kind ${kind}`);
    return s;
  }

  /** Integers of `kind` streams: RLE v1 for DIRECT/DICTIONARY, v2 for the _V2 encodings. */
  ints(kind: number, count: number, signed: boolean): bigint[] {
    const bytes = this.required(kind);
    return this.encoding.kind >= 2 ? intRleV2(bytes, count, signed) : intRleV1(bytes, count, signed);
  }

  get encoding(): { kind: number; dictionarySize: number } {
    const e = this.footer.encodings[this.column];
    if (e === undefined) throw orcError(`column ${this.column} has no encoding`);
    return e;
  }
}

/**
 * Pure: one column of one stripe as `rows` cells (`null` where the PRESENT stream says missing): booleans, bigints
 * for the integer kinds, strings, and Dates (to the millisecond) for timestamps.
 *
 * @throws FormatError for a type this reader does not decode, or malformed streams.
 */
export function readColumn(
  footer: StripeFooter,
  compression: Compression,
  column: number,
  type: OrcType,
  rows: number,
): unknown[] {
  const streams = new ColumnStreams(footer, compression, column);
  const present = presentBits(footer, compression, column, rows);
  const count = present === undefined ? rows : present.reduce((n, bit) => n + bit, 0);
  const values = decodeValues(streams, type.kind, count, footer.writerTimezone);
  if (present === undefined) return values;
  let next = 0;
  return Array.from(present, (bit) => (bit ? values[next++] : null));
}

/** Pure: a column's PRESENT bits for `rows` rows (1 where the cell is there), or undefined when it has no nulls. */
export function presentBits(
  footer: StripeFooter,
  compression: Compression,
  column: number,
  rows: number,
): Uint8Array | undefined {
  const bytes = new ColumnStreams(footer, compression, column).stream(STREAM.PRESENT);
  return bytes === undefined ? undefined : booleanRle(bytes, rows);
}

function decodeValues(streams: ColumnStreams, kind: number, count: number, zone: string): unknown[] {
  switch (kind) {
    case KIND.BOOLEAN:
      return Array.from(booleanRle(streams.required(STREAM.DATA), count), (bit) => bit === 1);
    case KIND.SHORT:
    case KIND.INT:
    case KIND.LONG:
      return streams.ints(STREAM.DATA, count, true);
    case KIND.STRING:
    case KIND.VARCHAR:
    case KIND.CHAR:
      return strings(streams, count);
    case KIND.TIMESTAMP:
    case KIND.INSTANT:
      if (kind === KIND.TIMESTAMP && !UTC_ZONES.has(zone)) {
        throw orcError(`timestamps written in time zone ${zone} (only UTC is read)`);
      }
      return timestamps(streams, count);
    default:
      throw orcError(`column ${streams.column} has type kind ${kind}, which this reader does not decode`);
  }
}

/** `count` byte strings of `data` cut at `lengths`, as UTF-8. */
function cut(data: Uint8Array, lengths: readonly bigint[]): string[] {
  let at = 0;
  return lengths.map((n) => {
    const end = at + Number(n);
    if (end > data.length) throw orcError('string lengths run past the string data');
    const s = utf8.decode(data.subarray(at, end));
    at = end;
    return s;
  });
}

function strings(streams: ColumnStreams, count: number): string[] {
  const { kind, dictionarySize } = streams.encoding;
  if (kind === 0 || kind === 2) {
    return cut(streams.required(STREAM.DATA), streams.ints(STREAM.LENGTH, count, false));
  }
  const dictionary = cut(
    streams.stream(STREAM.DICTIONARY_DATA) ?? new Uint8Array(),
    streams.ints(STREAM.LENGTH, dictionarySize, false),
  );
  return streams.ints(STREAM.DATA, count, false).map((i) => {
    const s = dictionary[Number(i)];
    if (s === undefined) throw orcError(`dictionary index ${i} past the dictionary's ${dictionarySize} entries`);
    return s;
  });
}

/**
 * Seconds (DATA, signed, from 2015) and nanoseconds (SECONDARY: the value shifted left 3, its low 3 bits `z` saying
 * the nanoseconds had `z + 1` trailing decimal zeros taken off, when `z > 0`), floored to the millisecond.
 */
function timestamps(streams: ColumnStreams, count: number): Date[] {
  const seconds = streams.ints(STREAM.DATA, count, true);
  const nanos = streams.ints(STREAM.SECONDARY, count, false);
  return seconds.map((s, i) => {
    // Read back as signed: for a time before 1970 the C++ writer rounds the seconds up and stores negative nanos.
    const n = BigInt.asIntN(64, nanos[i] as bigint);
    const zeros = Number(n & 7n);
    const ns = Number(n >> 3n) * (zeros === 0 ? 1 : 10 ** (zeros + 1));
    return new Date((Number(s) + EPOCH_2015) * 1000 + Math.floor(ns / 1e6));
  });
}
