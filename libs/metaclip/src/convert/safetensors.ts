/**
 * safetensors: an 8-byte little-endian header length, a JSON header `{name: {dtype, shape, data_offsets}}`, then
 * the tensor bytes. This module is the format: the header check, dtype decoding (F32, F16 and BF16 into float32)
 * and the F32 writer for random models; {@link SafetensorsReader} (safetensors-reader.ts) reads files from disk.
 */
import { open } from 'node:fs/promises';
import { bfloat16ToFloat32, float16ToFloat32 } from '@metaclip-batch/float16';
import { ModelLoadError } from '../errors.ts';

/** Element types we can read. */
export type SafetensorsDtype = 'F32' | 'F16' | 'BF16';

export const BYTES: Record<SafetensorsDtype, number> = { F32: 4, F16: 2, BF16: 2 };
// Headers above this are not checkpoints but garbage; the spec itself caps the header at 100 MB.
export const MAX_HEADER = 100 * 1024 * 1024;

/** One tensor's entry in the header, with its byte range made absolute within the file. */
export interface TensorEntry {
  dtype: SafetensorsDtype;
  shape: number[];
  /** Absolute byte offset of the data in the file. */
  start: number;
  /** Byte length of the data. */
  length: number;
}

/**
 * Tensor bytes of `dtype` as float32: F32 aligned to 4 bytes comes back as a view of `bytes` (do not write to it);
 * F16/BF16 and unaligned F32 are converted into a new array.
 */
export function decodeFloat32(bytes: Uint8Array, dtype: SafetensorsDtype): Float32Array {
  const count = bytes.byteLength / BYTES[dtype];
  if (dtype === 'F32') {
    if (bytes.byteOffset % 4 === 0) return new Float32Array(bytes.buffer, bytes.byteOffset, count);
    return new Float32Array(new Uint8Array(bytes).buffer);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const half = new Uint16Array(count);
  for (let i = 0; i < count; i++) half[i] = view.getUint16(2 * i, true);
  return dtype === 'F16' ? float16ToFloat32(half) : bfloat16ToFloat32(half);
}

/**
 * Parse and check the header against the file size: known dtypes, integer shapes, offsets in order, inside the
 * file, non-overlapping, and each byte length equal to `product(shape) * sizeof(dtype)`.
 */
export function parseSafetensorsHeader(
  bytes: Uint8Array,
  source: string,
  /** The file's size when `bytes` holds only its start (the header). */
  fileSize: number = bytes.length,
): { entries: Map<string, TensorEntry>; metadata: Record<string, string> } {
  const fail = (why: string): never => {
    throw new ModelLoadError(`${source}: corrupt safetensors: ${why}`, { path: source });
  };
  if (bytes.length < 8) fail(`file is ${bytes.length} bytes, shorter than the 8-byte header length`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = Number(view.getBigUint64(0, true));
  if (headerLength > MAX_HEADER || 8 + headerLength > fileSize || 8 + headerLength > bytes.length) {
    fail(`header length ${headerLength} does not fit in a ${fileSize}-byte file`);
  }
  let header: unknown;
  try {
    header = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset + 8, headerLength).toString('utf8'));
  } catch (err) {
    fail(`header is not JSON (${(err as Error).message})`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) fail('header is not a JSON object');
  const dataStart = 8 + headerLength;
  const dataLength = fileSize - dataStart;
  const entries = new Map<string, TensorEntry>();
  let metadata: Record<string, string> = {};
  for (const [name, raw] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      metadata = (raw ?? {}) as Record<string, string>;
      continue;
    }
    const { dtype, shape, data_offsets: offsets } = (raw ?? {}) as Record<string, unknown>;
    if (typeof dtype !== 'string' || !(dtype in BYTES)) fail(`tensor "${name}" has unsupported dtype ${dtype}`);
    if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0)) {
      fail(`tensor "${name}" has a bad shape ${JSON.stringify(shape)}`);
    }
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isInteger(o) && o >= 0)) {
      fail(`tensor "${name}" has bad data_offsets ${JSON.stringify(offsets)}`);
    }
    const [begin, end] = offsets as [number, number];
    const expected = (shape as number[]).reduce((a, b) => a * b, 1) * BYTES[dtype as SafetensorsDtype];
    if (end < begin || end > dataLength) {
      fail(`tensor "${name}" spans bytes ${begin}..${end}, outside the ${dataLength} data bytes (truncated file?)`);
    }
    if (end - begin !== expected) {
      fail(`tensor "${name}" has ${end - begin} bytes, its shape ${JSON.stringify(shape)} ${dtype} needs ${expected}`);
    }
    entries.set(name, {
      dtype: dtype as SafetensorsDtype,
      shape: shape as number[],
      start: dataStart + begin,
      length: end - begin,
    });
  }
  const sorted = [...entries].sort((a, b) => a[1].start - b[1].start);
  for (let i = 1; i < sorted.length; i++) {
    const [prevName, prev] = sorted[i - 1] as [string, TensorEntry];
    const [name, entry] = sorted[i] as [string, TensorEntry];
    if (entry.start < prev.start + prev.length) fail(`tensors "${prevName}" and "${name}" overlap`);
  }
  return { entries, metadata };
}

/**
 * A tensor to write, float32 in row-major order: whole, or as a function that makes it in chunks while it is written
 * (each chunk is written before the next is asked for, so a generator may reuse one buffer).
 */
export type Float32Tensor =
  | { shape: readonly number[]; data: Float32Array }
  | { shape: readonly number[]; chunks: () => Iterable<Float32Array> };

/**
 * Write an F32 safetensors file, streaming tensor by tensor and chunk by chunk: lazily made tensors exist one chunk
 * at a time, so writing a random MetaCLIP 2 bigG (a 4.6 GB token embedding) holds a few MB of weights. The header is
 * padded with spaces to a multiple of 8, as Hugging Face does, so every tensor lands 4-byte aligned.
 */
export async function writeSafetensors(
  file: string,
  tensors: Iterable<[string, Float32Tensor]>,
  metadata: Record<string, string> = { format: 'pt' },
): Promise<void> {
  const list = [...tensors];
  const header: Record<string, unknown> = { __metadata__: metadata };
  let offset = 0;
  for (const [name, t] of list) {
    const bytes = 4 * t.shape.reduce((a, b) => a * b, 1);
    header[name] = { dtype: 'F32', shape: t.shape, data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - ((8 + Buffer.byteLength(json)) % 8)) % 8);
  const prefix = Buffer.alloc(8);
  prefix.writeBigUInt64LE(BigInt(Buffer.byteLength(json)));
  const handle = await open(file, 'w');
  try {
    await handle.write(prefix);
    await handle.write(json);
    for (const [name, t] of list) {
      const expected = t.shape.reduce((a, b) => a * b, 1);
      const mismatch = (got: string) =>
        new RangeError(`${name}: shape [${t.shape}] needs ${expected} values, got ${got}`);
      let written = 0;
      for (const chunk of 'data' in t ? [t.data] : t.chunks()) {
        if (written + chunk.length > expected) throw mismatch('more');
        await handle.write(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
        written += chunk.length;
      }
      if (written !== expected) throw mismatch(String(written));
    }
  } finally {
    await handle.close();
  }
}
