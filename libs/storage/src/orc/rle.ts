import { Cursor, orcError } from './protobuf.ts';

// The run-length encodings of ORC's data streams (ORCv1 spec, "Run Length Encoding"). Each decoder reads exactly
// `count` values from the start of a stream; a stream that ends first is malformed.

/** Byte RLE: a control byte `0..127` is a run of `control + 3` copies of the next byte, `-1..-128` that many literals. */
export function byteRle(bytes: Uint8Array, count: number): Uint8Array {
  const out = new Uint8Array(count);
  const c = new Cursor(bytes);
  for (let n = 0; n < count; ) {
    const control = (c.byte() << 24) >> 24;
    if (control >= 0) {
      const run = Math.min(control + 3, count - n);
      out.fill(c.byte(), n, n + run);
      n += run;
    } else {
      const literals = c.take(Math.min(-control, count - n));
      out.set(literals, n);
      n += literals.length;
    }
  }
  return out;
}

/** Boolean RLE: byte RLE of the bits, most significant bit first. */
export function booleanRle(bytes: Uint8Array, count: number): Uint8Array {
  const packed = byteRle(bytes, Math.ceil(count / 8));
  const out = new Uint8Array(count);
  for (let i = 0; i < count; i++) out[i] = ((packed[i >> 3] as number) >> (7 - (i & 7))) & 1;
  return out;
}

const unzigzag = (v: bigint): bigint => (v >> 1n) ^ -(v & 1n);

/** Integer RLE version 1 (the DIRECT and DICTIONARY encodings): runs with a signed byte delta, and literal varints. */
export function intRleV1(bytes: Uint8Array, count: number, signed: boolean): bigint[] {
  const out: bigint[] = [];
  const c = new Cursor(bytes);
  const value = () => (signed ? unzigzag(c.varint()) : c.varint());
  while (out.length < count) {
    const header = (c.byte() << 24) >> 24;
    if (header >= 0) {
      const delta = BigInt((c.byte() << 24) >> 24);
      const base = value();
      for (let i = 0n; i < BigInt(header + 3); i++) out.push(base + i * delta);
    } else for (let i = 0; i < -header; i++) out.push(value());
  }
  return out.length > count ? out.slice(0, count) : out;
}

/** The bit widths of RLE v2's 5-bit width code. */
const WIDTHS = [...Array.from({ length: 24 }, (_, i) => i + 1), 26, 28, 30, 32, 40, 48, 56, 64];

function width(code: number): number {
  return WIDTHS[code] as number;
}

/** The smallest width of {@link WIDTHS} holding `bits` bits (how a patch list entry is packed). */
function closestWidth(bits: number): number {
  return WIDTHS.find((w) => w >= bits) ?? 64;
}

/** `count` unsigned big-endian values of `bits` bits each, packed most significant bit first from a byte boundary. */
function unpack(c: Cursor, bits: number, count: number): bigint[] {
  const bytes = c.take(Math.ceil((bits * count) / 8));
  const out: bigint[] = new Array(count);
  let at = 0;
  for (let i = 0; i < count; i++) {
    // Up to 52 bits fit a double exactly; wider values are assembled as bigint.
    let small = 0;
    let big = 0n;
    for (let left = bits; left > 0; ) {
      const avail = 8 - (at & 7);
      const take = Math.min(avail, left);
      const chunk = ((bytes[at >> 3] as number) >> (avail - take)) & ((1 << take) - 1);
      if (bits <= 52) small = small * 2 ** take + chunk;
      else big = (big << BigInt(take)) | BigInt(chunk);
      left -= take;
      at += take;
    }
    out[i] = bits <= 52 ? BigInt(small) : big;
  }
  return out;
}

function bigEndian(c: Cursor, n: number): bigint {
  let v = 0n;
  for (const b of c.take(n)) v = (v << 8n) | BigInt(b);
  return v;
}

/**
 * Integer RLE version 2 (the DIRECT_V2 and DICTIONARY_V2 encodings): the top two bits of each run's first byte pick
 * short repeat, direct, patched base or delta. `signed` values are zigzag-encoded (patched base excepted: its base
 * is sign-magnitude and its values are offsets from it).
 */
export function intRleV2(bytes: Uint8Array, count: number, signed: boolean): bigint[] {
  const out: bigint[] = [];
  const c = new Cursor(bytes);
  const zig = (v: bigint) => (signed ? unzigzag(v) : v);
  while (out.length < count) {
    const b0 = c.byte();
    const kind = b0 >> 6;
    if (kind === 0) {
      const value = zig(bigEndian(c, ((b0 >> 3) & 7) + 1));
      for (let i = 0; i < (b0 & 7) + 3; i++) out.push(value);
      continue;
    }
    const length = (((b0 & 1) << 8) | c.byte()) + 1;
    const code = (b0 >> 1) & 31;
    if (kind === 1) for (const v of unpack(c, width(code), length)) out.push(zig(v));
    else if (kind === 2) out.push(...patchedBase(c, width(code), length));
    else out.push(...delta(c, code === 0 ? 0 : width(code), length, zig));
  }
  return out.length > count ? out.slice(0, count) : out;
}

/** The rest of a patched-base run: base, values, then the patch list that puts back the values' high bits. */
function patchedBase(c: Cursor, bits: number, length: number): bigint[] {
  const b2 = c.byte();
  const b3 = c.byte();
  const baseBytes = ((b2 >> 5) & 7) + 1;
  const patchBits = width(b2 & 31);
  const gapBits = ((b3 >> 5) & 7) + 1;
  const raw = bigEndian(c, baseBytes);
  const sign = 1n << BigInt(baseBytes * 8 - 1);
  const base = raw & sign ? -(raw & (sign - 1n)) : raw;
  const values = unpack(c, bits, length);
  const patchMask = (1n << BigInt(patchBits)) - 1n;
  let at = 0;
  for (const entry of unpack(c, closestWidth(gapBits + patchBits), b3 & 31)) {
    // A gap of 255 with a zero patch only moves on (a gap longer than gapBits holds); OR-ing the zero is harmless.
    at += Number(entry >> BigInt(patchBits));
    if (at >= length) throw orcError('patched-base patch past the end of its run');
    values[at] = (values[at] as bigint) | ((entry & patchMask) << BigInt(bits));
  }
  return values.map((v) => base + v);
}

/** The rest of a delta run: base, first delta (its sign the run's direction), then the packed delta magnitudes. */
function delta(c: Cursor, bits: number, length: number, zig: (v: bigint) => bigint): bigint[] {
  const base = zig(c.varint());
  const step = unzigzag(c.varint());
  const values = [base];
  if (length > 1) values.push(base + step);
  if (bits === 0) for (let i = 2; i < length; i++) values.push((values[i - 1] as bigint) + step);
  else {
    let prev = values[1] as bigint;
    for (const d of unpack(c, bits, length - 2)) {
      prev = step < 0n ? prev - d : prev + d;
      values.push(prev);
    }
  }
  return values;
}
