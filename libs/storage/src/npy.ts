import { endianness } from 'node:os';
import { float16ToFloat32, float32ToFloat16 } from '@metaclip-batch/float16';
import { FormatError } from './errors.ts';

export { float16ToFloat32, float32ToFloat16 };

/** Element types we write and read: what embeddings are stored as. */
export type NpyDtype = 'float32' | 'float16';

/** A decoded `.npy` array, C order. `float16` data holds the raw IEEE half bits (see {@link float16ToFloat32}). */
export type NpyArray =
  | { dtype: 'float32'; shape: number[]; data: Float32Array }
  | { dtype: 'float16'; shape: number[]; data: Uint16Array };

const MAGIC = Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]); // \x93NUMPY
const PREFIX_LEN = MAGIC.length + 2 + 2; // magic, version, v1 header length
// numpy aligns the data to 64 bytes and reserves room to grow the first axis in place (format.py).
const ALIGN = 64;
const GROWTH_AXIS_MAX_DIGITS = 21;
const DESCR: Record<NpyDtype, string> = { float32: '<f4', float16: '<f2' };

// Typed arrays use the host's byte order and npy files here are little-endian; every platform Node ships on for
// this project (x64, arm64) is little-endian, so say so loudly instead of writing garbage elsewhere.
function assertLittleEndianHost(): void {
  if (endianness() !== 'LE') throw new FormatError('npy encoding needs a little-endian host', { code: 'BIG_ENDIAN' });
}

/**
 * Encodes an array as NumPy `.npy` v1.0, byte-identical to `numpy.save` (same header text, spacing and 64-byte
 * alignment). For `float16`, pass the half bits as `Uint16Array`, or a `Float32Array` that is converted with
 * {@link float32ToFloat16}.
 *
 * @throws FormatError when the shape does not match the data or the data type does not fit `dtype`.
 */
export function encodeNpy(data: Float32Array | Uint16Array, shape: readonly number[], dtype: NpyDtype): Buffer {
  assertLittleEndianHost();
  const count = shape.reduce((a, b) => a * b, 1);
  if (shape.some((d) => !Number.isSafeInteger(d) || d < 0) || count !== data.length) {
    throw new FormatError(`npy shape [${shape.join(', ')}] does not hold ${data.length} values`, {
      code: 'BAD_SHAPE',
    });
  }
  let payload: Float32Array | Uint16Array;
  if (dtype === 'float16') {
    payload = data instanceof Float32Array ? float32ToFloat16(data) : data;
  } else if (data instanceof Float32Array) {
    payload = data;
  } else {
    throw new FormatError('npy dtype float32 needs a Float32Array (Uint16Array holds float16 bits)', {
      code: 'BAD_DTYPE',
    });
  }
  const header = npyHeader(DESCR[dtype], shape);
  const out = Buffer.allocUnsafe(header.length + payload.byteLength);
  header.copy(out, 0);
  Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength).copy(out, header.length);
  return out;
}

function npyHeader(descr: string, shape: readonly number[]): Buffer {
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let dict = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shapeText}, }`;
  if (shape.length > 0) dict += ' '.repeat(GROWTH_AXIS_MAX_DIGITS - String(shape[0]).length);
  const unpadded = PREFIX_LEN + dict.length + 1; // + the final newline
  const padded = `${dict}${' '.repeat((ALIGN - (unpadded % ALIGN)) % ALIGN)}\n`;
  const out = Buffer.alloc(PREFIX_LEN + padded.length);
  MAGIC.copy(out, 0);
  out[6] = 1;
  out[7] = 0;
  out.writeUInt16LE(padded.length, 8);
  out.write(padded, PREFIX_LEN, 'latin1');
  return out;
}

/** What an npy header says: element type, shape, and the byte offset where the data starts. */
export interface NpyHeader {
  dtype: NpyDtype;
  shape: number[];
  dataOffset: number;
}

/**
 * Parses the header of a `.npy` file (its first bytes suffice: 4 KiB covers any header numpy writes), so a reader can
 * fetch single rows at `dataOffset + row * rowBytes` without loading the file.
 *
 * @throws FormatError for what {@link decodeNpy} refuses in a header.
 */
export function readNpyHeader(buf: Uint8Array): NpyHeader {
  const bytes = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  if (bytes.length < PREFIX_LEN || !bytes.subarray(0, MAGIC.length).equals(MAGIC)) {
    throw new FormatError('not an npy file (bad magic)', { code: 'BAD_NPY' });
  }
  const major = bytes[6];
  const lenBytes = major === 1 ? 2 : 4;
  if (major !== 1 && major !== 2 && major !== 3) {
    throw new FormatError(`unsupported npy format version ${major}`, { code: 'BAD_NPY' });
  }
  const headerLen = lenBytes === 2 ? bytes.readUInt16LE(8) : bytes.readUInt32LE(8);
  const dataStart = 8 + lenBytes + headerLen;
  if (dataStart > bytes.length) throw new FormatError('truncated npy header', { code: 'BAD_NPY' });
  const header = bytes.toString(major === 3 ? 'utf8' : 'latin1', 8 + lenBytes, dataStart);

  const descr = /'descr':\s*'([^']*)'/.exec(header)?.[1];
  const fortran = /'fortran_order':\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) {
    throw new FormatError(`malformed npy header: ${header.trim()}`, { code: 'BAD_NPY' });
  }
  const shape = shapeText
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map(Number);
  const dtype = (Object.keys(DESCR) as NpyDtype[]).find((d) => DESCR[d] === descr);
  if (dtype === undefined) {
    throw new FormatError(`unsupported npy dtype ${descr}: expected little-endian float32 (<f4) or float16 (<f2)`, {
      code: 'BAD_DTYPE',
    });
  }
  if (fortran === 'True' && shape.filter((d) => d > 1).length > 1) {
    throw new FormatError('Fortran-order npy arrays are not supported: save with np.ascontiguousarray', {
      code: 'BAD_NPY',
    });
  }
  return { dtype, shape, dataOffset: dataStart };
}

/** The values of a decoded array as float32, whichever of the two dtypes it was stored in (a view when float32). */
export function npyFloat32(npy: NpyArray): Float32Array {
  return npy.dtype === 'float32' ? npy.data : float16ToFloat32(npy.data);
}

/**
 * Decodes a `.npy` file (format v1, v2 or v3) holding little-endian float32 or float16 in C order. The result views
 * `buf` without copying when the data is aligned.
 *
 * @throws FormatError for anything else (other dtypes, big-endian, Fortran order, truncated data).
 */
export function decodeNpy(buf: Uint8Array): NpyArray {
  assertLittleEndianHost();
  const bytes = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  const { dtype, shape, dataOffset: dataStart } = readNpyHeader(bytes);
  const count = shape.reduce((a, b) => a * b, 1);
  const width = dtype === 'float32' ? 4 : 2;
  if (bytes.length < dataStart + count * width) {
    throw new FormatError(`truncated npy data: shape (${shape.join(', ')}) needs ${count * width} bytes`, {
      code: 'BAD_NPY',
    });
  }
  const offset = bytes.byteOffset + dataStart;
  // Typed arrays need element-aligned offsets; Buffers from Node's pool are not always aligned, so copy then.
  const source = offset % width === 0 ? bytes.buffer : bytes.buffer.slice(offset, offset + count * width);
  const start = offset % width === 0 ? offset : 0;
  return dtype === 'float32'
    ? { dtype, shape, data: new Float32Array(source, start, count) }
    : { dtype, shape, data: new Uint16Array(source, start, count) };
}
