import { FormatError } from '../errors.ts';

/** The fields of one protobuf message: field number to its values in wire order (varints as bigint, bytes as views). */
export type Fields = Map<number, (bigint | Uint8Array)[]>;

/** A bounds-checked cursor over bytes; every overrun is a FormatError (code `BAD_ORC`). */
export class Cursor {
  pos = 0;
  constructor(readonly bytes: Uint8Array) {}

  get done(): boolean {
    return this.pos >= this.bytes.length;
  }

  byte(): number {
    const b = this.bytes[this.pos++];
    if (b === undefined) throw orcError('ran past the end of a stream or message');
    return b;
  }

  take(n: number): Uint8Array {
    if (n < 0 || this.pos + n > this.bytes.length) throw orcError('ran past the end of a stream or message');
    const out = this.bytes.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  /** An unsigned base-128 varint (protobuf's, and ORC's RLE base values). */
  varint(): bigint {
    let value = 0n;
    for (let shift = 0n; ; shift += 7n) {
      if (shift > 63n) throw orcError('varint longer than 64 bits');
      const b = this.byte();
      value |= BigInt(b & 0x7f) << shift;
      if (b < 0x80) return value;
    }
  }
}

/** A FormatError for malformed ORC bytes; the caller adds the file's URI. */
export function orcError(problem: string): FormatError {
  return new FormatError(`not a readable ORC file: ${problem}`, { code: 'BAD_ORC' });
}

/**
 * Pure: a protobuf message's fields. Only the wire types ORC's metadata uses are accepted (varint, length-delimited,
 * and the fixed 32/64-bit ones, skipped over by value); a group or unknown wire type is malformed.
 */
export function parseMessage(bytes: Uint8Array): Fields {
  const fields: Fields = new Map();
  const c = new Cursor(bytes);
  while (!c.done) {
    const tag = c.varint();
    const field = Number(tag >> 3n);
    const wire = Number(tag & 7n);
    let value: bigint | Uint8Array;
    if (wire === 0) value = c.varint();
    else if (wire === 2) value = c.take(Number(c.varint()));
    else if (wire === 1 || wire === 5) value = c.take(wire === 1 ? 8 : 4);
    else throw orcError(`protobuf wire type ${wire} in metadata`);
    const list = fields.get(field);
    if (list) list.push(value);
    else fields.set(field, [value]);
  }
  return fields;
}

/** A varint field's last value (protobuf's rule for a repeated scalar), or `fallback` when absent. */
export function uint(fields: Fields, field: number, fallback = 0): number {
  const v = fields.get(field)?.at(-1);
  if (v === undefined) return fallback;
  if (typeof v !== 'bigint') throw orcError(`field ${field} is not a varint`);
  return Number(v);
}

/** A repeated varint field, packed or not. */
export function uints(fields: Fields, field: number): number[] {
  const out: number[] = [];
  for (const v of fields.get(field) ?? []) {
    if (typeof v === 'bigint') out.push(Number(v));
    else for (const c = new Cursor(v); !c.done; ) out.push(Number(c.varint()));
  }
  return out;
}

/** A repeated length-delimited field: the nested messages' or strings' bytes. */
export function messages(fields: Fields, field: number): Uint8Array[] {
  return (fields.get(field) ?? []).map((v) => {
    if (typeof v === 'bigint') throw orcError(`field ${field} is not length-delimited`);
    return v;
  });
}
